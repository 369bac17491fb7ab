#pragma once
// Random initialisation from the counter-based RNG: element i of t gets draw i of (seed, stream), so
// the values do not depend on the thread count.
#include <cstdint>

#include "core/tensor.h"

namespace hone {

void fill_normal(const Tensor& t, uint64_t seed, uint64_t stream, double mean, double stddev);
void fill_uniform(const Tensor& t, uint64_t seed, uint64_t stream, double low, double high);

}  // namespace hone
