#include "backend/cpu/adafactor_cpu.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/dispatch.h"

namespace hone::cpu {
namespace {

// Unfactored parameters are processed in blocks of this many elements (factored ones a row at a time):
// the unit of parallel work and of the fixed-order partial sums.
constexpr int64_t kBlock = 4096;
// Columns one thread owns at a time while summing the column statistics down the rows.
constexpr int64_t kColumnTile = 64;
// Below this many elements a parameter is updated by one thread (fork/join would cost more).
constexpr int64_t kParallelMin = 32768;

// The gradient seen as [batch, rows, cols] (factored) or as numel elements in blocks (unfactored).
struct Layout {
  bool factored = false;
  int64_t batch = 1, rows = 1, cols = 1;
  int64_t numel = 0;
  int64_t units = 0;  // rows of all batches, or blocks
  int64_t unit_begin(int64_t unit) const { return factored ? unit * cols : unit * kBlock; }
  int64_t unit_size(int64_t unit) const { return factored ? cols : std::min(kBlock, numel - unit * kBlock); }
  int64_t max_unit_size() const { return factored ? cols : std::min(kBlock, numel); }
};

Layout check_layout(const char* kernel, const Tensor& grad, const AdafactorMoments& m) {
  HONE_CHECK(grad.is_contiguous(), kernel, ": the gradient must be contiguous, got ", grad.describe());
  Layout l;
  l.factored = m.factored();
  l.numel = grad.numel();
  if (l.factored) {
    HONE_CHECK(grad.dim() >= 2, kernel, ": factored moments need a gradient with 2+ dimensions, got ",
               grad.describe());
    l.rows = grad.size(-2);
    l.cols = grad.size(-1);
    l.batch = l.rows * l.cols == 0 ? 0 : l.numel / (l.rows * l.cols);
    HONE_CHECK(!m.variance.defined() && m.col.defined() && m.row.is_contiguous() && m.col.is_contiguous() &&
                   m.row.numel() == l.batch * l.rows && m.col.numel() == l.batch * l.cols,
               kernel, ": factored moments for gradient ", grad.describe(), " must be contiguous row [", l.batch,
               ", ", l.rows, "] and col [", l.batch, ", ", l.cols, "] statistics, got row ", m.row.describe(),
               " and col ", m.col.describe());
    l.units = l.batch * l.rows;
  } else {
    HONE_CHECK(m.variance.defined() && !m.col.defined() && m.variance.is_contiguous() &&
                   m.variance.numel() == l.numel,
               kernel, ": unfactored moments for gradient ", grad.describe(),
               " need one contiguous variance of the same size, got ", m.variance.describe());
    l.units = (l.numel + kBlock - 1) / kBlock;
  }
  return l;
}

bool is_torch(const AdafactorRule& rule) { return rule.variant == AdafactorVariant::torch; }

// The running-mean update of one statistic with weight w = 1 - beta2 on the new value, in the
// arithmetic of the followed reference: Hugging Face mul_(beta2).add_(new, alpha=w); torch lerp_, which
// switches form at w = 0.5.
template <class T>
struct Blend {
  T beta2, w;
  bool torch_lerp;
  explicit Blend(const AdafactorRule& rule)
      : beta2(static_cast<T>(rule.beta2)), w(static_cast<T>(1.0 - rule.beta2)), torch_lerp(is_torch(rule)) {}
  T operator()(T old, T fresh) const {
    if (!torch_lerp) return old * beta2 + w * fresh;
    return w < T(0.5) ? old + w * (fresh - old) : fresh - (fresh - old) * (T(1) - w);
  }
};

// Computes the normalised update u = g / sqrt(V_hat) one unit (a row, or a block) at a time, so callers
// never hold an update-sized buffer. The per-row and per-column factors are precomputed: O(rows + cols).
template <class T>
class Normaliser {
 public:
  Normaliser(const Layout& layout, const Tensor& grad, const AdafactorMoments& m, const AdafactorRule& rule)
      : l_(layout), g_(grad.data<T>()), torch_(is_torch(rule)) {
    eps1_ = static_cast<T>(rule.eps1);
    eps1_squared_ = static_cast<T>(rule.eps1 * rule.eps1);
    if (!l_.factored) {
      variance_ = m.variance.data<T>();
      return;
    }
    row_ = m.row.data<T>();
    col_ = m.col.data<T>();
    // Mean of the row statistic over the rows of each slice, summed in order.
    std::vector<T> row_mean(static_cast<size_t>(l_.batch));
    for (int64_t b = 0; b < l_.batch; ++b) {
      double sum = 0;
      for (int64_t i = 0; i < l_.rows; ++i) sum += row_[b * l_.rows + i];
      row_mean[b] = static_cast<T>(sum / static_cast<double>(l_.rows));
    }
    if (torch_) {
      // var_estimate = (R @ C) / clamp(mean(R), min=eps1)
      divisor_.resize(static_cast<size_t>(l_.batch));
      for (int64_t b = 0; b < l_.batch; ++b) divisor_[b] = std::max(row_mean[b], eps1_);
    } else {
      // r_factor = rsqrt(R / mean(R)), c_factor = rsqrt(C)
      row_factor_.resize(static_cast<size_t>(l_.units));
      for (int64_t u = 0; u < l_.units; ++u) row_factor_[u] = T(1) / std::sqrt(row_[u] / row_mean[u / l_.rows]);
      col_factor_.resize(static_cast<size_t>(l_.batch * l_.cols));
      for (int64_t j = 0; j < l_.batch * l_.cols; ++j) col_factor_[j] = T(1) / std::sqrt(col_[j]);
    }
  }

