// Per-layer forward+backward times for the shapes of a d_model=512, 8-head, seq 512, batch 4 model,
// printed as JSON lines that bench/compare.py sets beside bench/torch_layers.py (PyTorch eager, same
// shapes and threads). The raw-sgemm cases run exactly the GEMMs a layer runs, straight through
// OpenBLAS, so "of sgemm" shows how much of the BLAS rate the layer keeps.
#include <cblas.h>

#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "backend/activation.h"
#include "backend/attention.h"
#include "backend/random.h"
#include "bench/bench_timer.h"
#include "core/threads.h"
#include "nn/embedding.h"
#include "nn/feed_forward.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "nn/lm_head_loss.h"
#include "nn/relative_position_bias.h"
#include "nn/rms_norm.h"

using namespace hone;
using hone::bench::median_ms;
using hone::bench::report;

namespace {

constexpr int64_t B = 4, T = 512, D = 512, H = 8, DK = 64, DFF = 2048, V = 32000, ROWS = B * T;

Tensor random(const Shape& shape, uint64_t seed, double scale = 1.0) {
  Tensor t = Tensor::empty(shape);
  fill_normal(t, seed, 0, 0.0, scale);
  return t;
}

void randomize(ParameterStore& store, uint64_t seed) {
  store.finalize();
  uint64_t stream = 0;
  for (const Parameter& p : store.all()) fill_normal(p.value, seed, stream++, p.shape.size() == 1 ? 1.0 : 0.0, 0.02);
}

// One GEMM in row-major terms: C[m, n] = op(A) op(B).
struct Gemm {
  int64_t m, n, k;
  bool trans_a, trans_b;
};

void raw_sgemm(const std::string& name, const std::vector<Gemm>& gemms) {
  int64_t biggest = 0;
  for (const Gemm& g : gemms) biggest = std::max({biggest, g.m * g.k, g.k * g.n, g.m * g.n});
  Tensor a = random({biggest}, 1), b = random({biggest}, 2), c = Tensor::zeros({biggest});
  double flops = 0;
  for (const Gemm& g : gemms) flops += 2.0 * g.m * g.n * g.k;
  double ms = median_ms([&] {
    for (const Gemm& g : gemms) {
      cblas_sgemm(CblasRowMajor, g.trans_a ? CblasTrans : CblasNoTrans, g.trans_b ? CblasTrans : CblasNoTrans, g.m, g.n,
                  g.k, 1.0f, a.data<float>(), g.trans_a ? g.m : g.k, b.data<float>(), g.trans_b ? g.k : g.n, 0.0f,
                  c.data<float>(), g.n);
    }
  });
  report(name, ms, flops);
}

// The three GEMMs of a linear layer's forward and backward: y = x W^T, dW = dy^T x, dx = dy W.
std::vector<Gemm> linear_gemms(int64_t rows, int64_t in, int64_t out) {
  return {{rows, out, in, false, true}, {out, in, rows, true, false}, {rows, in, out, false, false}};
}

void linear_case() {
  ParameterStore store;
  Linear linear(store, "linear", D, D, false);
  randomize(store, 3);
  Tensor x = random({ROWS, D}, 4), dy = random({ROWS, D}, 5);
  Arena arena;
  double ms = median_ms([&] {
    Tensor y = linear.forward(arena, x);
    linear.backward(arena, x, dy);
    arena.reset();
  });
  report("linear 512->512 fwd+bwd", ms, 3 * 2.0 * ROWS * D * D, "sgemm linear GEMMs");
  raw_sgemm("sgemm linear GEMMs", linear_gemms(ROWS, D, D));
}

void ffn_case() {
  ParameterStore store;
  FeedForward ffn(store, "ffn", D, DFF, FeedForwardSpec::t5_dense_gated_act_dense());
  randomize(store, 6);
  Tensor x = random({ROWS, D}, 7), dy = random({ROWS, D}, 8);
  Arena arena;
  double ms = median_ms([&] {
    FeedForward::Output out = ffn.forward(arena, x);
    ffn.backward(arena, x, out, dy);
    arena.reset();
  });
  report("ffn gated-gelu 512-2048 fwd+bwd", ms, 3 * 2.0 * ROWS * D * DFF * 3, "sgemm ffn GEMMs");
  std::vector<Gemm> gemms = linear_gemms(ROWS, D, 2 * DFF);  // wi_0 and wi_1 as one projection
  for (const Gemm& g : linear_gemms(ROWS, DFF, D)) gemms.push_back(g);
  raw_sgemm("sgemm ffn GEMMs", gemms);
}

template <class Norm>
void norm_case(const std::string& name, Norm& norm, ParameterStore& store) {
  randomize(store, 9);
  Tensor x = random({ROWS, D}, 10), dy = random({ROWS, D}, 11);
  Arena arena;
  double ms = median_ms([&] {
    auto out = norm.forward(arena, x);
    norm.backward(arena, x, out, dy);
    arena.reset();
  });
  report(name, ms);
}

void swiglu_case() {
  Tensor gate = random({ROWS, DFF}, 12), up = random({ROWS, DFF}, 13), dy = random({ROWS, DFF}, 14);
  Tensor y = Tensor::empty({ROWS, DFF}), dgate = Tensor::empty({ROWS, DFF}), dup = Tensor::empty({ROWS, DFF});
  double ms = median_ms([&] {
    gated_activation_forward(Activation::SiLU, gate, up, y);
    gated_activation_backward(Activation::SiLU, gate, up, dy, dgate, dup);
  });
  report("swiglu [2048, 2048] fwd+bwd", ms);
}

void attention_case(bool t5) {
  Tensor q = random({B, T, H * DK}, 15), k = random({B, T, H * DK}, 16), v = random({B, T, H * DK}, 17);
  Tensor dout = random({B, T, H * DK}, 18);
  Tensor out = Tensor::empty({B, T, H * DK}), probs = Tensor::empty({B, H, T, T}), scores_grad = Tensor::empty({B, H, T, T});
  Tensor dq = Tensor::empty(q.shape()), dk = Tensor::empty(k.shape()), dv = Tensor::empty(v.shape());
  AttentionMask mask;
  mask.causal = !t5;
  AttentionShape shape{H, H, DK, t5 ? 1.0 : 1.0 / std::sqrt(double(DK))};
  ParameterStore store;
  RelativePositionBias position_bias(store, "relative_attention_bias", H, true);
  randomize(store, 19);
  Tensor d_bias = Tensor::zeros({H, T, T});
  Arena arena;
  double ms = median_ms([&] {
    Tensor bias = t5 ? position_bias.forward(arena, T, T) : Tensor();
    attention_forward(q, k, v, bias, mask, shape, out, probs);
    attention_backward(q, k, v, probs, mask, dout, shape, dq, dk, dv, t5 ? d_bias : Tensor(), scores_grad);
    if (t5) position_bias.backward(d_bias);
    arena.reset();
  });
  report(t5 ? "attention t5 bidirectional + rel bias fwd+bwd" : "attention causal (llama) fwd+bwd", ms,
         6 * 2.0 * B * H * T * T * DK);
}

void embedding_case() {
  ParameterStore store;
  Embedding embedding(store, "embed", V, D);
  randomize(store, 20);
  Tensor ids = Tensor::empty({B, T}, DType::I32);
  for (int64_t i = 0; i < ids.numel(); ++i) ids.data<int32_t>()[i] = static_cast<int32_t>((i * 7919) % V);
  Tensor dy = random({B, T, D}, 21);
  Arena arena;
  double ms = median_ms([&] {
    embedding.forward(arena, ids);
    embedding.backward(ids, dy);
    arena.reset();
  });
  report("embedding 32000x512 fwd+bwd", ms);
}

void lm_head_case() {
  ParameterStore store;
  LmHeadLoss head(store, "lm_head", V, D);
  randomize(store, 22);
  Tensor hidden = random({ROWS, D}, 23);
  Tensor targets = Tensor::empty({ROWS}, DType::I32);
  for (int64_t i = 0; i < ROWS; ++i) targets.data<int32_t>()[i] = static_cast<int32_t>((i * 104729) % V);
  Arena arena;
  double ms = median_ms([&] {
    head.forward_backward(arena, hidden, targets);
    arena.reset();
  });
  report("lm head + CE 2048x512x32000 fwd+bwd", ms, 3 * 2.0 * ROWS * D * V, "sgemm lm head GEMMs");
  raw_sgemm("sgemm lm head GEMMs", linear_gemms(ROWS, D, V));
}

}  // namespace

