#include "backend/cpu/bias_cpu.h"

#include "backend/dispatch.h"

namespace hone::cpu {

void add_bias(const Tensor& y, const Tensor& b) {
  HONE_CHECK(y.dim() == 2 && y.is_contiguous() && b.dim() == 1 && b.is_contiguous() && b.size(0) == y.size(1), "add_bias: expected y [rows, n] and b [n], got ",
             y.describe(), " and ", b.describe());
  dispatch_float(common_dtype("add_bias", {&y, &b}), "add_bias", [&](auto zero) {
    using scalar_t = decltype(zero);
    scalar_t* py = y.data<scalar_t>();
    const scalar_t* pb = b.data<scalar_t>();
    const int64_t rows = y.size(0), n = y.size(1);
#pragma omp parallel for schedule(static) if (rows * n > 65536)
    for (int64_t r = 0; r < rows; ++r) {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) py[r * n + j] += pb[j];
    }
  });
}

void accumulate_bias_grad(const Tensor& dy, const Tensor& db) {
  HONE_CHECK(dy.dim() == 2 && dy.is_contiguous() && db.dim() == 1 && db.is_contiguous() && db.size(0) == dy.size(1),
             "accumulate_bias_grad: expected dy [rows, n] and db [n], got ", dy.describe(), " and ", db.describe());
  dispatch_float(common_dtype("accumulate_bias_grad", {&dy, &db}), "accumulate_bias_grad", [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* pdy = dy.data<scalar_t>();
    scalar_t* pdb = db.data<scalar_t>();
    const int64_t rows = dy.size(0), n = dy.size(1);
    // Threads own column blocks and sum rows in order: no reduction across threads.
    constexpr int64_t kBlock = 64;
#pragma omp parallel for schedule(static) if (rows * n > 65536)
    for (int64_t j0 = 0; j0 < n; j0 += kBlock) {
      const int64_t j1 = std::min(n, j0 + kBlock);
      scalar_t acc[kBlock] = {};
      for (int64_t r = 0; r < rows; ++r) {
#pragma omp simd
        for (int64_t j = j0; j < j1; ++j) acc[j - j0] += pdy[r * n + j];
      }
      for (int64_t j = j0; j < j1; ++j) pdb[j] += acc[j - j0];
    }
  });
}

}  // namespace hone::cpu
