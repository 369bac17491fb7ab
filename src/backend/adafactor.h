#pragma once
// Adafactor kernels (Shazeer & Stern 2018) for one parameter at a time. The optimizer (train/adafactor.h)
// computes the per-step scalars; these kernels do the O(numel) work in three passes over the gradient,
// so no update-sized scratch buffer is needed:
//   1. adafactor_accumulate: fold this step's squared gradient into the second-moment statistics;
//   2. adafactor_update_sum_squares: sum of u^2 for the normalised update u = g / sqrt(V_hat), for the
//      RMS update clipping;
//   3. adafactor_apply: p = p * decay - scale * u (or through a first moment, Hugging Face's beta1).
#include "core/tensor.h"

namespace hone {

// Second-moment statistics of one parameter. Factored (2+ dimensions): the gradient is viewed as
// [batch, rows, cols] over its last two dimensions; row [batch, rows] and col [batch, cols] hold running
// means of g^2 over the columns and rows. Unfactored (vectors, scalars): variance has the gradient's
// numel. Exactly one of the two forms is defined.
struct AdafactorMoments {
  Tensor row, col;
  Tensor variance;
  bool factored() const { return row.defined(); }
};

// Which reference the arithmetic follows. They differ in where epsilon1 enters and in how the running
// means are blended (R: row statistic, C: column statistic, v: unfactored statistic, w = 1 - beta2):
//   hugging_face (transformers' Adafactor): R = beta2 R + w mean_cols(g^2 + eps1) (C likewise over rows,
//     v over nothing); u = g * rsqrt(R / mean(R)) * rsqrt(C), vectors u = g * rsqrt(v)
//   torch (torch.optim.Adafactor, 2.5+): R = lerp(R, mean_cols(g^2), w); V_hat = R C / max(mean(R), eps1),
//     vectors V_hat = v; u = g * rsqrt(max(V_hat, eps1^2))
// mean(R) is taken over the rows of each [rows, cols] slice.
enum class AdafactorVariant { hugging_face, torch };

struct AdafactorRule {
  AdafactorVariant variant = AdafactorVariant::hugging_face;
  double eps1 = 1e-30;
  double beta2 = 0.0;  // this step's decay of the statistics, 1 - t^decay_rate: stat = beta2 stat + (1 - beta2) new
};

// Step 1: updates moments in place from grad (contiguous, the parameter's shape).
void adafactor_accumulate(const Tensor& grad, const AdafactorMoments& moments, const AdafactorRule& rule);

// Step 2: sum over all elements of u^2 in double precision, u = g / sqrt(V_hat) from the (already
// accumulated) moments. Fixed summation order: the result does not depend on the thread count.
double adafactor_update_sum_squares(const Tensor& grad, const AdafactorMoments& moments, const AdafactorRule& rule);

struct AdafactorApply {
  double scale = 0.0;  // step size times the update clipping factor
  double decay = 1.0;  // decoupled weight decay factor, 1 - lr * weight_decay
  double beta1 = 0.0;  // only with a first moment
};

// Step 3: value = value * decay - scale * u. With first_moment defined (same shape as value):
// m = beta1 m + (1 - beta1) scale u, then value = value * decay - m.
void adafactor_apply(const Tensor& value, const Tensor& grad, const AdafactorMoments& moments,
                     const AdafactorRule& rule, const AdafactorApply& apply, const Tensor& first_moment = Tensor());

}  // namespace hone
