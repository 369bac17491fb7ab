#pragma once
#include "core/tensor.h"

namespace hone::cpu {

void write_cache_rows(const Tensor& values, const Tensor& positions, const Tensor& cache);
void gather_rows(const Tensor& x, const Tensor& index, int64_t offset, const Tensor& out);
void advance_counters(const Tensor& counters, int32_t delta);

}  // namespace hone::cpu
