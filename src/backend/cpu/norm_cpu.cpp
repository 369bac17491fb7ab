#include "backend/cpu/norm_cpu.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/dispatch.h"

namespace hone::cpu {
namespace {

// Parameter gradients are summed over rows in fixed blocks of this many rows: each block writes its own
// partial row, and the partials are added in block order. The result is the same for any thread count.
constexpr int64_t kRowsPerBlock = 32;
// Work below this many elements runs on one thread (a parallel region costs more than it saves).
constexpr int64_t kParallelThreshold = 32768;

void check_rows(const char* kernel, const Tensor& x, const Tensor& weight, const Tensor& y, const char* y_name) {
  HONE_CHECK(x.dim() == 2 && x.is_contiguous(), kernel, ": x must be a contiguous [rows, n] matrix, got ", x.describe(),
             " (view the input as [-1, n] first)");
  const int64_t n = x.size(1);
  HONE_CHECK(weight.dim() == 1 && weight.size(0) == n && weight.is_contiguous(), kernel, ": weight must be [", n,
             "] to match x ", x.describe(), ", got ", weight.describe());
  HONE_CHECK(y.shape() == x.shape() && y.is_contiguous(), kernel, ": ", y_name, " must be contiguous ",
             shape_str(x.shape()), " like x, got ", y.describe());
}

void check_stat(const char* kernel, const Tensor& stat, const char* name, int64_t rows) {
  HONE_CHECK(stat.dim() == 1 && stat.size(0) == rows && stat.is_contiguous(), kernel, ": ", name, " must be [", rows,
             "] (one value per row), got ", stat.describe());
}

// Scratch for the per-block partial gradients, reused across calls so steady-state steps do not allocate.
template <class T>
T* partial_buffer(int64_t count) {
  thread_local std::vector<double> buffer;
  const size_t doubles = (static_cast<size_t>(count) * sizeof(T) + sizeof(double) - 1) / sizeof(double);
  if (buffer.size() < doubles) buffer.resize(doubles);
  return reinterpret_cast<T*>(buffer.data());
}

// grad[j] += sum over blocks b (in order) of partial[b * n + j]; threads own column ranges.
template <class T>
void add_block_partials(const T* partial, int64_t blocks, int64_t n, T* grad) {
  constexpr int64_t kColumns = 256;
#pragma omp parallel for schedule(static) if (blocks * n > kParallelThreshold)
  for (int64_t j0 = 0; j0 < n; j0 += kColumns) {
    const int64_t j1 = std::min(n, j0 + kColumns);
    T acc[kColumns] = {};
    for (int64_t b = 0; b < blocks; ++b) {
      const T* p = partial + b * n;
#pragma omp simd
      for (int64_t j = j0; j < j1; ++j) acc[j - j0] += p[j];
    }
    for (int64_t j = j0; j < j1; ++j) grad[j] += acc[j - j0];
  }
}

// Sum of term(j) for j in [0, n). A single vector accumulator would make every add wait for the
// previous one (the loop is latency-bound); kLanes independent lanes keep several adds in flight. The
// lanes are combined in a fixed order, so the result does not depend on threads.
template <class T, class Term>
inline T row_sum(int64_t n, Term&& term) {
  constexpr int64_t kLanes = 64;
  T lanes[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
#pragma omp simd
    for (int64_t k = 0; k < kLanes; ++k) lanes[k] += term(j + k);
  }
  T total = 0;
  for (; j < n; ++j) total += term(j);
  for (int64_t width = kLanes / 2; width > 0; width /= 2) {
    for (int64_t k = 0; k < width; ++k) lanes[k] += lanes[k + width];
  }
  return total + lanes[0];
}

// Two sums in one sweep: terms(j, a, b) sets the j-th term of each.
template <class T, class Terms>
inline void row_sum2(int64_t n, Terms&& terms, T& sum_a, T& sum_b) {
  constexpr int64_t kLanes = 32;
  T lanes_a[kLanes] = {}, lanes_b[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
#pragma omp simd
    for (int64_t k = 0; k < kLanes; ++k) {
      T a, b;
      terms(j + k, a, b);
      lanes_a[k] += a;
      lanes_b[k] += b;
    }
  }
  sum_a = 0;
  sum_b = 0;
  for (; j < n; ++j) {
    T a, b;
    terms(j, a, b);
    sum_a += a;
    sum_b += b;
  }
  for (int64_t width = kLanes / 2; width > 0; width /= 2) {
    for (int64_t k = 0; k < width; ++k) {
      lanes_a[k] += lanes_a[k + width];
      lanes_b[k] += lanes_b[k + width];
    }
  }
  sum_a += lanes_a[0];
  sum_b += lanes_b[0];
}

}  // namespace

void rms_norm_forward(const Tensor& x, const Tensor& weight, double eps, const Tensor& y, const Tensor& inv_rms) {
  check_rows("rms_norm_forward", x, weight, y, "y");
  check_stat("rms_norm_forward", inv_rms, "inv_rms", x.size(0));
  HONE_CHECK(eps > 0, "rms_norm_forward: eps must be positive, got ", eps);
  dispatch_float(common_dtype("rms_norm_forward", {&x, &weight, &y, &inv_rms}), "rms_norm_forward", [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pw = weight.data<scalar_t>();
    scalar_t* py = y.data<scalar_t>();
    scalar_t* pr = inv_rms.data<scalar_t>();
    const int64_t rows = x.size(0), n = x.size(1);
    const scalar_t eps_t = static_cast<scalar_t>(eps);
#pragma omp parallel for schedule(static) if (rows * n > kParallelThreshold)
    for (int64_t r = 0; r < rows; ++r) {
      const scalar_t* xr = px + r * n;
      scalar_t* yr = py + r * n;
      const scalar_t sum_sq = row_sum<scalar_t>(n, [&](int64_t j) { return xr[j] * xr[j]; });
      const scalar_t inv = scalar_t(1) / std::sqrt(sum_sq / static_cast<scalar_t>(n) + eps_t);
      pr[r] = inv;
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) yr[j] = pw[j] * (xr[j] * inv);
    }
  });
}

