#include "objectives/span_lengths.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace hone::objectives {
namespace {

void check_rates(double noise_density, double mean_span) {
  HONE_CHECK(noise_density > 0.0 && noise_density < 1.0, "span corruption: noise density ", noise_density,
             " must lie strictly between 0 and 1");
  HONE_CHECK(mean_span > 0.0 && std::isfinite(mean_span), "span corruption: mean span length ", mean_span,
             " must be a positive number");
}

// Python's round() on a double: nearest integer, ties to even (the default FP rounding mode).
int64_t round_half_even(double x) { return static_cast<int64_t>(std::nearbyint(x)); }

}  // namespace

SpanCorruptionLengths span_corruption_lengths(int64_t inputs_length, double noise_density, double mean_span,
                                              int64_t extra_tokens_per_span_inputs,
                                              int64_t extra_tokens_per_span_targets) {
  check_rates(noise_density, mean_span);
  HONE_CHECK(inputs_length >= 2, "span corruption: inputs length ", inputs_length,
             " is too short; it needs room for at least one token and EOS");
  auto encoded = [&](int64_t tokens_length) {
    const int64_t noise = round_half_even(static_cast<double>(tokens_length) * noise_density);
    const int64_t spans = round_half_even(static_cast<double>(noise) / mean_span);
    return SpanCorruptionLengths{tokens_length - noise + spans * extra_tokens_per_span_inputs + 1,
                                 noise + spans * extra_tokens_per_span_targets + 1};
  };
  // Grow the raw length while its corrupted inputs still fit (T5 starts from inputs_length - 1).
  int64_t tokens_length = inputs_length - 1;
  while (encoded(tokens_length + 1).raw_length <= inputs_length) ++tokens_length;
  SpanCorruptionLengths result = encoded(tokens_length);
  result.raw_length = tokens_length;
  // T5's "minor hack": at density 0.5 the targets come out one longer than the inputs; shorten both
  // so the targets length is the (usually round) inputs length.
  if (noise_density == 0.5 && result.targets_length > inputs_length) {
    result.raw_length -= 1;
    result.targets_length -= 1;
  }
  return result;
}

SpanCounts span_counts(int64_t length, double noise_density, double mean_span) {
  check_rates(noise_density, mean_span);
  HONE_CHECK(length >= 2, "span corruption: a sequence of ", length,
             " token(s) cannot be corrupted; it needs at least 2 (one noise, one kept)");
  // TF computes in float32: to_float(length) * noise_density, then tf.round (half to even).
  const float noise_product = static_cast<float>(length) * static_cast<float>(noise_density);
  int64_t noise = static_cast<int64_t>(std::nearbyint(noise_product));
  noise = std::clamp<int64_t>(noise, 1, length - 1);
  const float span_quotient = static_cast<float>(noise) / static_cast<float>(mean_span);
  const int64_t spans = std::max<int64_t>(1, static_cast<int64_t>(std::nearbyint(span_quotient)));
  const int64_t nonnoise = length - noise;
  HONE_CHECK(spans <= nonnoise, "span corruption: ", spans, " noise spans (", noise, " noise tokens, mean span ",
             mean_span, ") need as many non-noise spans, but only ", nonnoise, " of the ", length,
             " tokens are kept; lower the noise density or raise the mean span length");
  return SpanCounts{noise, nonnoise, spans};
}

}  // namespace hone::objectives
