#pragma once
// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). The value at element i of stream s
// under seed k is a pure function of (k, s, i), so results do not depend on the thread count or on the
// order in which threads visit elements.
#include <array>
#include <cstdint>

namespace hone {

struct Philox {
  // One block: four 32-bit words for the 128-bit counter (stream, block_index) under the 64-bit key.
  static std::array<uint32_t, 4> block(uint64_t key, uint64_t stream, uint64_t block_index);
};

// Element i of a stream: word i%4 of block i/4.
inline uint32_t random_u32(uint64_t seed, uint64_t stream, uint64_t index) {
  return Philox::block(seed, stream, index >> 2)[index & 3];
}
// Uniform in [0, 1) with 24 random bits (exactly representable in float).
inline float random_uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  return static_cast<float>(random_u32(seed, stream, index) >> 8) * (1.0f / 16777216.0f);
}
// Standard normal (Box-Muller on the two halves of one 64-bit draw).
double random_normal(uint64_t seed, uint64_t stream, uint64_t index);

}  // namespace hone