  void compute(int64_t unit, T* u) const {
    const int64_t begin = l_.unit_begin(unit), size = l_.unit_size(unit);
    const T* g = g_ + begin;
    if (l_.factored) {
      const int64_t b = unit / l_.rows;
      if (torch_) {
        const T r = row_[unit], divisor = divisor_[b];
        const T* c = col_ + b * l_.cols;
        const T floor = eps1_squared_;
#pragma omp simd
        for (int64_t j = 0; j < size; ++j) {
          T v = r * c[j] / divisor;
          v = v < floor ? floor : v;
          u[j] = T(1) / std::sqrt(v) * g[j];
        }
      } else {
        const T r = row_factor_[unit];
        const T* c = col_factor_.data() + b * l_.cols;
#pragma omp simd
        for (int64_t j = 0; j < size; ++j) u[j] = r * c[j] * g[j];
      }
    } else {
      const T* v = variance_ + begin;
      if (torch_) {
        const T floor = eps1_squared_;
#pragma omp simd
        for (int64_t j = 0; j < size; ++j) u[j] = T(1) / std::sqrt(v[j] < floor ? floor : v[j]) * g[j];
      } else {
#pragma omp simd
        for (int64_t j = 0; j < size; ++j) u[j] = T(1) / std::sqrt(v[j]) * g[j];
      }
    }
  }

 private:
  Layout l_;
  const T* g_;
  bool torch_;
  T eps1_ = 0, eps1_squared_ = 0;
  const T* variance_ = nullptr;
  const T* row_ = nullptr;
  const T* col_ = nullptr;
  std::vector<T> divisor_, row_factor_, col_factor_;
};

}  // namespace

void adafactor_accumulate(const Tensor& grad, const AdafactorMoments& moments, const AdafactorRule& rule) {
  const Layout l = check_layout("adafactor_accumulate", grad, moments);
  if (l.numel == 0) return;
  const DType dtype =
      common_dtype("adafactor_accumulate", {&grad, &moments.row, &moments.col, &moments.variance});
  dispatch_float(dtype, "adafactor_accumulate", [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* g = grad.data<scalar_t>();
    const Blend<scalar_t> blend(rule);
    // Hugging Face averages g^2 + eps1; torch averages g^2.
    const scalar_t added = is_torch(rule) ? scalar_t(0) : static_cast<scalar_t>(rule.eps1);
    if (!l.factored) {
      scalar_t* v = moments.variance.data<scalar_t>();
      const int64_t n = l.numel;
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
      for (int64_t i = 0; i < n; ++i) v[i] = blend(v[i], g[i] * g[i] + added);
      return;
    }
    scalar_t* row = moments.row.data<scalar_t>();
    scalar_t* col = moments.col.data<scalar_t>();
    const int64_t rows = l.rows, cols = l.cols;
    // Row statistics: each row of the gradient has one owner and is summed in a fixed order.
#pragma omp parallel for schedule(static) if (l.numel > kParallelMin)
    for (int64_t r = 0; r < l.units; ++r) {
      const scalar_t* gr = g + r * cols;
      double sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t j = 0; j < cols; ++j) sum += static_cast<double>(gr[j] * gr[j] + added);
      row[r] = blend(row[r], static_cast<scalar_t>(sum / static_cast<double>(cols)));
    }
    // Column statistics: a thread owns a tile of columns of one slice and walks down its rows, so the
    // reads stay contiguous and each column's sum runs in row order.
    const int64_t tiles_per_slice = (cols + kColumnTile - 1) / kColumnTile;
#pragma omp parallel for schedule(static) if (l.numel > kParallelMin)
    for (int64_t t = 0; t < l.batch * tiles_per_slice; ++t) {
      const int64_t b = t / tiles_per_slice;
      const int64_t j0 = (t % tiles_per_slice) * kColumnTile, width = std::min(kColumnTile, cols - j0);
      double sum[kColumnTile] = {};
      for (int64_t i = 0; i < rows; ++i) {
        const scalar_t* gr = g + (b * rows + i) * cols + j0;
#pragma omp simd
        for (int64_t j = 0; j < width; ++j) sum[j] += static_cast<double>(gr[j] * gr[j] + added);
      }
      scalar_t* c = col + b * cols + j0;
      for (int64_t j = 0; j < width; ++j) c[j] = blend(c[j], static_cast<scalar_t>(sum[j] / static_cast<double>(rows)));
    }
  });
}

