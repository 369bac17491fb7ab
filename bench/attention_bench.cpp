// Fused attention forward + backward at B=4, H=8, T=512, d_kv=64, fp32 (compare with
// bench/attention_bench_torch.py at the same thread count). Usage: attention_bench [threads] [repeats]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "backend/attention.h"
#include "backend/elementwise.h"
#include "core/rng.h"
#include "core/threads.h"

using namespace hone;

namespace {

Tensor random_f32(const Shape& shape, uint64_t seed) {
  Tensor t = Tensor::empty(shape);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(2 * random_uniform(seed, 0, i) - 1);
  return t;
}

template <class Step>
double median_ms(Step&& step, int repeats) {
  step();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    step();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 7;
  set_num_threads(threads);
  const int64_t B = 4, H = 8, T = 512, D = 64;
  Tensor q = random_f32({B, T, H * D}, 1), k = random_f32({B, T, H * D}, 2), v = random_f32({B, T, H * D}, 3);
  Tensor d_out = random_f32({B, T, H * D}, 4), bias = random_f32({H, T, T}, 5);
  Tensor out = Tensor::empty({B, T, H * D}), probs = Tensor::empty({B, H, T, T}), scores_grad = Tensor::empty({B, H, T, T});
  Tensor dq = Tensor::empty(q.shape()), dk = Tensor::empty(k.shape()), dv = Tensor::empty(v.shape());
  Tensor d_bias = Tensor::zeros({H, T, T});
  AttentionShape shape{H, H, D, 1.0 / std::sqrt(double(D))};
  for (bool causal : {false, true}) {
    AttentionMask mask;
    mask.causal = causal;
    const Tensor& b = causal ? Tensor() : bias;  // T5 encoder: bias, bidirectional; decoder-only: causal
    const Tensor& db = causal ? Tensor() : d_bias;
    double fwd = median_ms([&] { attention_forward(q, k, v, b, mask, shape, out, probs); }, repeats);
    double total = median_ms(
        [&] {
          attention_forward(q, k, v, b, mask, shape, out, probs);
          attention_backward(q, k, v, probs, mask, d_out, shape, dq, dk, dv, db, scores_grad);
        },
        repeats);
    std::printf("{\"name\": \"attention_%s\", \"threads\": %d, \"forward_ms\": %.2f, \"forward_backward_ms\": %.2f}\n",
                causal ? "causal" : "bias_bidirectional", threads, fwd, total);
  }
}
