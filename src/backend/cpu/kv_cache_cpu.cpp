#include "backend/cpu/kv_cache_cpu.h"

#include <cstring>

#include "backend/dispatch.h"

namespace hone::cpu {
namespace {

void check_rows(const char* kernel, const Tensor& t, const char* what) {
  HONE_CHECK(t.dim() == 3 && t.stride(2) == 1, kernel, ": ", what, " must be [batch, length, width] with a contiguous last dimension, got ",
             t.describe());
}

void check_index(const char* kernel, const Tensor& index, int64_t batch, const char* what) {
  HONE_CHECK(index.dim() == 1 && index.size(0) == batch && index.dtype() == DType::I32 && index.is_contiguous(), kernel,
             ": ", what, " must be contiguous I32 [", batch, "], got ", index.describe());
}

}  // namespace

void write_cache_rows(const Tensor& values, const Tensor& positions, const Tensor& cache) {
  const char* kernel = "write_cache_rows";
  check_rows(kernel, values, "values");
  check_rows(kernel, cache, "cache");
  const int64_t batch = values.size(0), length = values.size(1), width = values.size(2), capacity = cache.size(1);
  HONE_CHECK(cache.size(0) == batch && cache.size(2) == width && cache.dtype() == values.dtype(), kernel, ": cache ",
             cache.describe(), " does not match values ", values.describe());
  check_index(kernel, positions, batch, "positions");
  const int32_t* start = positions.data<int32_t>();
  for (int64_t b = 0; b < batch; ++b)
    HONE_CHECK(start[b] >= 0 && start[b] + length <= capacity, kernel, ": row ", b, " writes positions ", start[b], "..",
               start[b] + length - 1, " of a cache with capacity ", capacity, ": make the cache larger");
  const size_t row_bytes = static_cast<size_t>(width) * values.itemsize();
  const auto* src = static_cast<const char*>(values.raw_data());
  auto* dst = static_cast<char*>(cache.raw_data());
  const int64_t item = static_cast<int64_t>(values.itemsize());
  // Rows are independent; each (b, t) has one writer.
#pragma omp parallel for collapse(2) schedule(static) if (batch * length * width > 65536)
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < length; ++t)
      std::memcpy(dst + (b * cache.stride(0) + (start[b] + t) * cache.stride(1)) * item,
                  src + (b * values.stride(0) + t * values.stride(1)) * item, row_bytes);
}

void gather_rows(const Tensor& x, const Tensor& index, int64_t offset, const Tensor& out) {
  const char* kernel = "gather_rows";
  check_rows(kernel, x, "x");
  const int64_t batch = x.size(0), length = x.size(1), width = x.size(2);
  HONE_CHECK(out.shape() == Shape({batch, 1, width}) && out.is_contiguous() && out.dtype() == x.dtype(), kernel,
             ": out must be contiguous ", dtype_name(x.dtype()), shape_str({batch, 1, width}), ", got ", out.describe());
  check_index(kernel, index, batch, "index");
  const int32_t* row = index.data<int32_t>();
  for (int64_t b = 0; b < batch; ++b)
    HONE_CHECK(row[b] + offset >= 0 && row[b] + offset < length, kernel, ": row ", b, " asks for position ", row[b] + offset,
               " of ", length);
  const int64_t item = static_cast<int64_t>(x.itemsize());
  const auto* src = static_cast<const char*>(x.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  for (int64_t b = 0; b < batch; ++b)
    std::memcpy(dst + b * width * item, src + (b * x.stride(0) + (row[b] + offset) * x.stride(1)) * item,
                static_cast<size_t>(width * item));
}

void advance_counters(const Tensor& counters, int32_t delta) {
  HONE_CHECK(counters.dtype() == DType::I32 && counters.is_contiguous(), "advance_counters: counters must be contiguous I32, got ",
             counters.describe());
  int32_t* p = counters.data<int32_t>();
  const int64_t n = counters.numel();
  for (int64_t i = 0; i < n; ++i) p[i] += delta;
}

}  // namespace hone::cpu
