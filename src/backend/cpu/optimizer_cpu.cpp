#include "backend/cpu/optimizer_cpu.h"

#include <cmath>

#include "backend/dispatch.h"

namespace hone::cpu {

void adamw_update(const Tensor& value, const Tensor& grad, const Tensor& m, const Tensor& v, const AdamWStep& step,
                  double grad_scale) {
  const int64_t n = value.numel();
  HONE_CHECK(grad.numel() == n && m.numel() == n && v.numel() == n && value.is_contiguous() && grad.is_contiguous() &&
                 m.is_contiguous() && v.is_contiguous(),
             "adamw_update: value, grad and moments must be contiguous and equally sized");
  dispatch_float(common_dtype("adamw_update", {&value, &grad, &m, &v}), "adamw_update", [&](auto zero) {
    using scalar_t = decltype(zero);
    scalar_t* p = value.data<scalar_t>();
    const scalar_t* g = grad.data<scalar_t>();
    scalar_t* pm = m.data<scalar_t>();
    scalar_t* pv = v.data<scalar_t>();
    const scalar_t b1 = static_cast<scalar_t>(step.beta1), b2 = static_cast<scalar_t>(step.beta2);
    const scalar_t scale = static_cast<scalar_t>(grad_scale);
    // Bias corrections folded into the step size, as torch.optim.AdamW does.
    const double correction1 = 1.0 - std::pow(step.beta1, static_cast<double>(step.step));
    const double correction2 = 1.0 - std::pow(step.beta2, static_cast<double>(step.step));
    const scalar_t step_size = static_cast<scalar_t>(step.lr / correction1);
    const scalar_t root_c2 = static_cast<scalar_t>(std::sqrt(correction2));
    const scalar_t eps = static_cast<scalar_t>(step.eps);
    const scalar_t decay = static_cast<scalar_t>(1.0 - step.lr * step.weight_decay);
#pragma omp parallel for simd schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) {
      const scalar_t gi = g[i] * scale;
      pm[i] = b1 * pm[i] + (1 - b1) * gi;
      pv[i] = b2 * pv[i] + (1 - b2) * gi * gi;
      p[i] = p[i] * decay - step_size * pm[i] / (std::sqrt(pv[i]) / root_c2 + eps);
    }
  });
}

}  // namespace hone::cpu
