#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace hone::cpu {

void fill_normal(const Tensor& t, uint64_t seed, uint64_t stream, double mean, double stddev);
void fill_uniform(const Tensor& t, uint64_t seed, uint64_t stream, double low, double high);

}  // namespace hone::cpu
