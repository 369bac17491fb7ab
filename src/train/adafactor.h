#pragma once
// Adafactor (Shazeer & Stern 2018, "Adaptive Learning Rates with Sublinear Memory Cost") over a
// ParameterStore, the T5 default optimizer. Two modes, each following one reference implementation
// exactly; every difference between them is listed here.
//
// Common to both: parameters with 2+ dimensions keep factored second moments over their last two
// dimensions (a row and a column statistic per [rows, cols] slice: O(rows + cols) state); vectors and
// scalars keep a full one. At step t (1-based): beta2_t = 1 - t^decay_rate; the statistics are running
// means of the squared gradient with weight 1 - beta2_t on the new value; the normalised update is
// u = g / sqrt(V_hat) with V_hat = R C / mean(R) (mean over the rows of the slice); u is divided by
// max(1, RMS(u) / clip_threshold) (update clipping); the step size is the relative step rho_t times the
// parameter scale max(eps2, RMS(p)) of the parameter before this step.
//
// AdafactorVariant::hugging_face: transformers.optimization.Adafactor (the T5 recipe; defaults lr unset,
//   relative_step, scale_parameter, no warmup_init, eps (1e-30, 1e-3), clip_threshold 1, decay_rate -0.8,
//   no beta1, weight_decay 0).
//   - rho_t = min(1e-2, 1/sqrt(t)) with relative_step (warmup_init: min(1e-6 t, 1/sqrt(t))), else the
//     external lr; the parameter scale is 1 without scale_parameter. step_size = scale * rho_t.
//   - eps1 is added to g^2 before averaging; V_hat is not clamped.
//   - beta1 set: m = beta1 m + (1 - beta1) * step_size * clipped u, and the parameter moves by m.
//   - weight decay is coupled to the step size: p -= weight_decay * step_size * p.
//   - Like transformers: lr together with relative_step, and warmup_init without relative_step, are
//     errors (and, where transformers would crash, relative_step=false without lr).
// AdafactorVariant::torch: torch.optim.Adafactor (PyTorch 2.5+; defaults lr 1e-2, beta2_decay -0.8 =
//   decay_rate, eps (machine epsilon of the parameter dtype, 1e-3), d 1 = clip_threshold, weight_decay 0).
//   - rho_t = min(lr, 1/sqrt(t)); the step is always relative and parameter-scaled.
//   - eps1 is not added to g^2; V_hat = max(R C / max(mean(R), eps1), eps1^2) (vectors max(v, eps1^2)).
//   - the running means use torch's lerp arithmetic (same values up to rounding).
//   - no first moment: beta1, warmup_init, scale_parameter=false and relative_step=false are errors.
//   - weight decay uses the plain lr: p *= 1 - lr * weight_decay, before the update (the parameter
//     scale is measured before the decay).
// In both modes weight decay applies to every parameter, as both references do (hone's AdamW decays
// matrices only).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backend/adafactor.h"
#include "nn/parameter.h"

namespace hone {

struct AdafactorConfig {
  AdafactorVariant semantics = AdafactorVariant::hugging_face;
  // Hugging Face: the external lr, only with relative_step=false. Torch: the cap on the relative step
  // and the weight-decay rate; unset means 1e-2.
  std::optional<double> lr;
  // Unset: 1e-30 (Hugging Face) or the machine epsilon of the parameter dtype (torch).
  std::optional<double> eps1;
  double eps2 = 1e-3;
  double clip_threshold = 1.0;  // torch's d
  double decay_rate = -0.8;     // torch's beta2_decay
  std::optional<double> beta1;  // Hugging Face only: first moment of the (clipped, scaled) update
  double weight_decay = 0.0;
  bool scale_parameter = true;  // Hugging Face switches; torch mode requires the defaults
  bool relative_step = true;
  bool warmup_init = false;
};

class Adafactor {
 public:
  // Throws hone::Error for a configuration the followed reference rejects (or would fail on).
  Adafactor(ParameterStore& params, AdafactorConfig config);

  // One update from the gradients in the store, with the configured lr. Returns the global gradient
  // norm (Adafactor itself does not clip it).
  double step();
  // The same with an external lr for this step (from a schedule): Hugging Face mode with
  // relative_step=false, or torch mode.
  double step(double lr);

  int64_t steps_taken() const { return step_; }
  // rho_t of the last step: the step size before parameter scaling (what a metrics log calls lr).
  double relative_step_size() const { return last_relative_step_; }
  // Per-parameter second-moment state, in the store's parameter order (views of one flat buffer; a
  // factored row has the parameter's shape without the last dimension, a column without the second to
  // last, as in transformers).
  const std::vector<AdafactorMoments>& moments() const { return moments_; }
  // Elements of second-moment state in use (without alignment padding).
  int64_t second_moment_numel() const { return second_moment_numel_; }
  Tensor second_moment_buffer() const { return second_moments_; }
  Tensor first_moments() const { return first_moments_; }  // undefined without beta1
  // Checkpointing: per-parameter views of the state, named as transformers' Adafactor state names it
  // ("exp_avg_sq_row.<param>", "exp_avg_sq_col.<param>", "exp_avg_sq.<param>", with beta1
  // "exp_avg.<param>"); copying into the views restores the state.
  std::vector<std::pair<std::string, Tensor>> state_tensors() const;
  void set_steps_taken(int64_t steps) { step_ = steps; }

 private:
  double step_with(std::optional<double> lr);

  ParameterStore& params_;
  AdafactorConfig config_;
  double eps1_;
  Tensor second_moments_, first_moments_;
  std::vector<AdafactorMoments> moments_;
  int64_t second_moment_numel_ = 0;
  int64_t step_ = 0;
  double last_relative_step_ = 0.0;
};

}  // namespace hone
