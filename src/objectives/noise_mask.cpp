#include "objectives/noise_mask.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "core/error.h"
#include "objectives/random_draws.h"
#include "objectives/span_lengths.h"

namespace hone::objectives {

std::vector<int64_t> random_segmentation(int64_t num_items, int64_t num_segments, uint64_t seed,
                                         uint64_t example_index, uint64_t purpose_stream) {
  HONE_CHECK(num_segments >= 1 && num_segments <= num_items, "random segmentation: cannot split ", num_items,
             " items into ", num_segments, " non-empty segments");
  // Partial Fisher-Yates over the inner boundaries 1 .. num_items - 1: the first num_segments - 1
  // entries after the shuffle are a uniform random subset, marked as segment starts.
  std::vector<int64_t> boundaries(static_cast<size_t>(num_items - 1));
  std::iota(boundaries.begin(), boundaries.end(), int64_t{1});
  DrawStream draws(seed, example_index, static_cast<DrawPurpose>(purpose_stream));
  std::vector<uint8_t> starts_segment(static_cast<size_t>(num_items), 0);
  for (int64_t i = 0; i < num_segments - 1; ++i) {
    const int64_t j = i + static_cast<int64_t>(draws.below(static_cast<uint64_t>(num_items - 1 - i)));
    std::swap(boundaries[i], boundaries[j]);
    starts_segment[boundaries[i]] = 1;
  }
  std::vector<int64_t> lengths;
  lengths.reserve(static_cast<size_t>(num_segments));
  int64_t current = 0;
  for (int64_t i = 0; i < num_items; ++i) {
    if (starts_segment[i]) {
      lengths.push_back(current);
      current = 0;
    }
    ++current;
  }
  lengths.push_back(current);
  return lengths;
}

std::vector<uint8_t> random_spans_noise_mask(int64_t length, const NoiseMaskOptions& options, uint64_t seed,
                                             uint64_t example_index) {
  if (options.noise_density == 0.0) return std::vector<uint8_t>(static_cast<size_t>(std::max<int64_t>(length, 0)), 0);
  const SpanCounts counts = span_counts(length, options.noise_density, options.mean_span);
  const auto noise_lengths = random_segmentation(counts.noise_tokens, counts.noise_spans, seed, example_index,
                                                 static_cast<uint64_t>(DrawPurpose::NoiseSpanLengths));
  const auto nonnoise_lengths = random_segmentation(counts.nonnoise_tokens, counts.noise_spans, seed, example_index,
                                                    static_cast<uint64_t>(DrawPurpose::NonnoiseSpanLengths));
  std::vector<uint8_t> mask;
  mask.reserve(static_cast<size_t>(length));
  for (int64_t s = 0; s < counts.noise_spans; ++s) {
    mask.insert(mask.end(), static_cast<size_t>(nonnoise_lengths[s]), 0);
    mask.insert(mask.end(), static_cast<size_t>(noise_lengths[s]), 1);
  }
  if (options.random_roll) {
    // tf.roll(mask, shift): element i moves to (i + shift) mod length.
    DrawStream draws(seed, example_index, DrawPurpose::MaskRoll);
    const int64_t shift = static_cast<int64_t>(draws.below(static_cast<uint64_t>(length)));
    std::vector<uint8_t> rolled(mask.size());
    for (int64_t i = 0; i < length; ++i) rolled[(i + shift) % length] = mask[i];
    mask.swap(rolled);
  }
  return mask;
}

int64_t count_noise_spans(const std::vector<uint8_t>& mask) {
  int64_t spans = 0;
  for (size_t i = 0; i < mask.size(); ++i) spans += mask[i] && (i == 0 || !mask[i - 1]);
  return spans;
}

}  // namespace hone::objectives
