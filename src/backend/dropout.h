#pragma once
// Inverted dropout driven by the counter-based RNG. Element i is kept when
// random_uniform(seed, stream, i) >= p and then scaled by 1 / (1 - p). The mask is a pure function of
// (seed, stream, i): it does not depend on the thread count, and backward regenerates it instead of
// storing it (no mask memory; regeneration costs about as much as reading a u8 mask would).
#include <cstdint>

#include "core/tensor.h"

namespace hone {

// y = x * mask / (1 - p); y may alias x. p must lie in [0, 1).
void dropout_forward(const Tensor& x, const Tensor& y, double p, uint64_t seed, uint64_t stream);
// dx = dy * mask / (1 - p) with the mask of the same (p, seed, stream); dx may alias dy.
void dropout_backward(const Tensor& dy, const Tensor& dx, double p, uint64_t seed, uint64_t stream);

}  // namespace hone