double adafactor_update_sum_squares(const Tensor& grad, const AdafactorMoments& moments, const AdafactorRule& rule) {
  const Layout l = check_layout("adafactor_update_sum_squares", grad, moments);
  if (l.numel == 0) return 0.0;
  const DType dtype =
      common_dtype("adafactor_update_sum_squares", {&grad, &moments.row, &moments.col, &moments.variance});
  return dispatch_float(dtype, "adafactor_update_sum_squares", [&](auto zero) {
    using scalar_t = decltype(zero);
    const Normaliser<scalar_t> normaliser(l, grad, moments, rule);
    // One partial per unit, added in unit order afterwards: independent of the thread count.
    std::vector<double> partial(static_cast<size_t>(l.units));
#pragma omp parallel if (l.numel > kParallelMin)
    {
      std::vector<scalar_t> u(static_cast<size_t>(l.max_unit_size()));
#pragma omp for schedule(static)
      for (int64_t unit = 0; unit < l.units; ++unit) {
        normaliser.compute(unit, u.data());
        const int64_t size = l.unit_size(unit);
        double sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < size; ++j) sum += static_cast<double>(u[j]) * u[j];
        partial[unit] = sum;
      }
    }
    double total = 0;
    for (double p : partial) total += p;
    return total;
  });
}

void adafactor_apply(const Tensor& value, const Tensor& grad, const AdafactorMoments& moments,
                     const AdafactorRule& rule, const AdafactorApply& apply, const Tensor& first_moment) {
  const Layout l = check_layout("adafactor_apply", grad, moments);
  HONE_CHECK(value.is_contiguous() && value.numel() == l.numel, "adafactor_apply: value ", value.describe(),
             " must be contiguous and match the gradient ", grad.describe());
  HONE_CHECK(!first_moment.defined() || (first_moment.is_contiguous() && first_moment.numel() == l.numel),
             "adafactor_apply: the first moment ", first_moment.describe(), " must be contiguous and match value ",
             value.describe());
  if (l.numel == 0) return;
  const DType dtype = common_dtype("adafactor_apply", {&value, &grad, &moments.row, &moments.col,
                                                       &moments.variance, &first_moment});
  dispatch_float(dtype, "adafactor_apply", [&](auto zero) {
    using scalar_t = decltype(zero);
    const Normaliser<scalar_t> normaliser(l, grad, moments, rule);
    scalar_t* p = value.data<scalar_t>();
    scalar_t* m = first_moment.defined() ? first_moment.data<scalar_t>() : nullptr;
    const scalar_t scale = static_cast<scalar_t>(apply.scale), decay = static_cast<scalar_t>(apply.decay);
    const scalar_t beta1 = static_cast<scalar_t>(apply.beta1);
    const scalar_t one_minus_beta1 = static_cast<scalar_t>(1.0 - apply.beta1);
#pragma omp parallel if (l.numel > kParallelMin)
    {
      std::vector<scalar_t> u(static_cast<size_t>(l.max_unit_size()));
#pragma omp for schedule(static)
      for (int64_t unit = 0; unit < l.units; ++unit) {
        normaliser.compute(unit, u.data());
        const int64_t begin = l.unit_begin(unit), size = l.unit_size(unit);
        scalar_t* pu = p + begin;
        if (m) {
          scalar_t* mu = m + begin;
#pragma omp simd
          for (int64_t j = 0; j < size; ++j) {
            mu[j] = beta1 * mu[j] + one_minus_beta1 * (u[j] * scale);
            pu[j] = pu[j] * decay - mu[j];
          }
        } else {
#pragma omp simd
          for (int64_t j = 0; j < size; ++j) pu[j] = pu[j] * decay - scale * u[j];
        }
      }
    }
  });
}

}  // namespace hone::cpu
