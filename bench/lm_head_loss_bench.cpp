// Fused LM head + cross-entropy, forward and backward, at a T5-small-like shape; compare with
// bench/lm_head_loss_torch.py (PyTorch eager: linear + F.cross_entropy + backward) at the same threads.
//   lm_head_loss_bench [tokens=2048] [d_model=512] [vocab=32000] [chunk_rows=0 (auto)] [repeats=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "backend/cross_entropy.h"
#include "backend/elementwise.h"
#include "backend/gemm.h"
#include "core/rng.h"
#include "core/threads.h"
#include "nn/lm_head_loss.h"

using namespace hone;

int main(int argc, char** argv) {
  auto arg = [&](int i, int64_t fallback) { return argc > i ? std::atoll(argv[i]) : fallback; };
  const int64_t n = arg(1, 2048), d = arg(2, 512), vocab = arg(3, 32000), chunk = arg(4, 0), repeats = arg(5, 5);
  set_num_threads(num_threads());  // applies HONE_THREADS to OpenMP and OpenBLAS before any kernel runs
  ParameterStore store;
  LmHeadLossOptions options;
  options.chunk_rows = chunk;
  LmHeadLoss head(store, "lm_head", vocab, d, options);
  store.finalize();
  Tensor hidden = Tensor::empty({n, d}), targets = Tensor::empty({n}, DType::I32);
  float* w = head.weight().value.data<float>();
  for (int64_t i = 0; i < vocab * d; ++i) w[i] = 0.05f * (2 * random_uniform(1, 0, i) - 1);
  for (int64_t i = 0; i < n * d; ++i) hidden.data<float>()[i] = 2 * random_uniform(2, 0, i) - 1;
  for (int64_t i = 0; i < n; ++i) targets.data<int32_t>()[i] = static_cast<int32_t>(random_u32(3, 0, i) % vocab);
  Arena arena;
  std::vector<double> ms, cpu_ms;
  double loss = 0;
  for (int64_t r = 0; r <= repeats; ++r) {  // the first run sizes the arena and is not timed
    arena.reset();
    auto start = std::chrono::steady_clock::now();
    std::clock_t cpu_start = std::clock();
    loss = head.forward_backward(arena, hidden, targets).loss;
    std::clock_t cpu_stop = std::clock();
    auto stop = std::chrono::steady_clock::now();
    if (r > 0) ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
    // CPU time of all threads: a fairer measure than wall time on a machine shared with other jobs.
    if (r > 0) cpu_ms.push_back(1e3 * static_cast<double>(cpu_stop - cpu_start) / CLOCKS_PER_SEC);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  // The floor: the same three GEMMs per chunk with nothing in between.
  const int64_t rows = chunk > 0 ? std::min(chunk, n) : std::clamp<int64_t>((int64_t{1} << 24) / vocab, 16, n);
  Tensor logits = Tensor::zeros({rows, vocab}), dhidden = Tensor::empty({n, d});
  std::vector<double> gemm_ms;
  for (int64_t r = 0; r <= repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    for (int64_t r0 = 0; r0 < n; r0 += rows) {
      const int64_t m = std::min(rows, n - r0);
      Tensor l = logits.slice(0, 0, m), h = hidden.slice(0, r0, r0 + m);
      gemm(h, Trans::No, head.weight().value, Trans::Yes, l);
      gemm(l, Trans::No, head.weight().value, Trans::No, dhidden.slice(0, r0, r0 + m));
      gemm(l, Trans::Yes, h, Trans::No, head.weight().grad, 1.0, 1.0);
    }
    auto stop = std::chrono::steady_clock::now();
    if (r > 0) gemm_ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
  }
  std::sort(gemm_ms.begin(), gemm_ms.end());
  std::printf("hone fused lm_head+CE fwd+bwd N=%lld d=%lld V=%lld threads=%d chunk=%lld: median %.1f ms (min %.1f), loss %.6f, workspace %.1f MB\n",
              static_cast<long long>(n), static_cast<long long>(d), static_cast<long long>(vocab), num_threads(),
              static_cast<long long>(chunk), ms[ms.size() / 2], ms[0], loss, arena.peak() / 1e6);
  std::printf("  CPU time: median %.1f ms (min %.1f)\n", cpu_ms[cpu_ms.size() / 2], cpu_ms[0]);
  std::printf("  its three GEMMs alone: median %.1f ms (min %.1f)\n", gemm_ms[gemm_ms.size() / 2], gemm_ms[0]);
  return 0;
}
