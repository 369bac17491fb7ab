#pragma once
// AdamW over a ParameterStore: moments are two more flat buffers laid out like the parameters.
// Weight decay applies to matrices only (parameters with 2+ dimensions), not to norms and biases.
#include <string>
#include <utility>
#include <vector>

#include "backend/optimizer.h"
#include "nn/parameter.h"

namespace hone {

struct AdamWConfig {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double max_grad_norm = 0.0;  // global-norm clipping; 0 disables
};

class AdamW {
 public:
  AdamW(ParameterStore& params, AdamWConfig config);

  // One update with learning rate lr from the gradients in the store. Returns the global gradient norm
  // (before clipping).
  double step(double lr);
  int64_t steps_taken() const { return step_; }
  Tensor first_moments() const { return m_; }
  Tensor second_moments() const { return v_; }
  // Checkpointing: per-parameter views of the moments, named as torch's state dict names them
  // ("exp_avg.<param>", "exp_avg_sq.<param>"); copying into the views restores the state.
  std::vector<std::pair<std::string, Tensor>> state_tensors() const;
  void set_steps_taken(int64_t steps) { step_ = steps; }

 private:
  ParameterStore& params_;
  AdamWConfig config_;
  Tensor m_, v_;
  int64_t step_ = 0;
};

}  // namespace hone
