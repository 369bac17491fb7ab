#include "nn/embedding.h"

#include "backend/embedding.h"

namespace hone {

Embedding::Embedding(ParameterStore& store, const std::string& prefix, int64_t vocab_size, int64_t d_model)
    : vocab_(vocab_size), d_model_(d_model) {
  HONE_CHECK(vocab_size > 0 && d_model > 0, "Embedding ", prefix, ": vocab_size and d_model must be positive, got ",
             vocab_size, " and ", d_model);
  weight_ = &store.add(prefix + ".weight", {vocab_size, d_model});
}

Tensor Embedding::forward(Arena& arena, const Tensor& ids) const {
  Shape shape = ids.shape();
  shape.push_back(d_model_);
  Tensor out = arena.alloc(shape, weight_->value.dtype());
  embedding_forward(weight_->value, ids, out);
  return out;
}

void Embedding::backward(const Tensor& ids, const Tensor& dy) const { embedding_backward(ids, dy, weight_->grad); }

}  // namespace hone
