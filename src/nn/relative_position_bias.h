#pragma once
// T5 relative position bias: a learned table [num_buckets, n_heads] (Hugging Face
// "<prefix>.relative_attention_bias.weight") turned into an additive attention bias [n_heads, Tq, Tk].
// T5 computes it once in the first layer and shares it with every layer, so the bias gradient that
// backward receives is the sum over layers.
#include <string>

#include "core/arena.h"
#include "nn/parameter.h"

namespace hone {

class RelativePositionBias {
 public:
  // bidirectional: encoder self-attention; false: decoder (causal) self-attention.
  RelativePositionBias(ParameterStore& store, const std::string& prefix, int64_t n_heads, bool bidirectional,
                       int64_t num_buckets = 32, int64_t max_distance = 128);

  // bias [n_heads, query_length, key_length] from the arena.
  Tensor forward(Arena& arena, int64_t query_length, int64_t key_length) const;
  // Accumulates d_bias [n_heads, Tq, Tk] into the table's gradient.
  void backward(const Tensor& d_bias) const;

  Parameter& table() const { return *table_; }

 private:
  int64_t n_heads_, num_buckets_, max_distance_;
  bool bidirectional_;
  Parameter* table_;
};

}  // namespace hone
