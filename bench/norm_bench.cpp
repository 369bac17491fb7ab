// Times RMSNorm and LayerNorm forward + backward on [rows, d_model] fp32 (default [4*512, 512]).
// Usage: norm_bench [threads] [rows] [d_model]. bench/norm_torch.py runs the PyTorch eager side.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "backend/elementwise.h"
#include "core/rng.h"
#include "core/threads.h"
#include "nn/layer_norm.h"
#include "nn/rms_norm.h"

namespace {

hone::Tensor random_matrix(int64_t rows, int64_t cols, uint64_t seed) {
  hone::Tensor t = hone::Tensor::empty({rows, cols});
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = 2.0f * hone::random_uniform(seed, 0, static_cast<uint64_t>(i)) - 1.0f;
  return t;
}

// Median of `repeats` timed runs of f, after warm-up, in microseconds.
template <class F>
double median_us(F&& f, int repeats = 200) {
  for (int i = 0; i < 20; ++i) f();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    times.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + repeats / 2, times.end());
  return times[repeats / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : hone::num_threads();
  const int64_t rows = argc > 2 ? std::atoll(argv[2]) : 4 * 512;
  const int64_t d_model = argc > 3 ? std::atoll(argv[3]) : 512;
  hone::set_num_threads(threads);
  hone::ParameterStore store;
  hone::RMSNorm rms(store, "rms", d_model);
  hone::LayerNorm ln(store, "ln", d_model);
  store.finalize();
  hone::fill(rms.weight().value, 1.0);
  hone::fill(ln.weight().value, 1.0);
  hone::Tensor x = random_matrix(rows, d_model, 1), dy = random_matrix(rows, d_model, 2);
  hone::Arena arena;
  auto rms_step = [&] {
    arena.reset();
    hone::RMSNorm::Output out = rms.forward(arena, x);
    rms.backward(arena, x, out, dy);
  };
  auto ln_step = [&] {
    arena.reset();
    hone::LayerNorm::Output out = ln.forward(arena, x);
    ln.backward(arena, x, out, dy);
  };
  std::printf("hone rms_norm   fwd+bwd [%lld, %lld] threads=%d: %.1f us\n", static_cast<long long>(rows),
              static_cast<long long>(d_model), threads, median_us(rms_step));
  std::printf("hone layer_norm fwd+bwd [%lld, %lld] threads=%d: %.1f us\n", static_cast<long long>(rows),
              static_cast<long long>(d_model), threads, median_us(ln_step));
  return 0;
}
