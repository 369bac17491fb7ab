#pragma once
// Token (or position) embedding: a lookup table [vocab, d]. Hugging Face names: T5 "shared",
// Llama "model.embed_tokens", GPT-2 "transformer.wte" and "transformer.wpe" (position ids as input).
#include <string>

#include "core/arena.h"
#include "nn/parameter.h"

namespace hone {

class Embedding {
 public:
  // Registers "<prefix>.weight" [vocab_size, d_model].
  Embedding(ParameterStore& store, const std::string& prefix, int64_t vocab_size, int64_t d_model);

  // ids [...] I32 -> [..., d_model] from the arena. Ids outside [0, vocab_size) are an error.
  Tensor forward(Arena& arena, const Tensor& ids) const;
  // Accumulates the table gradient from dy [..., d_model]; bit-identical for any thread count. There
  // is no input gradient (ids are discrete).
  void backward(const Tensor& ids, const Tensor& dy) const;

  int64_t vocab_size() const { return vocab_; }
  int64_t d_model() const { return d_model_; }
  Parameter& weight() const { return *weight_; }

 private:
  int64_t vocab_, d_model_;
  Parameter* weight_;
};

}  // namespace hone