void rms_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& inv_rms, const Tensor& dy,
                       const Tensor& dx, const Tensor& dweight) {
  check_rows("rms_norm_backward", x, weight, dy, "dy");
  check_rows("rms_norm_backward", x, weight, dx, "dx");
  check_stat("rms_norm_backward", inv_rms, "inv_rms", x.size(0));
  HONE_CHECK(dweight.shape() == weight.shape() && dweight.is_contiguous(), "rms_norm_backward: dweight must be ",
             shape_str(weight.shape()), " like weight, got ", dweight.describe());
  dispatch_float(common_dtype("rms_norm_backward", {&x, &weight, &inv_rms, &dy, &dx, &dweight}),
                      "rms_norm_backward", [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pw = weight.data<scalar_t>();
    const scalar_t* pr = inv_rms.data<scalar_t>();
    const scalar_t* pdy = dy.data<scalar_t>();
    scalar_t* pdx = dx.data<scalar_t>();
    const int64_t rows = x.size(0), n = x.size(1);
    const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
    scalar_t* partial = partial_buffer<scalar_t>(blocks * n);
#pragma omp parallel for schedule(static) if (rows * n > kParallelThreshold)
    for (int64_t b = 0; b < blocks; ++b) {
      scalar_t* pdw = partial + b * n;
      std::fill(pdw, pdw + n, scalar_t(0));
      for (int64_t r = b * kRowsPerBlock; r < std::min(rows, (b + 1) * kRowsPerBlock); ++r) {
        const scalar_t* xr = px + r * n;
        const scalar_t* dyr = pdy + r * n;
        scalar_t* dxr = pdx + r * n;
        const scalar_t inv = pr[r];
        // y = w * x * inv with inv = (mean(x^2) + eps)^-1/2, so
        // dx = inv * (w * dy) - x * inv^3 * mean(w * dy * x).
        const scalar_t dot = row_sum<scalar_t>(n, [&](int64_t j) { return pw[j] * dyr[j] * xr[j]; });
        const scalar_t coef = inv * inv * inv * dot / static_cast<scalar_t>(n);
#pragma omp simd
        for (int64_t j = 0; j < n; ++j) {
          dxr[j] = inv * pw[j] * dyr[j] - coef * xr[j];
          pdw[j] += dyr[j] * xr[j] * inv;
        }
      }
    }
    add_block_partials(partial, blocks, n, dweight.data<scalar_t>());
  });
}