// Usage: layers_bench [--list | SUBSTRING]: run every case, list their names, or run the cases whose
// name contains SUBSTRING (bench/run.sh alternates hone and PyTorch case by case).
int main(int argc, char** argv) {
  const std::vector<std::pair<std::string, std::function<void()>>> cases = {
      {"linear 512->512 fwd+bwd", linear_case},
      {"ffn gated-gelu 512-2048 fwd+bwd", ffn_case},
      {"rmsnorm [2048, 512] fwd+bwd",
       [] {
         ParameterStore store;
         RMSNorm norm(store, "rms", D);
         norm_case("rmsnorm [2048, 512] fwd+bwd", norm, store);
       }},
      {"layernorm [2048, 512] fwd+bwd",
       [] {
         ParameterStore store;
         LayerNorm norm(store, "ln", D);
         norm_case("layernorm [2048, 512] fwd+bwd", norm, store);
       }},
      {"swiglu [2048, 2048] fwd+bwd", swiglu_case},
      {"attention causal (llama) fwd+bwd", [] { attention_case(false); }},
      {"attention t5 bidirectional + rel bias fwd+bwd", [] { attention_case(true); }},
      {"embedding 32000x512 fwd+bwd", embedding_case},
      {"lm head + CE 2048x512x32000 fwd+bwd", lm_head_case},
  };
  const std::string arg = argc > 1 ? argv[1] : "";
  for (const auto& [name, run] : cases) {
    if (arg == "--list") std::printf("%s\n", name.c_str());
    else if (name.find(arg) != std::string::npos) run();
  }
}
