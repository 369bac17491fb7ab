#include "backend/cpu/gemm_cpu.h"

#include <cblas.h>
#include <climits>
#include <omp.h>

#include "backend/dispatch.h"

namespace hone::cpu {
namespace {

// BLAS takes 32-bit sizes: larger ones would be truncated silently.
void check_blas_int(const char* kernel, int64_t value) {
  HONE_CHECK(value <= INT_MAX, kernel, ": dimension ", value, " exceeds the 32-bit BLAS interface; split the matrix");
}

struct MatrixArgs {
  int64_t m, n, k;
  int64_t lda, ldb, ldc;
};

MatrixArgs check_shapes(const char* kernel, const Shape& a, Trans ta, const Shape& b, Trans tb, const Shape& c) {
  int64_t m = ta == Trans::No ? a[0] : a[1];
  int64_t ka = ta == Trans::No ? a[1] : a[0];
  int64_t kb = tb == Trans::No ? b[0] : b[1];
  int64_t n = tb == Trans::No ? b[1] : b[0];
  HONE_CHECK(ka == kb && c[0] == m && c[1] == n, kernel, ": shapes do not chain: op(a) ", m, "x", ka, ", op(b) ", kb,
             "x", n, ", c ", shape_str(c));
  for (int64_t v : {m, n, ka}) check_blas_int(kernel, v);
  return {m, n, ka, 0, 0, 0};
}

int64_t leading_dim(const Tensor& t, int64_t cols, const char* kernel) {
  HONE_CHECK(t.stride(-1) == 1 || t.size(-1) == 1, kernel, ": last dimension must be contiguous in ", t.describe());
  int64_t ld = std::max<int64_t>(t.size(-2) == 1 ? std::max<int64_t>(cols, 1) : t.stride(-2), 1);
  // A leading dimension below the row length would make rows overlap (BLAS rejects it and leaves C stale).
  HONE_CHECK(ld >= cols, kernel, ": rows of ", t.describe(), " overlap (row stride ", ld, " < ", cols, " columns)");
  check_blas_int(kernel, ld);
  return ld;
}

template <class T>
void blas_gemm(Trans ta, Trans tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
               int64_t ldb, T beta, T* c, int64_t ldc) {
  auto cta = ta == Trans::No ? CblasNoTrans : CblasTrans;
  auto ctb = tb == Trans::No ? CblasNoTrans : CblasTrans;
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, cta, ctb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    cblas_dgemm(CblasRowMajor, cta, ctb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

}  // namespace

void gemm(const Tensor& a, Trans trans_a, const Tensor& b, Trans trans_b, const Tensor& c, double alpha, double beta) {
  HONE_CHECK(a.dim() == 2 && b.dim() == 2 && c.dim() == 2, "gemm: 2-D tensors expected, got ", a.describe(), ", ",
             b.describe(), ", ", c.describe());
  DType dtype = common_dtype("gemm", {&a, &b, &c});
  MatrixArgs s = check_shapes("gemm", a.shape(), trans_a, b.shape(), trans_b, c.shape());
  if (s.m == 0 || s.n == 0) return;
  dispatch_float(dtype, "gemm", [&](auto zero) {
    using scalar_t = decltype(zero);
    blas_gemm<scalar_t>(trans_a, trans_b, s.m, s.n, s.k, static_cast<scalar_t>(alpha), a.data<scalar_t>(),
                        leading_dim(a, a.size(1), "gemm"), b.data<scalar_t>(), leading_dim(b, b.size(1), "gemm"),
                        static_cast<scalar_t>(beta), c.data<scalar_t>(), leading_dim(c, c.size(1), "gemm"));
  });
}

void gemm_batched(const Tensor& a, Trans trans_a, const Tensor& b, Trans trans_b, const Tensor& c, double alpha,
                  double beta) {
  HONE_CHECK(a.dim() == 3 && b.dim() == 3 && c.dim() == 3, "gemm_batched: 3-D tensors expected, got ", a.describe(),
             ", ", b.describe(), ", ", c.describe());
  int64_t batch = c.size(0);
  HONE_CHECK((a.size(0) == batch || a.size(0) == 1) && (b.size(0) == batch || b.size(0) == 1),
             "gemm_batched: batch sizes differ: ", a.describe(), ", ", b.describe(), ", ", c.describe());
  DType dtype = common_dtype("gemm_batched", {&a, &b, &c});
  Shape as{a.size(1), a.size(2)}, bs{b.size(1), b.size(2)}, cs{c.size(1), c.size(2)};
  MatrixArgs s = check_shapes("gemm_batched", as, trans_a, bs, trans_b, cs);
  if (s.m == 0 || s.n == 0 || batch == 0) return;
  dispatch_float(dtype, "gemm_batched", [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* pa = a.data<scalar_t>();
    const scalar_t* pb = b.data<scalar_t>();
    scalar_t* pc = c.data<scalar_t>();
    int64_t lda = leading_dim(a, a.size(2), "gemm_batched"), ldb = leading_dim(b, b.size(2), "gemm_batched");
    int64_t ldc = leading_dim(c, c.size(2), "gemm_batched");
    int64_t sa = a.size(0) == 1 ? 0 : a.stride(0), sb = b.size(0) == 1 ? 0 : b.stride(0), sc = c.stride(0);
    // Below ~64^3 multiply-adds per matrix BLAS threading does not pay: spread batches over threads.
    bool per_thread = s.m * s.n * s.k < 64 * 64 * 64 && batch > 1;
#pragma omp parallel for schedule(static) if (per_thread)
    for (int64_t i = 0; i < batch; ++i) {
      blas_gemm<scalar_t>(trans_a, trans_b, s.m, s.n, s.k, static_cast<scalar_t>(alpha), pa + i * sa, lda,
                          pb + i * sb, ldb, static_cast<scalar_t>(beta), pc + i * sc, ldc);
    }
  });
}

}  // namespace hone::cpu
