#pragma once
// T5's random_spans_noise_mask: which tokens of a sequence a span-corruption denoiser hides.
#include <cstdint>
#include <vector>

namespace hone::objectives {

// Splits num_items into num_segments positive lengths, every such composition equally likely: the
// segment starts are a uniform random (num_segments - 1)-subset of the num_items - 1 inner boundaries.
std::vector<int64_t> random_segmentation(int64_t num_items, int64_t num_segments, uint64_t seed,
                                         uint64_t example_index, uint64_t purpose_stream);

struct NoiseMaskOptions {
  double noise_density = 0.15;
  double mean_span = 3.0;
  // Rotate the mask by a uniform offset in [0, length), so a single span is not always at the end
  // (T5's random_roll; off by default as in T5).
  bool random_roll = false;
};

// mask[i] = 1 where token i is noise. Span counts come from span_counts(); the noise and non-noise
// span lengths are independent uniform compositions, interleaved non-noise first, so without a roll
// mask[0] = 0 and mask[length - 1] = 1. A density of 0 gives an all-zero mask (as in T5).
std::vector<uint8_t> random_spans_noise_mask(int64_t length, const NoiseMaskOptions& options, uint64_t seed,
                                             uint64_t example_index = 0);

// Number of maximal runs of 1s.
int64_t count_noise_spans(const std::vector<uint8_t>& mask);

}  // namespace hone::objectives
