#include "train/adamw.h"

#include <cmath>

#include "backend/elementwise.h"

namespace hone {

AdamW::AdamW(ParameterStore& params, AdamWConfig config) : params_(params), config_(config) {
  HONE_CHECK(params.finalized(), "AdamW: the parameter store must be finalized first");
  m_ = Tensor::zeros(params.values().shape(), params.dtype(), params.device());
  v_ = Tensor::zeros(params.values().shape(), params.dtype(), params.device());
}

double AdamW::step(double lr) {
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
