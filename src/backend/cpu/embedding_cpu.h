#pragma once
#include "core/tensor.h"

namespace hone::cpu {

void embedding_forward(const Tensor& table, const Tensor& ids, const Tensor& out);
void embedding_backward(const Tensor& ids, const Tensor& dy, const Tensor& dtable);

}  // namespace hone::cpu
