// The KV-cache kernels: per-row writes at each row's own position, per-row gathers, counters, and
// clear errors for writes past the capacity or reads outside the sequence.
#include "backend/kv_cache.h"

#include <gtest/gtest.h>

#include "backend/elementwise.h"
#include "support/tensor_testing.h"

namespace hone {
namespace {

using testing::element;

Tensor ints(const Shape& shape, const std::vector<int32_t>& values) {
  Tensor t = Tensor::empty(shape, DType::I32);
  std::copy(values.begin(), values.end(), t.data<int32_t>());
  return t;
}

TEST(KvCacheKernels, WriteCacheRowsPutsEachRowAtItsPosition) {
  for (DType dtype : {DType::F32, DType::F64}) {
    Tensor cache = Tensor::zeros({2, 5, 3}, dtype);
    const Tensor values = clone_as(testing::random_tensor({2, 2, 3}, 1), dtype);
    write_cache_rows(values, ints({2}, {1, 3}), cache);
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t p = 0; p < 5; ++p)
        for (int64_t j = 0; j < 3; ++j) {
          const int64_t start = b == 0 ? 1 : 3;
          const double expected = p >= start && p < start + 2 ? element(values, (b * 2 + p - start) * 3 + j) : 0.0;
          EXPECT_EQ(element(cache, (b * 5 + p) * 3 + j), expected) << b << " " << p << " " << j;
        }
    // Row 1 at position 4 would write position 5 of 5.
    EXPECT_THROW(write_cache_rows(values, ints({2}, {0, 4}), cache), Error);
    EXPECT_THROW(write_cache_rows(values, ints({2}, {-1, 0}), cache), Error);
  }
}

TEST(KvCacheKernels, GatherRowsAndCounters) {
  const Tensor x = testing::random_tensor({3, 4, 2}, 2, DType::F32);
  Tensor out = Tensor::empty({3, 1, 2}, DType::F32);
  const Tensor lengths = ints({3}, {4, 1, 2});
  gather_rows(x, lengths, -1, out);  // each row's last position
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t j = 0; j < 2; ++j)
      EXPECT_EQ(element(out, b * 2 + j), element(x, (b * 4 + element(lengths, b) - 1) * 2 + j));
  EXPECT_THROW(gather_rows(x, lengths, 0, out), Error);  // position 4 of 4
  advance_counters(lengths, 3);
  EXPECT_EQ(element(lengths, 0), 7);
  EXPECT_EQ(element(lengths, 1), 4);
  EXPECT_EQ(element(lengths, 2), 5);
}

}  // namespace
}  // namespace hone
