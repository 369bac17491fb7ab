#include "train/adamw.h"

#include <cmath>

#include "backend/elementwise.h"

namespace hone {

AdamW::AdamW(ParameterStore& params, AdamWConfig config) : params_(params), config_(config) {
  HONE_CHECK(params.finalized(), "AdamW: the parameter store must be finalized first");
  // Settings outside these ranges turn the weights into inf/NaN without any other sign.
  HONE_CHECK(config.beta1 >= 0 && config.beta1 < 1 && config.beta2 >= 0 && config.beta2 < 1,
             "AdamW: betas must lie in [0, 1), got ", config.beta1, " and ", config.beta2);
  HONE_CHECK(config.eps > 0, "AdamW: eps must be positive, got ", config.eps);
  HONE_CHECK(config.weight_decay >= 0 && config.max_grad_norm >= 0,
             "AdamW: weight_decay and max_grad_norm must not be negative, got ", config.weight_decay, " and ",
             config.max_grad_norm);
  m_ = Tensor::zeros(params.values().shape(), params.dtype(), params.device());
  v_ = Tensor::zeros(params.values().shape(), params.dtype(), params.device());
}

double AdamW::step(double lr) {
  HONE_CHECK(std::isfinite(lr) && lr >= 0, "AdamW: the learning rate must be finite and not negative, got ", lr);
  const double norm = std::sqrt(sum_squares(params_.grads()));
  double scale = 1.0;
  if (config_.max_grad_norm > 0 && norm > config_.max_grad_norm) scale = config_.max_grad_norm / (norm + 1e-6);
  ++step_;
  for (const Parameter& p : params_.all()) {
    // Moments share the parameter's offset in the flat buffers.
    const size_t offset = p.value.byte_offset();
    Tensor m = Tensor::over(m_.storage(), offset, p.shape, params_.dtype());
    Tensor v = Tensor::over(v_.storage(), offset, p.shape, params_.dtype());
    AdamWStep s{lr, config_.beta1, config_.beta2, config_.eps, p.shape.size() >= 2 ? config_.weight_decay : 0.0, step_};
    adamw_update(p.value, p.grad, m, v, s, scale);
  }
  return norm;
}

std::vector<std::pair<std::string, Tensor>> AdamW::state_tensors() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const Parameter& p : params_.all()) {
    out.emplace_back("exp_avg." + p.name, Tensor::over(m_.storage(), p.value.byte_offset(), p.shape, params_.dtype()));
    out.emplace_back("exp_avg_sq." + p.name, Tensor::over(v_.storage(), p.value.byte_offset(), p.shape, params_.dtype()));
  }
  return out;
}

}  // namespace hone
