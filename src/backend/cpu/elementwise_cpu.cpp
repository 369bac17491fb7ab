#include "backend/cpu/elementwise_cpu.h"

#include <cstring>

#include "backend/dispatch.h"

namespace hone::cpu {
namespace {

// Calls f(element_offset_in_elements) for every element of t in row-major order of its shape.
template <class F>
void for_each_offset(const Tensor& t, F&& f) {
  const int64_t dims = t.dim();
  if (dims == 0) {
    f(0, 0);
    return;
  }
  Shape index(dims, 0);
  int64_t n = t.numel();
  int64_t offset = 0;
  for (int64_t linear = 0; linear < n; ++linear) {
    f(linear, offset);
    for (int64_t d = dims - 1; d >= 0; --d) {
      if (++index[d] < t.size(d)) {
        offset += t.stride(d);
        break;
      }
      offset -= (t.size(d) - 1) * t.stride(d);
      index[d] = 0;
    }
  }
}

double load(const Tensor& t, const char* base, int64_t offset) {
  switch (t.dtype()) {
    case DType::F64: return reinterpret_cast<const double*>(base)[offset];
    case DType::F32: return reinterpret_cast<const float*>(base)[offset];
    case DType::BF16: return bf16_to_float(reinterpret_cast<const uint16_t*>(base)[offset]);
    case DType::F16: return f16_to_float(reinterpret_cast<const uint16_t*>(base)[offset]);
    case DType::I64: return static_cast<double>(reinterpret_cast<const int64_t*>(base)[offset]);
    case DType::I32: return reinterpret_cast<const int32_t*>(base)[offset];
    default: fail("copy: no conversion from ", dtype_name(t.dtype()));
  }
}

void store(const Tensor& t, char* base, int64_t offset, double v) {
  switch (t.dtype()) {
    case DType::F64: reinterpret_cast<double*>(base)[offset] = v; return;
    case DType::F32: reinterpret_cast<float*>(base)[offset] = static_cast<float>(v); return;
    case DType::BF16: reinterpret_cast<uint16_t*>(base)[offset] = float_to_bf16(static_cast<float>(v)); return;
    case DType::F16: reinterpret_cast<uint16_t*>(base)[offset] = float_to_f16(static_cast<float>(v)); return;
    case DType::I64: reinterpret_cast<int64_t*>(base)[offset] = static_cast<int64_t>(v); return;
    case DType::I32: reinterpret_cast<int32_t*>(base)[offset] = static_cast<int32_t>(v); return;
    default: fail("copy: no conversion to ", dtype_name(t.dtype()));
  }
}

void require_contiguous(const char* kernel, const Tensor& t) {
  HONE_CHECK(t.is_contiguous(), kernel, ": contiguous tensor expected, got ", t.describe());
}

}  // namespace

void fill(const Tensor& t, double value) {
  char* base = static_cast<char*>(t.raw_data());
  if (t.is_contiguous() && (t.dtype() == DType::F32 || t.dtype() == DType::F64)) {
    dispatch_float(t.dtype(), "fill", [&](auto zero) {
    using scalar_t = decltype(zero);
      scalar_t* p = reinterpret_cast<scalar_t*>(base);
      const int64_t n = t.numel();
#pragma omp parallel for simd schedule(static) if (n > 65536)
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(value);
    });
    return;
  }
  for_each_offset(t, [&](int64_t, int64_t off) { store(t, base, off, value); });
}

void copy(const Tensor& src, const Tensor& dst) {
  HONE_CHECK(src.shape() == dst.shape(), "copy: shapes differ: ", src.describe(), " to ", dst.describe());
  if (src.dtype() == dst.dtype() && src.is_contiguous() && dst.is_contiguous()) {
    std::memmove(dst.raw_data(), src.raw_data(), src.nbytes());
    return;
  }
  const char* s = static_cast<const char*>(src.raw_data());
  char* d = static_cast<char*>(dst.raw_data());
  if (src.dtype() == dst.dtype()) {
    const size_t item = src.itemsize();
    // Same dtype, different strides: gather element offsets of dst in the same order.
    std::vector<int64_t> dst_offsets(static_cast<size_t>(dst.numel()));
    for_each_offset(dst, [&](int64_t i, int64_t off) { dst_offsets[i] = off; });
    for_each_offset(src, [&](int64_t i, int64_t off) { std::memcpy(d + dst_offsets[i] * item, s + off * item, item); });
    return;
  }
  std::vector<int64_t> dst_offsets(static_cast<size_t>(dst.numel()));
  for_each_offset(dst, [&](int64_t i, int64_t off) { dst_offsets[i] = off; });
  for_each_offset(src, [&](int64_t i, int64_t off) { store(dst, d, dst_offsets[i], load(src, s, off)); });
}

void axpy(double alpha, const Tensor& x, const Tensor& y) {
  HONE_CHECK(x.shape() == y.shape(), "axpy: shapes differ: ", x.describe(), " and ", y.describe());
  require_contiguous("axpy", x);
  require_contiguous("axpy", y);
  dispatch_float(common_dtype("axpy", {&x, &y}), "axpy", [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* py = y.data<scalar_t>();
    const scalar_t a = static_cast<scalar_t>(alpha);
    const int64_t n = x.numel();
#pragma omp parallel for simd schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) py[i] += a * px[i];
  });
}

void scale(const Tensor& t, double s) {
  require_contiguous("scale", t);
  dispatch_float(t.dtype(), "scale", [&](auto zero) {
    using scalar_t = decltype(zero);
    scalar_t* p = t.data<scalar_t>();
    const scalar_t f = static_cast<scalar_t>(s);
    const int64_t n = t.numel();
#pragma omp parallel for simd schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) p[i] *= f;
  });
}

void add(const Tensor& a, const Tensor& b, const Tensor& out) {
  HONE_CHECK(a.shape() == b.shape() && a.shape() == out.shape(), "add: shapes differ: ", a.describe(), ", ",
             b.describe(), ", ", out.describe());
  require_contiguous("add", a);
  require_contiguous("add", b);
  require_contiguous("add", out);
  dispatch_float(common_dtype("add", {&a, &b, &out}), "add", [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* pa = a.data<scalar_t>();
    const scalar_t* pb = b.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    const int64_t n = a.numel();
#pragma omp parallel for simd schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) po[i] = pa[i] + pb[i];
  });
}

double sum_squares(const Tensor& t) {
  require_contiguous("sum_squares", t);
  return dispatch_float(t.dtype(), "sum_squares", [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* p = t.data<scalar_t>();
    const int64_t n = t.numel();
    // A fixed number of chunks summed in order: the result does not depend on the thread count.
    constexpr int64_t kChunks = 64;
    double partial[kChunks] = {};
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t c = 0; c < kChunks; ++c) {
      // Eight fixed lanes (one vector of doubles) instead of one serial chain: the order is still fixed.
      constexpr int kLanes = 8;
      double acc[kLanes] = {};
      const int64_t end = n * (c + 1) / kChunks;
      int64_t i = n * c / kChunks;
      for (; i + kLanes <= end; i += kLanes)
        for (int l = 0; l < kLanes; ++l) acc[l] += static_cast<double>(p[i + l]) * p[i + l];
      for (; i < end; ++i) acc[0] += static_cast<double>(p[i]) * p[i];
      double sum = 0;
      for (double a : acc) sum += a;
      partial[c] = sum;
    }
    double total = 0;
    for (double v : partial) total += v;
    return total;
  });
}

}  // namespace hone::cpu
