#include "backend/activation.h"

#include "backend/cpu/activation_cpu.h"
#include "backend/dispatch.h"

namespace hone {

std::string_view activation_name(Activation activation) {
  switch (activation) {
    case Activation::ReLU: return "relu";
    case Activation::GeluTanh: return "gelu_new";
    case Activation::GeluErf: return "gelu";
    case Activation::SiLU: return "silu";
  }
  return "unknown";
}

Activation parse_activation(std::string_view name) {
  if (name == "relu") return Activation::ReLU;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return Activation::GeluTanh;
  if (name == "gelu") return Activation::GeluErf;
  if (name == "silu" || name == "swish") return Activation::SiLU;
  fail("unknown activation \"", name, "\": use relu, gelu_new (tanh GELU), gelu (erf GELU) or silu");
}

void activation_forward(Activation activation, const Tensor& x, const Tensor& y) {
  Device device = common_device("activation_forward", {&x, &y});
  if (device.is_cpu()) return cpu::activation_forward(activation, x, y);
  unsupported_device("activation_forward", device);
}

void activation_backward(Activation activation, const Tensor& x, const Tensor& dy, const Tensor& dx) {
  Device device = common_device("activation_backward", {&x, &dy, &dx});
  if (device.is_cpu()) return cpu::activation_backward(activation, x, dy, dx);
  unsupported_device("activation_backward", device);
}

void gated_activation_forward(Activation activation, const Tensor& gate, const Tensor& up, const Tensor& y) {
  Device device = common_device("gated_activation_forward", {&gate, &up, &y});
  if (device.is_cpu()) return cpu::gated_activation_forward(activation, gate, up, y);
  unsupported_device("gated_activation_forward", device);
}

void gated_activation_backward(Activation activation, const Tensor& gate, const Tensor& up, const Tensor& dy,
                               const Tensor& dgate, const Tensor& dup) {
  Device device = common_device("gated_activation_backward", {&gate, &up, &dy, &dgate, &dup});
  if (device.is_cpu()) return cpu::gated_activation_backward(activation, gate, up, dy, dgate, dup);
  unsupported_device("gated_activation_backward", device);
}

}  // namespace hone
