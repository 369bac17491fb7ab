#include "backend/cpu/cross_entropy_cpu.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "backend/cpu/vector_math.h"
#include "backend/dispatch.h"
#include "backend/gemm.h"

namespace hone::cpu {
namespace {


struct Shapes {
  int64_t rows, d, vocab, chunk;
};

Shapes check_common(const char* kernel, const Tensor& hidden, const Tensor& weight, const Tensor& targets,
                    int64_t ignore_index, const Tensor& workspace) {
  HONE_CHECK(hidden.dim() == 2 && hidden.is_contiguous(), kernel, ": hidden must be a contiguous [tokens, d] matrix, got ",
             hidden.describe(), " (flatten batch and time first)");
  HONE_CHECK(weight.dim() == 2 && weight.is_contiguous() && weight.size(1) == hidden.size(1), kernel,
             ": weight must be a contiguous [vocab, d] matrix with d = ", hidden.size(1), ", got ", weight.describe());
  const int64_t rows = hidden.size(0), vocab = weight.size(0);
  HONE_CHECK(vocab > 0, kernel, ": the vocabulary is empty (weight ", weight.describe(), ")");
  HONE_CHECK(targets.dtype() == DType::I32 && targets.dim() == 1 && targets.size(0) == rows && targets.is_contiguous(),
             kernel, ": targets must be I32 [", rows, "], got ", targets.describe());
  HONE_CHECK(workspace.dim() == 2 && workspace.size(0) >= 1 && workspace.size(1) == vocab && workspace.is_contiguous(),
             kernel, ": workspace must be a contiguous [chunk_rows, ", vocab, "] matrix, got ", workspace.describe());
  const int32_t* t = targets.data<int32_t>();
  for (int64_t i = 0; i < rows; ++i) {
    HONE_CHECK(t[i] == ignore_index || (t[i] >= 0 && t[i] < vocab), kernel, ": target ", t[i], " at row ", i,
               " is outside the vocabulary [0, ", vocab, ") and is not ignore_index (", ignore_index, ")");
  }
  return {rows, hidden.size(1), vocab, std::min(workspace.size(0), std::max<int64_t>(rows, 1))};
}

void check_optional(const char* kernel, const char* what, const Tensor& t, const Shape& shape) {
  if (!t.defined()) return;
  HONE_CHECK(t.shape() == shape && t.is_contiguous(), kernel, ": ", what, " must be a contiguous ", shape_str(shape),
             " tensor, got ", t.describe());
}

// Row statistics of logits: the maximum and the sum of exp(x - max), with x overwritten by exp(x - max).
template <class T>
double exponentiate_row(T* x, int64_t vocab, T* row_max) {
  T m = x[0];
#pragma omp simd reduction(max : m)
  for (int64_t j = 0; j < vocab; ++j) m = std::max(m, x[j]);
  // Blocks of 1024 are summed in the scalar type (vectorised), the blocks in double: accurate to ~1e-7
  // relative for any vocabulary size, where a plain float sum over 32k terms drifts to ~1e-5.
  constexpr int64_t kBlock = 1024;
  double s = 0;
  for (int64_t j0 = 0; j0 < vocab; j0 += kBlock) {
    const int64_t j1 = std::min(vocab, j0 + kBlock);
    T block_sum = 0;
#pragma omp simd reduction(+ : block_sum)
    for (int64_t j = j0; j < j1; ++j) {
      const T e = exp_of(static_cast<T>(x[j] - m));
      x[j] = e;
      block_sum += e;
    }
    s += static_cast<double>(block_sum);
  }
  *row_max = m;
  return s;
}

template <class T>
CrossEntropyTotals cross_entropy_impl(const Shapes& s, const Tensor& hidden, const Tensor& weight, const Tensor& targets,
                                      const Tensor& token_weights, const CrossEntropyOptions& options,
                                      const Tensor& workspace, const Tensor& dhidden, const Tensor& dweight,
                                      const Tensor& token_losses) {
  const int32_t* target = targets.data<int32_t>();
  const T* w = token_weights.defined() ? token_weights.data<T>() : nullptr;
  T* losses_out = token_losses.defined() ? token_losses.data<T>() : nullptr;

  // The normalizer must be known before the first chunk's gradients are formed.
  CrossEntropyTotals totals;
  for (int64_t i = 0; i < s.rows; ++i) {
    if (target[i] == options.ignore_index) continue;
    ++totals.tokens;
    totals.weight += w ? static_cast<double>(w[i]) : 1.0;
  }
  totals.normalizer = options.normalizer > 0 ? options.normalizer : totals.weight;
  const double inv_normalizer = totals.normalizer != 0 ? 1.0 / totals.normalizer : 0.0;
  const double z = options.z_loss;

  // Small per-chunk scratch (row losses, row scales, scaled hidden rows), kept per thread and grown only
  // when a larger chunk arrives, so steady-state steps allocate nothing.
  // OpenMP workers see their own thread_local objects, so parallel loops use the raw pointers below.
  thread_local std::vector<double> row_loss_buffer;
  thread_local std::vector<T> row_scale_buffer;
  thread_local Tensor scaled_hidden;
  row_loss_buffer.resize(static_cast<size_t>(s.chunk));
  row_scale_buffer.resize(static_cast<size_t>(s.chunk));
  if (!scaled_hidden.defined() || scaled_hidden.size(0) < s.chunk || scaled_hidden.size(1) != s.d) {
    scaled_hidden = Tensor::empty({s.chunk, s.d}, dtype_of<T>);
  }
  double* row_loss = row_loss_buffer.data();
  T* row_scale = row_scale_buffer.data();
  const T* h = hidden.data<T>();
  T* hs = scaled_hidden.data<T>();

  double weighted_sum = 0;
  for (int64_t r0 = 0; r0 < s.rows; r0 += s.chunk) {
    const int64_t rows = std::min(s.chunk, s.rows - r0);
    Tensor logits = workspace.slice(0, 0, rows);
    Tensor hidden_chunk = hidden.slice(0, r0, r0 + rows);
    gemm(hidden_chunk, Trans::No, weight, Trans::Yes, logits);
    T* base = logits.data<T>();
    // Row r of dlogits is g_r * (softmax_r * (1 + 2 z lse_r) - [j == t_r]) with g_r = w_r / normalizer.
    // The buffer keeps it as row_scale[r] * e_r, e_r the unnormalised exponentials with the target entry
    // shifted, and row_scale is applied to the small [rows, d] matrices instead (hidden rows before the dW
    // GEMM, dhidden rows after): that saves a full read-modify-write pass over the [rows, V] buffer.
#pragma omp parallel for schedule(static) if (rows * s.vocab >= 65536)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = r0 + r;
      T* x = base + r * s.vocab;
      const int32_t t = target[i];
      T scale = 0;
      if (t == options.ignore_index) {
        std::fill(x, x + s.vocab, T(0));
        row_loss[r] = 0;
        if (losses_out) losses_out[i] = 0;
      } else {
        const T target_logit = x[t];
        T m;
        const double sum = exponentiate_row(x, s.vocab, &m);
        const double lse = static_cast<double>(m) + std::log(sum);
        const double loss = lse - static_cast<double>(target_logit) + z * lse * lse;
        row_loss[r] = loss;
        if (losses_out) losses_out[i] = static_cast<T>(loss);
        const double coef = (w ? static_cast<double>(w[i]) : 1.0) * inv_normalizer;
        const double z_factor = 1.0 + 2.0 * z * lse;
        if (z_factor > 0) {
          // coef * (e_j * z_factor / sum - [j == t]) = (coef * z_factor / sum) * (e_j - [j == t] * sum / z_factor)
          x[t] -= static_cast<T>(sum / z_factor);
          scale = static_cast<T>(coef * z_factor / sum);
        } else {
          // Only for lse <= -1 / (2 z) (absurdly negative logits): form dlogits explicitly.
          const T g = static_cast<T>(coef * z_factor / sum);
#pragma omp simd
          for (int64_t j = 0; j < s.vocab; ++j) x[j] *= g;
          x[t] -= static_cast<T>(coef);
          scale = 1;
        }
      }
      row_scale[r] = scale;
#pragma omp simd
      for (int64_t k = 0; k < s.d; ++k) hs[r * s.d + k] = scale * h[i * s.d + k];
    }
    // Row order, one thread: the total does not depend on the thread count.
    for (int64_t r = 0; r < rows; ++r) {
      if (target[r0 + r] != options.ignore_index) weighted_sum += (w ? static_cast<double>(w[r0 + r]) : 1.0) * row_loss[r];
    }
    if (dhidden.defined()) {
      Tensor dhidden_chunk = dhidden.slice(0, r0, r0 + rows);
      gemm(logits, Trans::No, weight, Trans::No, dhidden_chunk);
      T* dh = dhidden_chunk.data<T>();
#pragma omp parallel for schedule(static) if (rows * s.d > 65536)
      for (int64_t r = 0; r < rows; ++r) {
        const T scale = row_scale[r];
#pragma omp simd
        for (int64_t k = 0; k < s.d; ++k) dh[r * s.d + k] *= scale;
      }
    }
    if (dweight.defined()) gemm(logits, Trans::Yes, scaled_hidden.slice(0, 0, rows), Trans::No, dweight, 1.0, 1.0);
  }
  totals.loss = weighted_sum * inv_normalizer;
  return totals;
}

template <class T>
void score_impl(const Shapes& s, const Tensor& hidden, const Tensor& weight, const Tensor& targets, int64_t ignore_index,
                const Tensor& workspace, const Tensor& target_logprobs, const Tensor& logsumexp) {
  const int32_t* target = targets.data<int32_t>();
  T* logprob_out = target_logprobs.defined() ? target_logprobs.data<T>() : nullptr;
  T* lse_out = logsumexp.defined() ? logsumexp.data<T>() : nullptr;
  for (int64_t r0 = 0; r0 < s.rows; r0 += s.chunk) {
    const int64_t rows = std::min(s.chunk, s.rows - r0);
    Tensor logits = workspace.slice(0, 0, rows);
    gemm(hidden.slice(0, r0, r0 + rows), Trans::No, weight, Trans::Yes, logits);
    T* base = logits.data<T>();
#pragma omp parallel for schedule(static) if (rows * s.vocab >= 65536)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = r0 + r;
      T* x = base + r * s.vocab;
      const int32_t t = target[i];
      const T target_logit = t == ignore_index ? T(0) : x[t];
      T m;
      const double sum = exponentiate_row(x, s.vocab, &m);
      const double row_lse = static_cast<double>(m) + std::log(sum);
      if (lse_out) lse_out[i] = static_cast<T>(row_lse);
      if (logprob_out) logprob_out[i] = t == ignore_index ? T(0) : static_cast<T>(static_cast<double>(target_logit) - row_lse);
    }
  }
}

}  // namespace

