#include <gtest/gtest.h>

#include "backend/elementwise.h"
#include "core/tensor.h"

namespace hone {
namespace {

TEST(Tensor, ViewsShareStorage) {
  Tensor t = Tensor::zeros({2, 3});
  Tensor row = t.select(0, 1);
  fill(row, 5.0);
  EXPECT_EQ(t.data<float>()[3], 5.0f);
  EXPECT_EQ(t.data<float>()[2], 0.0f);
  EXPECT_EQ(t.view({3, -1}).shape(), (Shape{3, 2}));
  EXPECT_THROW(t.view({4, -1}), Error);
  EXPECT_FALSE(t.transpose(0, 1).is_contiguous());
}

}  // namespace
}  // namespace hone
