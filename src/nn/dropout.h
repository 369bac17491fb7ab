#pragma once
// Inverted dropout with masks drawn from the counter-based RNG: element i of a call is kept when
// random_uniform(seed, stream, i) >= p. The caller picks (seed, stream) per call site and step, e.g.
// seed = run seed mixed with the step, stream = a fixed id of the layer's dropout site, so masks never
// repeat across sites and never depend on the thread count. Backward regenerates the mask from the same
// (seed, stream) instead of keeping a u8 mask: no memory for masks, and the cost is one Philox block per
// four elements.
#include <cstdint>

#include "core/arena.h"

namespace hone {

class Dropout {
 public:
  // p in [0, 1): the probability of dropping an element.
  explicit Dropout(double p);

  // Training: y = x * mask / (1 - p) from the arena. Not training, or p == 0: returns x itself.
  Tensor forward(Arena& arena, const Tensor& x, uint64_t seed, uint64_t stream, bool training) const;
  // dx = dy * mask / (1 - p) with the forward's (seed, stream); dy itself when forward was the identity.
  Tensor backward(Arena& arena, const Tensor& dy, uint64_t seed, uint64_t stream, bool training) const;

  double p() const { return p_; }

 private:
  double p_;
};

}  // namespace hone
