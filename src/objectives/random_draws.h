#pragma once
// A stream of uniform integer draws for the objectives, on top of hone's counter-based Philox. Each
// random decision of an example reads its own stream (example index and purpose), so an example is a
// pure function of (tokens, seed, example index), whatever order examples are made in.
#include <cstdint>

#include "core/rng.h"

namespace hone::objectives {

// Which decision a stream feeds; part of the Philox stream id so the decisions are independent.
enum class DrawPurpose : uint64_t {
  NoiseSpanLengths = 1,
  NonnoiseSpanLengths = 2,
  MaskRoll = 3,
  PrefixSplit = 4,
  DenoiserChoice = 5,
};

class DrawStream {
 public:
  DrawStream(uint64_t seed, uint64_t example_index, DrawPurpose purpose)
      : seed_(seed), stream_((example_index << 8) | static_cast<uint64_t>(purpose)) {}

  // Uniform on [0, n) from 64 random bits by multiply-high; the bias is below n / 2^64.
  uint64_t below(uint64_t n) {
    const uint64_t hi = random_u32(seed_, stream_, next_++), lo = random_u32(seed_, stream_, next_++);
    const unsigned __int128 product = static_cast<unsigned __int128>((hi << 32) | lo) * n;
    return static_cast<uint64_t>(product >> 64);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(below(uint64_t{1} << 53)) * 0x1p-53; }

 private:
  uint64_t seed_, stream_, next_ = 0;
};

}  // namespace hone::objectives
