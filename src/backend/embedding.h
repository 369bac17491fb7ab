#pragma once
// Token embedding kernels: a row gather and its deterministic scatter-add gradient.
#include "core/tensor.h"

namespace hone {

// out [..., d] = table [vocab, d] rows picked by ids [...] (I32). Every id must lie in [0, vocab).
void embedding_forward(const Tensor& table, const Tensor& ids, const Tensor& out);
// dtable [vocab, d] += dy [..., d] scattered to the rows named by ids. Each element of dtable sums its
// contributions in position order, so the result is bit-identical for any thread count.
void embedding_backward(const Tensor& ids, const Tensor& dy, const Tensor& dtable);

}  // namespace hone
