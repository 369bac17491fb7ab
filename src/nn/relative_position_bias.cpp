#include "nn/relative_position_bias.h"

#include "backend/position_bias.h"

namespace hone {

RelativePositionBias::RelativePositionBias(ParameterStore& store, const std::string& prefix, int64_t n_heads,
                                           bool bidirectional, int64_t num_buckets, int64_t max_distance)
    : n_heads_(n_heads), num_buckets_(num_buckets), max_distance_(max_distance), bidirectional_(bidirectional) {
  HONE_CHECK(n_heads > 0, "RelativePositionBias ", prefix, ": n_heads must be positive, got ", n_heads);
  check_relative_position_buckets(("RelativePositionBias " + prefix).c_str(), num_buckets, max_distance, bidirectional);
  table_ = &store.add(prefix + ".relative_attention_bias.weight", {num_buckets, n_heads});
}

Tensor RelativePositionBias::forward(Arena& arena, int64_t query_length, int64_t key_length) const {
  Tensor bias = arena.alloc({n_heads_, query_length, key_length}, table_->value.dtype());
  position_bias_forward(table_->value, bidirectional_, max_distance_, bias);
  return bias;
}

void RelativePositionBias::backward(const Tensor& d_bias) const {
  position_bias_backward(d_bias, bidirectional_, max_distance_, table_->grad);
}

}  // namespace hone
