#include <gtest/gtest.h>

#include "backend/elementwise.h"
#include "backend/position_bias.h"
#include "core/arena.h"
#include "nn/relative_position_bias.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"
#include "support/torch_reference.h"

namespace hone::testing {
namespace {

// Values worked out by hand from HF's formula (num_buckets 32, max_distance 128). Bidirectional: 16
// buckets per direction, max_exact 8, large n -> 8 + floor(log(n/8) / log(16) * 8), capped at 15,
// +16 when the key is after the query.
TEST(RelativePositionBucket, BidirectionalMatchesHandComputedValues) {
  const std::pair<int64_t, int64_t> cases[] = {{0, 0},   {-1, 1},   {1, 17},   {-7, 7},    {7, 23},   {-8, 8},
                                               {-9, 8},  {-20, 10}, {20, 26},  {-50, 13},  {-100, 15}, {100, 31},
                                               {-127, 15}, {-1000, 15}, {1000, 31}, {5, 21}};
  for (auto [relative, bucket] : cases)
    EXPECT_EQ(relative_position_bucket(relative, true, 32, 128), bucket) << "relative position " << relative;
}

// Unidirectional (decoder): later keys share bucket 0; max_exact 16; large n -> 16 + floor(log(n/16) /
// log(8) * 16), capped at 31.
TEST(RelativePositionBucket, CausalMatchesHandComputedValues) {
  const std::pair<int64_t, int64_t> cases[] = {{0, 0},    {7, 0},    {1, 0},     {-5, 5},    {-15, 15},
                                               {-16, 16}, {-20, 17}, {-40, 23},  {-100, 30}, {-127, 31},
                                               {-500, 31}};
  for (auto [relative, bucket] : cases)
    EXPECT_EQ(relative_position_bucket(relative, false, 32, 128), bucket) << "relative position " << relative;
}

// Every relative position in [-600, 600] for both directions and two configurations, against the
// reference's fp32 computation: the log-spaced boundaries must agree exactly.
TEST(RelativePositionBucket, MatchesPyTorchEverywhere) {
  std::vector<int32_t> values;
  for (int32_t r = -600; r <= 600; ++r) values.push_back(r);
  Tensor relative = Tensor::empty({static_cast<int64_t>(values.size())}, DType::I32);
  std::copy(values.begin(), values.end(), relative.data<int32_t>());
  for (bool bidirectional : {true, false}) {
    for (auto [buckets, distance] : {std::pair<int64_t, int64_t>{32, 128}, {64, 256}, {8, 20}}) {
      TensorMap ref = torch_reference("attention", "buckets", {{"relative_positions", relative}},
                                      {{"bidirectional", bidirectional}, {"num_buckets", buckets}, {"max_distance", distance}});
      for (size_t i = 0; i < values.size(); ++i)
        ASSERT_EQ(relative_position_bucket(values[i], bidirectional, buckets, distance),
                  element(ref.at("buckets"), static_cast<int64_t>(i)))
            << "relative position " << values[i] << " bidirectional " << bidirectional << " buckets " << buckets;
    }
  }
}

class PositionBiasDirection : public ::testing::TestWithParam<bool> {};

TEST_P(PositionBiasDirection, TableGradientMatchesFiniteDifferences) {
  const bool bidirectional = GetParam();
  ParameterStore store(DType::F64);
  RelativePositionBias layer(store, "encoder.block.0.layer.0.SelfAttention", 3, bidirectional, 8, 12);
  store.finalize();
  EXPECT_EQ(store.all().front().name, "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
  copy(random_tensor({8, 3}, 1), layer.table().value);
  Arena arena;
  const int64_t tq = 9, tk = 11;
  Tensor probe = random_tensor({3, tq, tk}, 2);
  layer.backward(probe);
  auto loss = [&] {
    Arena scratch;
    return dot(layer.forward(scratch, tq, tk), probe);
  };
  check_gradients(loss, {{"table", layer.table().value, layer.table().grad}}, 1e-8);
}

TEST_P(PositionBiasDirection, MatchesPyTorch) {
  const bool bidirectional = GetParam();
  ParameterStore store(DType::F32);
  RelativePositionBias layer(store, "decoder.block.0.layer.0.SelfAttention", 4, bidirectional, 32, 128);
  store.finalize();
  copy(random_tensor({32, 4}, 3), layer.table().value);
  Arena arena;
  const int64_t tq = 40, tk = 300;  // long enough to reach the capped buckets
  Tensor bias = layer.forward(arena, tq, tk);
  Tensor probe = random_tensor({4, tq, tk}, 4, DType::F32);
  layer.backward(probe);
  layer.backward(probe);  // accumulates: the bias is shared by all layers
  TensorMap ref = torch_reference("attention", "position_bias", {{"table", layer.table().value}, {"d_bias", probe}},
                                  {{"bidirectional", bidirectional}, {"num_buckets", 32}, {"max_distance", 128},
                                   {"query_length", tq}, {"key_length", tk}});
  EXPECT_EQ(max_relative_error(bias, ref.at("bias")), 0.0);
  Tensor twice = clone(ref.at("d_table"));
  scale(twice, 2.0);
  EXPECT_LE(max_relative_error(layer.table().grad, twice), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(T5, PositionBiasDirection, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "bidirectional" : "causal"; });

TEST(PositionBias, BadConfigurationGivesClearErrors) {
  ParameterStore store;
  EXPECT_THROW(RelativePositionBias(store, "x", 0, true), Error);
  EXPECT_THROW(RelativePositionBias(store, "y", 2, true, 2, 128), Error);
  Tensor table = Tensor::zeros({32, 4}), bias = Tensor::empty({3, 5, 5});
  EXPECT_THROW(position_bias_forward(table, true, 128, bias), Error);
}

// Causal buckets give distances below num_buckets/2 a bucket each, so max_distance must exceed that
// (a smaller one made the log term negative and the bucket index fall outside the table).
TEST(PositionBias, CausalBucketsNeedMaxDistanceAboveHalfTheBuckets) {
  ParameterStore store;
  EXPECT_THROW(RelativePositionBias(store, "a", 4, false, 32, 12), Error);
  EXPECT_THROW(RelativePositionBias(store, "b", 4, false, 32, 16), Error);
  EXPECT_NO_THROW(RelativePositionBias(store, "c", 4, true, 32, 12));  // bidirectional: above 32/4 suffices
  Tensor table = Tensor::zeros({32, 4}), bias = Tensor::empty({4, 5, 5});
  EXPECT_THROW(position_bias_forward(table, false, 12, bias), Error);
  for (bool bidirectional : {true, false}) {
    for (int64_t max_distance : {bidirectional ? 9 : 17, 20, 128, 100000}) {
      for (int64_t r = -5000; r <= 5000; ++r) {
        const int64_t b = relative_position_bucket(r, bidirectional, 32, max_distance);
        ASSERT_GE(b, 0) << r;
        ASSERT_LT(b, 32) << r;
      }
    }
  }
}

}  // namespace
}  // namespace hone::testing
