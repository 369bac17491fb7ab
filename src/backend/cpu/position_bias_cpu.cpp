#include "backend/cpu/position_bias_cpu.h"

#include <vector>

#include "backend/dispatch.h"
#include "backend/position_bias.h"

namespace hone::cpu {
namespace {

void check(const char* kernel, const Tensor& table, const Tensor& bias, int64_t max_distance, bool bidirectional) {
  HONE_CHECK(table.dim() == 2 && table.is_contiguous(), kernel, ": table must be contiguous [num_buckets, n_heads], got ",
             table.describe());
  HONE_CHECK(bias.dim() == 3 && bias.is_contiguous() && bias.size(0) == table.size(1), kernel,
             ": bias must be contiguous [n_heads, Tq, Tk] with n_heads = ", table.size(1), ", got ", bias.describe());
  check_relative_position_buckets(kernel, table.size(0), max_distance, bidirectional);
}

// bucket of relative position r = j - i, stored at r + (Tq - 1).
std::vector<int64_t> buckets_by_offset(int64_t tq, int64_t tk, bool bidirectional, int64_t num_buckets,
                                       int64_t max_distance) {
  std::vector<int64_t> out(static_cast<size_t>(tq + tk - 1));
  for (int64_t r = -(tq - 1); r <= tk - 1; ++r)
    out[r + tq - 1] = relative_position_bucket(r, bidirectional, num_buckets, max_distance);
  return out;
}

}  // namespace

void position_bias_forward(const Tensor& table, bool bidirectional, int64_t max_distance, const Tensor& bias) {
  const char* kernel = "position_bias_forward";
  check(kernel, table, bias, max_distance, bidirectional);
  const int64_t heads = bias.size(0), tq = bias.size(1), tk = bias.size(2), num_buckets = table.size(0);
  if (tq == 0 || tk == 0) return;
  const std::vector<int64_t> bucket = buckets_by_offset(tq, tk, bidirectional, num_buckets, max_distance);
  dispatch_float(common_dtype(kernel, {&table, &bias}), kernel, [&](auto zero) {
    using T = decltype(zero);
    const T* pt = table.data<T>();
    T* pb = bias.data<T>();
#pragma omp parallel for schedule(static) if (heads * tq * tk > 65536)
    for (int64_t row = 0; row < heads * tq; ++row) {
      const int64_t h = row / tq, i = row % tq;
      const int64_t* bkt = bucket.data() + (tq - 1 - i);  // bkt[j] = bucket of j - i
      T* out = pb + row * tk;
      for (int64_t j = 0; j < tk; ++j) out[j] = pt[bkt[j] * heads + h];
    }
  });
}

void position_bias_backward(const Tensor& d_bias, bool bidirectional, int64_t max_distance, const Tensor& table_grad) {
  const char* kernel = "position_bias_backward";
  check(kernel, table_grad, d_bias, max_distance, bidirectional);
  const int64_t heads = d_bias.size(0), tq = d_bias.size(1), tk = d_bias.size(2), num_buckets = table_grad.size(0);
  if (tq == 0 || tk == 0) return;
  const std::vector<int64_t> bucket = buckets_by_offset(tq, tk, bidirectional, num_buckets, max_distance);
  dispatch_float(common_dtype(kernel, {&d_bias, &table_grad}), kernel, [&](auto zero) {
    using T = decltype(zero);
    const T* pd = d_bias.data<T>();
    T* pg = table_grad.data<T>();
    // Each thread owns whole heads (one column of the table) and sums rows in order.
#pragma omp parallel if (heads * tq * tk >= 65536)
    {
      std::vector<T> acc(static_cast<size_t>(num_buckets));
#pragma omp for schedule(static)
      for (int64_t h = 0; h < heads; ++h) {
        std::fill(acc.begin(), acc.end(), T(0));
        for (int64_t i = 0; i < tq; ++i) {
          const int64_t* bkt = bucket.data() + (tq - 1 - i);
          const T* row = pd + (h * tq + i) * tk;
          for (int64_t j = 0; j < tk; ++j) acc[bkt[j]] += row[j];
        }
        for (int64_t n = 0; n < num_buckets; ++n) pg[n * heads + h] += acc[n];
      }
    }
  });
}

}  // namespace hone::cpu