void layer_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, const Tensor& y,
                        const Tensor& mean, const Tensor& rstd) {
  check_rows("layer_norm_forward", x, weight, y, "y");
  HONE_CHECK(bias.shape() == weight.shape() && bias.is_contiguous(), "layer_norm_forward: bias must be ",
             shape_str(weight.shape()), " like weight, got ", bias.describe());
  check_stat("layer_norm_forward", mean, "mean", x.size(0));
  check_stat("layer_norm_forward", rstd, "rstd", x.size(0));
  HONE_CHECK(eps > 0, "layer_norm_forward: eps must be positive, got ", eps);
  dispatch_float(common_dtype("layer_norm_forward", {&x, &weight, &bias, &y, &mean, &rstd}), "layer_norm_forward",
                      [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pw = weight.data<scalar_t>();
    const scalar_t* pb = bias.data<scalar_t>();
    scalar_t* py = y.data<scalar_t>();
    scalar_t* pmean = mean.data<scalar_t>();
    scalar_t* prstd = rstd.data<scalar_t>();
    const int64_t rows = x.size(0), n = x.size(1);
    const scalar_t eps_t = static_cast<scalar_t>(eps);
#pragma omp parallel for schedule(static) if (rows * n > kParallelThreshold)
    for (int64_t r = 0; r < rows; ++r) {
      const scalar_t* xr = px + r * n;
      scalar_t* yr = py + r * n;
      const scalar_t mu = row_sum<scalar_t>(n, [&](int64_t j) { return xr[j]; }) / static_cast<scalar_t>(n);
      // Second sweep over the row (now in L1): centred variance, no cancellation.
      const scalar_t sum_sq = row_sum<scalar_t>(n, [&](int64_t j) { return (xr[j] - mu) * (xr[j] - mu); });
      const scalar_t rs = scalar_t(1) / std::sqrt(sum_sq / static_cast<scalar_t>(n) + eps_t);
      pmean[r] = mu;
      prstd[r] = rs;
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - mu) * rs * pw[j] + pb[j];
    }
  });
}

void layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                         const Tensor& dy, const Tensor& dx, const Tensor& dweight, const Tensor& dbias) {
  check_rows("layer_norm_backward", x, weight, dy, "dy");
  check_rows("layer_norm_backward", x, weight, dx, "dx");
  check_stat("layer_norm_backward", mean, "mean", x.size(0));
  check_stat("layer_norm_backward", rstd, "rstd", x.size(0));
  HONE_CHECK(dweight.shape() == weight.shape() && dweight.is_contiguous() && dbias.shape() == weight.shape() &&
                 dbias.is_contiguous(),
             "layer_norm_backward: dweight and dbias must be ", shape_str(weight.shape()), " like weight, got ",
             dweight.describe(), " and ", dbias.describe());
  dispatch_float(common_dtype("layer_norm_backward", {&x, &weight, &mean, &rstd, &dy, &dx, &dweight, &dbias}),
                      "layer_norm_backward", [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pw = weight.data<scalar_t>();
    const scalar_t* pmean = mean.data<scalar_t>();
    const scalar_t* prstd = rstd.data<scalar_t>();
    const scalar_t* pdy = dy.data<scalar_t>();
    scalar_t* pdx = dx.data<scalar_t>();
    const int64_t rows = x.size(0), n = x.size(1);
    const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
    // Partials: weight gradients of every block, then bias gradients of every block.
    scalar_t* partial = partial_buffer<scalar_t>(2 * blocks * n);
    scalar_t* partial_w = partial;
    scalar_t* partial_b = partial + blocks * n;
    const scalar_t inv_n = scalar_t(1) / static_cast<scalar_t>(n);
#pragma omp parallel for schedule(static) if (rows * n > kParallelThreshold)
    for (int64_t b = 0; b < blocks; ++b) {
      scalar_t* pdw = partial_w + b * n;
      scalar_t* pdb = partial_b + b * n;
      std::fill(pdw, pdw + n, scalar_t(0));
      std::fill(pdb, pdb + n, scalar_t(0));
      for (int64_t r = b * kRowsPerBlock; r < std::min(rows, (b + 1) * kRowsPerBlock); ++r) {
        const scalar_t* xr = px + r * n;
        const scalar_t* dyr = pdy + r * n;
        scalar_t* dxr = pdx + r * n;
        const scalar_t mu = pmean[r], rs = prstd[r];
        // With g = w * dy and x_hat = (x - mu) * rs: dx = rs * (g - mean(g) - x_hat * mean(g * x_hat)).
        scalar_t sum_g, sum_g_xhat;
        row_sum2<scalar_t>(n, [&](int64_t j, scalar_t& a, scalar_t& b) {
          const scalar_t g = pw[j] * dyr[j];
          a = g;
          b = g * (xr[j] - mu) * rs;
        }, sum_g, sum_g_xhat);
        const scalar_t mean_g = sum_g * inv_n, mean_g_xhat = sum_g_xhat * inv_n;
#pragma omp simd
        for (int64_t j = 0; j < n; ++j) {
          const scalar_t xhat = (xr[j] - mu) * rs;
          dxr[j] = rs * (pw[j] * dyr[j] - mean_g - xhat * mean_g_xhat);
          pdw[j] += dyr[j] * xhat;
          pdb[j] += dyr[j];
        }
      }
    }
    add_block_partials(partial_w, blocks, n, dweight.data<scalar_t>());
    add_block_partials(partial_b, blocks, n, dbias.data<scalar_t>());
  });
}

}  // namespace hone::cpu
