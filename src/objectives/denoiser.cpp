#include "objectives/denoiser.h"

#include <algorithm>
#include <sstream>

#include "core/error.h"
#include "objectives/noise_mask.h"
#include "objectives/prefix_lm.h"
#include "objectives/span_lengths.h"

namespace hone::objectives {
namespace {

std::string span_name(char letter, double mean_span, double noise_density) {
  std::ostringstream out;
  out << letter << "(mu=" << mean_span << ",r=" << noise_density << ")";
  return out.str();
}

const char* mode_text(Mode mode) {
  switch (mode) {
    case Mode::NLU: return "[NLU]";
    case Mode::NLG: return "[NLG]";
    case Mode::S2S: return "[S2S]";
    case Mode::None: break;
  }
  return "";
}

int64_t minimum_tokens(const Denoiser& denoiser) { return denoiser.kind == DenoiserKind::CausalLM ? 1 : 2; }

// Span corruption reads the raw length that fits the inputs once the mode tokens are reserved.
SpanCorruptionLengths span_lengths_for(const Denoiser& denoiser, const ObjectiveOptions& options) {
  const int64_t room = options.inputs_length - static_cast<int64_t>(mode_prefix(denoiser, options).size());
  HONE_CHECK(room >= 2, denoiser.name, ": inputs length ", options.inputs_length, " leaves ", room,
             " tokens after the mode tokens; it needs at least 2");
  SpanCorruptionLengths lengths = span_corruption_lengths(room, denoiser.noise_density, denoiser.mean_span);
  // The helper rounds in double precision, the mask in float32 (both as T5 does). Where the two
  // disagree, the mask can keep one token more than the helper planned; shorten the raw length until
  // the mask's own counts fit, so the inputs never need trimming. For the usual lengths nothing changes.
  auto encoded_inputs = [&](int64_t raw) {
    const SpanCounts counts = span_counts(raw, denoiser.noise_density, denoiser.mean_span);
    return counts.nonnoise_tokens + counts.noise_spans + 1;
  };
  while (lengths.raw_length > 2 && encoded_inputs(lengths.raw_length) > room) --lengths.raw_length;
  const SpanCounts counts = span_counts(lengths.raw_length, denoiser.noise_density, denoiser.mean_span);
  lengths.targets_length = std::max(lengths.targets_length, counts.noise_tokens + counts.noise_spans + 1);
  return lengths;
}

}  // namespace

Denoiser r_denoiser(double mean_span, double noise_density) {
  return Denoiser{span_name('R', mean_span, noise_density), DenoiserKind::SpanCorruption, mean_span, noise_density, Mode::NLU};
}
Denoiser x_denoiser(double mean_span, double noise_density) {
  return Denoiser{span_name('X', mean_span, noise_density), DenoiserKind::SpanCorruption, mean_span, noise_density, Mode::NLG};
}
Denoiser s_denoiser() { return Denoiser{"S", DenoiserKind::PrefixLM, 0.0, 0.0, Mode::S2S}; }
Denoiser t5_span_corruption() {
  return Denoiser{"span_corruption", DenoiserKind::SpanCorruption, 3.0, 0.15, Mode::None};
}
Denoiser causal_lm() { return Denoiser{"causal_lm", DenoiserKind::CausalLM, 0.0, 0.0, Mode::None}; }

ModeTokens ModeTokens::reserved(int32_t nlu, int32_t nlg, int32_t s2s) { return ModeTokens{{nlu}, {nlg}, {s2s}}; }

ModeTokens ModeTokens::from_text(const std::function<std::vector<int32_t>(const std::string&)>& encode) {
  return ModeTokens{encode(mode_text(Mode::NLU)), encode(mode_text(Mode::NLG)), encode(mode_text(Mode::S2S))};
}

const std::vector<int32_t>& ModeTokens::tokens_for(Mode mode) const {
  static const std::vector<int32_t> none;
  switch (mode) {
    case Mode::NLU: return nlu;
    case Mode::NLG: return nlg;
    case Mode::S2S: return s2s;
    case Mode::None: break;
  }
  return none;
}

const std::vector<int32_t>& mode_prefix(const Denoiser& denoiser, const ObjectiveOptions& options) {
  static const std::vector<int32_t> none;
  if (!options.use_mode_tokens || denoiser.mode == Mode::None) return none;
  const std::vector<int32_t>& tokens = options.mode_tokens.tokens_for(denoiser.mode);
  HONE_CHECK(!tokens.empty(), denoiser.name, ": no ids for the mode token ", mode_text(denoiser.mode),
             "; give the tokenizer's ids for [NLU], [NLG] and [S2S] (as text or reserved ids), or turn mode "
             "tokens off");
  return tokens;
}

int64_t source_length(const Denoiser& denoiser, const ObjectiveOptions& options) {
  switch (denoiser.kind) {
    case DenoiserKind::SpanCorruption: return span_lengths_for(denoiser, options).raw_length;
    case DenoiserKind::PrefixLM:
      return options.inputs_length - 1 - static_cast<int64_t>(mode_prefix(denoiser, options).size());
    case DenoiserKind::CausalLM: return options.targets_length - 1;
  }
  return 0;
}

void check_denoiser(const Denoiser& denoiser, const ObjectiveOptions& options) {
  HONE_CHECK(options.inputs_length >= 1 && options.targets_length >= 1, denoiser.name, ": inputs length ",
             options.inputs_length, " and targets length ", options.targets_length, " must be positive");
  const int64_t source = source_length(denoiser, options);
  HONE_CHECK(source >= minimum_tokens(denoiser), denoiser.name, ": the lengths leave ", source,
             " source tokens per example; it needs at least ", minimum_tokens(denoiser), ". Raise the lengths");
  if (denoiser.kind == DenoiserKind::PrefixLM) {
    // The longest continuation is source - 1 tokens plus EOS.
    HONE_CHECK(source <= options.targets_length, denoiser.name, ": continuations of up to ", source,
               " tokens (with EOS) do not fit the targets length ", options.targets_length,
               "; raise the targets length or lower the inputs length");
  }
  if (denoiser.kind != DenoiserKind::SpanCorruption) return;
  HONE_CHECK(denoiser.mean_span <= static_cast<double>(source), denoiser.name, ": mean span length ",
             denoiser.mean_span, " is longer than the ", source, " source tokens an example reads at inputs length ",
             options.inputs_length, "; use a shorter mean span or longer inputs");
  const SpanCorruptionLengths lengths = span_lengths_for(denoiser, options);
  HONE_CHECK(lengths.targets_length <= options.targets_length, denoiser.name, ": targets need ",
             lengths.targets_length, " tokens at inputs length ", options.inputs_length,
             " but the targets length is ", options.targets_length, "; raise it to at least ", lengths.targets_length);
  // Targets hold one sentinel per non-noise span: as many as the noise spans, one more after a roll.
  const int64_t spans = span_counts(source, denoiser.noise_density, denoiser.mean_span).noise_spans;
  const int64_t sentinels_needed = spans + (options.random_roll ? 1 : 0);
  HONE_CHECK(options.sentinels.overflow == SentinelOverflow::Wrap || sentinels_needed <= options.sentinels.num_sentinels,
             denoiser.name, ": examples of ", source, " tokens have up to ", sentinels_needed, " spans but only ",
             options.sentinels.num_sentinels, " sentinel ids exist; use shorter inputs, a longer mean span, "
             "more sentinels, or allow wrapping (sentinels reused cyclically)");
}

std::optional<DenoisedExample> make_denoised_example(const std::vector<int32_t>& tokens, const Denoiser& denoiser,
                                                     const ObjectiveOptions& options, uint64_t seed,
                                                     uint64_t example_index) {
  const int64_t length = static_cast<int64_t>(tokens.size());
  const int64_t source = source_length(denoiser, options);
  HONE_CHECK(length <= source, denoiser.name, ": a chunk of ", length, " tokens is longer than the ", source,
             " source tokens an example reads at these lengths; split documents with split_tokens first");
  if (length < minimum_tokens(denoiser)) {
    if (options.short_documents == ShortDocuments::Skip) return std::nullopt;
    fail(denoiser.name, ": a chunk of ", length, " token(s) is shorter than the ", minimum_tokens(denoiser),
         " this denoiser needs; drop or concatenate short documents, or skip them (short documents: skip)");
  }
  DenoisedExample example;
  example.inputs = mode_prefix(denoiser, options);
  switch (denoiser.kind) {
    case DenoiserKind::SpanCorruption: {
      NoiseMaskOptions mask_options{denoiser.noise_density, denoiser.mean_span, options.random_roll};
      const std::vector<uint8_t> mask = random_spans_noise_mask(length, mask_options, seed, example_index);
      const std::vector<int32_t> corrupted = noise_span_to_unique_sentinel(tokens, mask, options.sentinels);
      example.inputs.insert(example.inputs.end(), corrupted.begin(), corrupted.end());
      example.targets = nonnoise_span_to_unique_sentinel(tokens, mask, options.sentinels);
      break;
    }
    case DenoiserKind::PrefixLM: {
      PrefixSplit split = random_prefix_split(tokens, seed, example_index);
      example.inputs.insert(example.inputs.end(), split.prefix.begin(), split.prefix.end());
      example.targets = std::move(split.continuation);
      break;
    }
    case DenoiserKind::CausalLM:
      example.targets = tokens;
      break;
  }
  if (denoiser.kind != DenoiserKind::CausalLM) example.inputs.push_back(options.eos_id);
  example.targets.push_back(options.eos_id);
  // Guaranteed by the raw lengths above; a failure here is a bug, not bad input.
  HONE_CHECK(static_cast<int64_t>(example.inputs.size()) <= options.inputs_length, denoiser.name,
             ": internal error, inputs of ", example.inputs.size(), " tokens exceed ", options.inputs_length);
  HONE_CHECK(static_cast<int64_t>(example.targets.size()) <= options.targets_length, denoiser.name, ": targets of ",
             example.targets.size(), " tokens exceed the targets length ", options.targets_length,
             "; check_denoiser() says what to change");
  return example;
}

}  // namespace hone::objectives
