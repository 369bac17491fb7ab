#include "nn/feed_forward.h"

#include "backend/gemm.h"

namespace hone {

FeedForwardSpec FeedForwardSpec::t5_dense_relu_dense() { return {"wi", "", "wo", Activation::ReLU, false}; }

FeedForwardSpec FeedForwardSpec::t5_dense_gated_act_dense(Activation activation) {
  return {"wi_0", "wi_1", "wo", activation, false};
}

FeedForwardSpec FeedForwardSpec::llama_mlp() { return {"gate_proj", "up_proj", "down_proj", Activation::SiLU, false}; }

FeedForwardSpec FeedForwardSpec::gpt2_mlp() { return {"c_fc", "", "c_proj", Activation::GeluTanh, true}; }

static FeedForwardSpec checked(FeedForwardSpec spec, const std::string& prefix, int64_t d_model, int64_t d_ff) {
  HONE_CHECK(d_model > 0 && d_ff > 0, "FeedForward ", prefix, ": d_model and d_ff must be positive, got ", d_model,
             " and ", d_ff);
  HONE_CHECK(!spec.input_name.empty() && !spec.output_name.empty(), "FeedForward ", prefix,
             ": the input and output projections need names");
  HONE_CHECK(!(spec.gated() && spec.bias), "FeedForward ", prefix,
             ": a gated FFN with biases is not supported (no Hugging Face model in scope uses one)");
  return spec;
}

FeedForward::FeedForward(ParameterStore& store, const std::string& prefix, int64_t d_model, int64_t d_ff,
                         FeedForwardSpec spec)
    : spec_(checked(std::move(spec), prefix, d_model, d_ff)),
      d_model_(d_model),
      d_ff_(d_ff),
      input_(store, prefix + "." + spec_.input_name, d_model, d_ff, spec_.bias),
      up_(spec_.gated() ? std::optional<Linear>(std::in_place, store, prefix + "." + spec_.up_name, d_model, d_ff, false)
                        : std::nullopt),
      output_(store, prefix + "." + spec_.output_name, d_ff, d_model, spec_.bias) {}

Tensor FeedForward::stacked_input_weights(bool gradients) const {
  const Tensor& top = gradients ? input_.weight().grad : input_.weight().value;
  const Tensor& bottom = gradients ? up_->weight().grad : up_->weight().value;
  if (!top.defined() || top.storage() != bottom.storage() || bottom.byte_offset() != top.byte_offset() + top.nbytes())
    return {};
  return Tensor::over(top.storage(), top.byte_offset(), {2 * d_ff_, d_model_}, top.dtype());
}

FeedForward::Output FeedForward::forward(Arena& arena, const Tensor& x, Arena* transient) const {
  HONE_CHECK(x.dim() >= 1 && x.size(-1) == d_model_ && x.is_contiguous(), "FeedForward ", input_.weight().name,
             ": input ", x.describe(), " must be contiguous and end in d_model = ", d_model_);
  const int64_t rows = x.numel() / d_model_;
  const Tensor x2 = x.view({rows, d_model_});
  Output out;
  if (!spec_.gated()) {
    out.hidden = input_.forward(arena, x2);
  } else {
    out.hidden = arena.alloc({rows, 2 * d_ff_}, x.dtype());
    const Tensor gate = out.hidden.slice(1, 0, d_ff_), up = out.hidden.slice(1, d_ff_, 2 * d_ff_);
    if (Tensor stacked = stacked_input_weights(false); stacked.defined()) {
      gemm(x2, Trans::No, stacked, Trans::Yes, out.hidden);
    } else {
      gemm(x2, Trans::No, input_.weight().value, Trans::Yes, gate);
      gemm(x2, Trans::No, up_->weight().value, Trans::Yes, up);
    }
  }
  Arena& short_lived = transient ? *transient : arena;
  out.activated = activate(short_lived, out.hidden);
  out.y = output_.forward(short_lived, out.activated).view(x.shape());
  return out;
}

Tensor FeedForward::activate(Arena& arena, const Tensor& hidden) const {
  const int64_t rows = hidden.size(0);
  Tensor activated = arena.alloc({rows, d_ff_}, hidden.dtype());
  if (!spec_.gated()) {
    activation_forward(spec_.activation, hidden, activated);
  } else {
    gated_activation_forward(spec_.activation, hidden.slice(1, 0, d_ff_), hidden.slice(1, d_ff_, 2 * d_ff_), activated);
  }
  return activated;
}

Tensor FeedForward::backward(Arena& arena, const Tensor& x, const Output& saved, const Tensor& dy) const {
  HONE_CHECK(dy.shape() == x.shape() && dy.is_contiguous(), "FeedForward ", input_.weight().name, ": gradient ",
             dy.describe(), " must be contiguous with the input's shape ", shape_str(x.shape()));
  const int64_t rows = x.numel() / d_model_;
  const Tensor x2 = x.view({rows, d_model_});
  Tensor d_activated = output_.backward(arena, saved.activated, dy.view({rows, d_model_}));
  if (!spec_.gated()) {
    // In place: the gradient of the activation output becomes the gradient of its input.
    activation_backward(spec_.activation, saved.hidden, d_activated, d_activated);
    return input_.backward(arena, x2, d_activated).view(x.shape());
  }
  Tensor d_hidden = arena.alloc({rows, 2 * d_ff_}, x.dtype());
  const Tensor gate = saved.hidden.slice(1, 0, d_ff_), up = saved.hidden.slice(1, d_ff_, 2 * d_ff_);
  const Tensor d_gate = d_hidden.slice(1, 0, d_ff_), d_up = d_hidden.slice(1, d_ff_, 2 * d_ff_);
  gated_activation_backward(spec_.activation, gate, up, d_activated, d_gate, d_up);
  Tensor dx = arena.alloc(x.shape(), x.dtype());
  const Tensor dx2 = dx.view({rows, d_model_});
  Tensor stacked = stacked_input_weights(false), stacked_grad = stacked_input_weights(true);
  if (stacked.defined() && stacked_grad.defined()) {
    gemm(d_hidden, Trans::Yes, x2, Trans::No, stacked_grad, 1.0, 1.0);
    gemm(d_hidden, Trans::No, stacked, Trans::No, dx2);
  } else {
    gemm(d_gate, Trans::Yes, x2, Trans::No, input_.weight().grad, 1.0, 1.0);
    gemm(d_up, Trans::Yes, x2, Trans::No, up_->weight().grad, 1.0, 1.0);
    gemm(d_gate, Trans::No, input_.weight().value, Trans::No, dx2);
    gemm(d_up, Trans::No, up_->weight().value, Trans::No, dx2, 1.0, 1.0);
  }
  return dx;
}

}  // namespace hone
