#include "core/tensor.h"

#include <gtest/gtest.h>

#include "backend/elementwise.h"

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

Tensor iota(const Shape& shape) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

// Element at a multi-index, through shape and strides.
float at(const Tensor& t, std::vector<int64_t> index) {
  int64_t offset = 0;
  for (size_t d = 0; d < index.size(); ++d) offset += index[d] * t.stride(static_cast<int64_t>(d));
  return static_cast<const float*>(t.raw_data())[offset];
}

TEST(Tensor, ShapesStridesAndBasics) {
  Tensor t = iota({2, 3, 4});
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.nbytes(), 96u);
  EXPECT_EQ(t.strides(), (std::vector<int64_t>{12, 4, 1}));
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_EQ(t.stride(-3), 12);
  EXPECT_THROW(t.size(3), Error);
  EXPECT_THROW(t.size(-4), Error);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.describe(), "F32[2, 3, 4] cpu");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % kAlignment, 0u);
  EXPECT_THROW(t.data<double>(), Error);
  EXPECT_THROW(Tensor::empty({2, -1}), Error);
  EXPECT_THROW(Tensor().raw_data(), Error);
  Tensor scalar = Tensor::zeros({});
  EXPECT_EQ(scalar.numel(), 1);
  EXPECT_EQ(scalar.dim(), 0);
  EXPECT_EQ(Tensor::zeros({3, 0}).numel(), 0);
}

TEST(Tensor, SliceSelectTranspose) {
  Tensor t = iota({2, 3, 4});
  Tensor s = t.slice(2, 1, 3);  // [2, 3, 2]
  EXPECT_EQ(s.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(s.strides(), t.strides());
  EXPECT_EQ(s.byte_offset(), 4u);
  EXPECT_FALSE(s.is_contiguous());
  EXPECT_EQ(at(s, {1, 2, 1}), 1 * 12 + 2 * 4 + 2);
  EXPECT_TRUE(t.slice(0, 1, 2).is_contiguous());
  EXPECT_EQ(t.slice(1, 3, 3).numel(), 0);
  EXPECT_THROW(t.slice(1, 2, 4), Error);
  EXPECT_THROW(t.slice(1, 2, 1), Error);
  EXPECT_THROW(t.slice(1, -1, 1), Error);

  Tensor row = t.select(1, 2);  // [2, 4]
  EXPECT_EQ(row.shape(), (Shape{2, 4}));
  EXPECT_EQ(row.strides(), (std::vector<int64_t>{12, 1}));
  EXPECT_EQ(at(row, {1, 3}), 12 + 8 + 3);
  EXPECT_THROW(t.select(0, 2), Error);
  EXPECT_EQ(t.select(0, 1).select(0, 2).select(0, 3).dim(), 0);

  Tensor tr = t.transpose(0, 2);  // [4, 3, 2]
  EXPECT_EQ(tr.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(tr.strides(), (std::vector<int64_t>{1, 4, 12}));
  EXPECT_EQ(at(tr, {3, 1, 1}), 3 + 4 + 12);
  EXPECT_THROW(tr.view({24}), Error);  // view needs contiguous memory
  Tensor copy = clone(tr);
  EXPECT_TRUE(copy.is_contiguous());
  EXPECT_EQ(copy.data<float>()[1], 12.0f);  // element [0, 0, 1]
}

TEST(Tensor, ViewReshapesContiguousData) {
  Tensor t = iota({2, 3, 4});
  Tensor v = t.view({-1, 4});
  EXPECT_EQ(v.shape(), (Shape{6, 4}));
  EXPECT_EQ(v.raw_data(), t.raw_data());
  EXPECT_EQ(at(v, {5, 3}), 23);
  EXPECT_EQ(t.view({24}).shape(), Shape{24});
  EXPECT_THROW(t.view({-1, -1}), Error);
  EXPECT_THROW(t.view({5, -1}), Error);
  EXPECT_THROW(t.view({25}), Error);
  // Size-1 dimensions do not break contiguity.
  EXPECT_TRUE(t.slice(0, 1, 2).slice(1, 2, 3).view({4}).is_contiguous());
  EXPECT_EQ(at(t.slice(0, 1, 2).slice(1, 2, 3).view({4}), {0}), 20);
}

TEST(Tensor, OverChecksBounds) {
  auto storage = Storage::allocate(64, Device::cpu());
  EXPECT_NO_THROW(Tensor::over(storage, 0, {16}, DType::F32));
  EXPECT_NO_THROW(Tensor::over(storage, 32, {4}, DType::F64));
  EXPECT_NO_THROW(Tensor::over(storage, 64, {0}, DType::F32));
  EXPECT_THROW(Tensor::over(storage, 4, {16}, DType::F32), Error);
  EXPECT_THROW(Tensor::over(nullptr, 0, {1}, DType::F32), Error);
  EXPECT_EQ(storage.use_count(), 1);
}

TEST(Tensor, CheckShapeNamesTheTensor) {
  Tensor t = Tensor::zeros({2, 3});
  EXPECT_NO_THROW(check_shape(t, {2, 3}, "x"));
  try {
    check_shape(t, {3, 2}, "attention scores");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("attention scores has shape [2, 3], expected [3, 2]"), std::string::npos);
  }
  EXPECT_THROW(check_shape(Tensor(), {1}, "x"), Error);
}

}  // namespace
}  // namespace hone