CrossEntropyTotals lm_head_cross_entropy(const Tensor& hidden, const Tensor& weight, const Tensor& targets,
                                         const Tensor& token_weights, const CrossEntropyOptions& options,
                                         const Tensor& workspace, const Tensor& dhidden, const Tensor& dweight,
                                         const Tensor& token_losses) {
  const char* kernel = "lm_head_cross_entropy";
  HONE_CHECK(options.normalizer >= 0 && std::isfinite(options.normalizer), kernel,
             ": normalizer must be a finite number >= 0 (0 = summed token weight), got ", options.normalizer);
  HONE_CHECK(options.z_loss >= 0 && std::isfinite(options.z_loss), kernel, ": z_loss must be finite and >= 0, got ",
             options.z_loss);
  Shapes s = check_common(kernel, hidden, weight, targets, options.ignore_index, workspace);
  check_optional(kernel, "token_weights", token_weights, {s.rows});
  check_optional(kernel, "dhidden", dhidden, {s.rows, s.d});
  check_optional(kernel, "dweight", dweight, {s.vocab, s.d});
  check_optional(kernel, "token_losses", token_losses, {s.rows});
  DType dtype = common_dtype(kernel, {&hidden, &weight, &token_weights, &workspace, &dhidden, &dweight, &token_losses});
  return dispatch_float(dtype, kernel, [&](auto zero) {
    using scalar_t = decltype(zero);
    return cross_entropy_impl<scalar_t>(s, hidden, weight, targets, token_weights, options, workspace, dhidden, dweight,
                                        token_losses);
  });
}

void lm_head_score(const Tensor& hidden, const Tensor& weight, const Tensor& targets, int64_t ignore_index,
                   const Tensor& workspace, const Tensor& target_logprobs, const Tensor& logsumexp) {
  const char* kernel = "lm_head_score";
  Shapes s = check_common(kernel, hidden, weight, targets, ignore_index, workspace);
  check_optional(kernel, "target_logprobs", target_logprobs, {s.rows});
  check_optional(kernel, "logsumexp", logsumexp, {s.rows});
  DType dtype = common_dtype(kernel, {&hidden, &weight, &workspace, &target_logprobs, &logsumexp});
  dispatch_float(dtype, kernel, [&](auto zero) {
    using scalar_t = decltype(zero);
    score_impl<scalar_t>(s, hidden, weight, targets, ignore_index, workspace, target_logprobs, logsumexp);
  });
}

}  // namespace hone::cpu
