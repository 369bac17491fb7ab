#pragma once
// The position-wise feed-forward block of a transformer, in the four Hugging Face flavours:
//   T5 DenseReluDense        wo(relu(wi(x)))                      no bias
//   T5 DenseGatedActDense    wo(gelu_new(wi_0(x)) * wi_1(x))      no bias (T5 v1.1, Flan-T5, UL2)
//   Llama MLP                down_proj(silu(gate_proj(x)) * up_proj(x))
//   GPT-2 MLP                c_proj(gelu_new(c_fc(x)))            with bias
// Weights are stored [out, in] like nn.Linear. GPT-2 checkpoints keep Conv1D weights as [in, out]; the
// checkpoint importer transposes them. Dropout is not applied here.
#include <optional>
#include <string>

#include "backend/activation.h"
#include "core/arena.h"
#include "nn/linear.h"
#include "nn/parameter.h"

namespace hone {

struct FeedForwardSpec {
  std::string input_name;   // the first projection (the gate when gated)
  std::string up_name;      // the multiplicative branch of a gated FFN; empty when not gated
  std::string output_name;  // the projection back to d_model
  Activation activation = Activation::ReLU;
  bool bias = false;

  bool gated() const { return !up_name.empty(); }

  static FeedForwardSpec t5_dense_relu_dense();
  static FeedForwardSpec t5_dense_gated_act_dense(Activation activation = Activation::GeluTanh);
  static FeedForwardSpec llama_mlp();
  static FeedForwardSpec gpt2_mlp();
};

class FeedForward {
 public:
  struct Output {
    Tensor y;          // [..., d_model]
    Tensor hidden;     // pre-activation [rows, d_ff], or [rows, 2 * d_ff] = [gate | up] when gated
    Tensor activated;  // [rows, d_ff], the input of the output projection
  };

  // Registers "<prefix>.<name>.weight" (and ".bias") for each projection in spec. A gated FFN registers
  // its gate and up weights back to back, so both projections run as one GEMM.
  FeedForward(ParameterStore& store, const std::string& prefix, int64_t d_model, int64_t d_ff, FeedForwardSpec spec);

  // x [..., d_model] contiguous.
  // With transient given, `activated` and `y` come from it instead: a caller that recomputes the
  // activation in backward (activate()) keeps only `hidden` in its main arena.
  Output forward(Arena& arena, const Tensor& x, Arena* transient = nullptr) const;
  // act(hidden), or act(gate) * up when gated: the `activated` of a saved pre-activation [rows, ...].
  Tensor activate(Arena& arena, const Tensor& hidden) const;
  // Accumulates every parameter gradient; returns dx [..., d_model].
  Tensor backward(Arena& arena, const Tensor& x, const Output& saved, const Tensor& dy) const;

  const FeedForwardSpec& spec() const { return spec_; }
  int64_t d_model() const { return d_model_; }
  int64_t d_ff() const { return d_ff_; }

 private:
  // The gate and up weights (or gradients) as one [2 * d_ff, d_model] matrix when they are adjacent in
  // memory; undefined otherwise.
  Tensor stacked_input_weights(bool gradients) const;

  FeedForwardSpec spec_;
  int64_t d_model_, d_ff_;
  Linear input_;
  std::optional<Linear> up_;
  Linear output_;
};

}  // namespace hone
