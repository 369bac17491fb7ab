#pragma once
// One denoiser of UL2's mixture (R, X, S) or a plain objective (T5 span corruption, causal LM), and
// the function that turns a chunk of source tokens into its (inputs, targets) example.
//
// An example is a pure function of (tokens, denoiser, options, seed, example index). EOS is appended
// to the inputs and targets; the mode token, when used, is prepended to the inputs and its length is
// reserved up front, so the inputs never exceed options.inputs_length.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "objectives/sentinels.h"

namespace hone::objectives {

enum class DenoiserKind {
  SpanCorruption,  // R and X denoisers, T5 span corruption
  PrefixLM,        // S denoiser
  CausalLM,        // plain next-token prediction: no inputs, the targets are the text
};

// UL2's paradigm tokens: [NLU] for R, [NLG] for X, [S2S] for S.
enum class Mode { None, NLU, NLG, S2S };

struct Denoiser {
  std::string name;
  DenoiserKind kind = DenoiserKind::SpanCorruption;
  double mean_span = 3.0;       // span corruption only
  double noise_density = 0.15;  // span corruption only
  Mode mode = Mode::None;
};

Denoiser r_denoiser(double mean_span, double noise_density);  // mode [NLU]
Denoiser x_denoiser(double mean_span, double noise_density);  // mode [NLG]
Denoiser s_denoiser();                                        // mode [S2S]
Denoiser t5_span_corruption();                                // mu 3, r 0.15, no mode token
Denoiser causal_lm();

// The token ids each mode token stands for. Empty means "not available".
struct ModeTokens {
  std::vector<int32_t> nlu, nlg, s2s;

  // Reserved single ids (e.g. added special tokens).
  static ModeTokens reserved(int32_t nlu, int32_t nlg, int32_t s2s);
  // The strings "[NLU]", "[NLG]", "[S2S]" through a tokenizer, as UL2 did (often several pieces).
  static ModeTokens from_text(const std::function<std::vector<int32_t>(const std::string&)>& encode);
  const std::vector<int32_t>& tokens_for(Mode mode) const;
};

// What to do with a chunk too short for its denoiser (fewer than 2 tokens for span corruption and
// prefix LM, none for causal LM).
enum class ShortDocuments {
  Error,  // default: fail with a message
  Skip,   // make_denoised_example returns nullopt and the caller moves on
};

struct ObjectiveOptions {
  int64_t inputs_length = 512;
  int64_t targets_length = 512;
  int32_t eos_id = 1;
  SentinelOptions sentinels;
  bool use_mode_tokens = true;  // false: UL2 without paradigm tokens (e.g. a tokenizer that has none)
  ModeTokens mode_tokens;
  bool random_roll = false;  // T5's random_roll for the span-corruption masks
  ShortDocuments short_documents = ShortDocuments::Error;
};

struct DenoisedExample {
  std::vector<int32_t> inputs;   // mode tokens, corrupted text or prefix, EOS (empty for causal LM)
  std::vector<int32_t> targets;  // sentinels and spans, or continuation, or text; then EOS
};

// The tokens prepended to the inputs for this denoiser under these options.
const std::vector<int32_t>& mode_prefix(const Denoiser& denoiser, const ObjectiveOptions& options);

// How many source tokens one example of this denoiser reads: T5's random_spans_helper raw length for
// span corruption (inputs length less the mode tokens), inputs length - 1 - mode tokens for the prefix
// LM (as T5's split_tokens_to_inputs_length), targets length - 1 for causal LM.
int64_t source_length(const Denoiser& denoiser, const ObjectiveOptions& options);

// Checks that the denoiser can work at these lengths: rates in range, the mean span not longer than
// the sequence, the targets fitting options.targets_length, enough sentinels for the most spans an
// example can have, mode tokens present. Fails with a message that says what to change.
void check_denoiser(const Denoiser& denoiser, const ObjectiveOptions& options);

// The example for one chunk of at most source_length() tokens.
std::optional<DenoisedExample> make_denoised_example(const std::vector<int32_t>& tokens, const Denoiser& denoiser,
                                                     const ObjectiveOptions& options, uint64_t seed,
                                                     uint64_t example_index);

}  // namespace hone::objectives
