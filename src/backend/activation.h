#pragma once
// Pointwise activations and their gated (GLU-style) forms. The gated kernels take gate and up as
// [rows, n] matrices whose rows may be strided (e.g. the two halves of one [rows, 2n] projection), and
// compute act(gate) * up, and both input gradients, in one pass.
#include <string_view>

#include "core/tensor.h"

namespace hone {

enum class Activation {
  ReLU,
  GeluTanh,  // Hugging Face "gelu_new" / "gelu_pytorch_tanh": the tanh approximation (GPT-2, T5 v1.1)
  GeluErf,   // exact GELU, 0.5 x (1 + erf(x / sqrt 2)) (Hugging Face "gelu")
  SiLU,      // x * sigmoid(x) (Llama)
};

// The Hugging Face config spelling ("relu", "gelu_new", "gelu", "silu").
std::string_view activation_name(Activation activation);
// Parses a Hugging Face hidden_act / dense_act_fn value; throws naming the accepted values otherwise.
Activation parse_activation(std::string_view name);

// y = act(x); x and y contiguous with the same shape (y may alias x).
void activation_forward(Activation activation, const Tensor& x, const Tensor& y);
// dx = dy * act'(x); dx may alias dy.
void activation_backward(Activation activation, const Tensor& x, const Tensor& dy, const Tensor& dx);

// y = act(gate) * up; all [rows, n] with unit stride in the last dimension.
void gated_activation_forward(Activation activation, const Tensor& gate, const Tensor& up, const Tensor& y);
// dgate = dy * up * act'(gate), dup = dy * act(gate) (both overwritten).
void gated_activation_backward(Activation activation, const Tensor& gate, const Tensor& up, const Tensor& dy,
                               const Tensor& dgate, const Tensor& dup);

}  // namespace hone
