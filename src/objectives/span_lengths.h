#pragma once
// How many tokens a span-corruption denoiser reads and writes (T5's random_spans_helper), and how a
// sequence of a given length is cut into noise and non-noise spans (the counts that
// random_spans_noise_mask derives before drawing anything).
#include <cstdint>

namespace hone::objectives {

struct SpanCorruptionLengths {
  int64_t raw_length = 0;      // tokens of source text per example
  int64_t targets_length = 0;  // tokens of the encoded targets, EOS included
};

// The largest raw length whose corrupted inputs (non-noise tokens, one sentinel per noise span, EOS)
// fit in inputs_length, and the targets length that goes with it. Follows T5's random_spans_helper
// exactly, including its rounding (Python round: double precision, half to even) and its hack for
// noise_density == 0.5 that shortens the raw length by one so the targets length equals inputs_length.
SpanCorruptionLengths span_corruption_lengths(int64_t inputs_length, double noise_density, double mean_span,
                                              int64_t extra_tokens_per_span_inputs = 1,
                                              int64_t extra_tokens_per_span_targets = 1);

struct SpanCounts {
  int64_t noise_tokens = 0;
  int64_t nonnoise_tokens = 0;
  int64_t noise_spans = 0;  // equals the number of non-noise spans before any roll
};

// The deterministic part of T5's random_spans_noise_mask: noise tokens = round(length * density) as a
// float32 product rounded half to even (TF's tf.round), clipped to [1, length - 1]; noise spans =
// max(1, round(noise / mean_span)), also in float32. Needs length >= 2 and a density in (0, 1).
// Fails with a clear message when the span count exceeds the non-noise tokens (the spans could not
// alternate), which T5 leaves undefined.
SpanCounts span_counts(int64_t length, double noise_density, double mean_span);

}  // namespace hone::objectives
