#include "train/denoising_batch_source.h"

#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "objectives/span_lengths.h"
#include "tokenize/tokenizer.h"

namespace hone {
namespace {

using objectives::DenoisedExample;
using objectives::Denoiser;
using objectives::DenoiserKind;

bool has_span_corruption(const objectives::Mixture& mixture) {
  for (const auto& component : mixture.components)
    if (component.rate > 0.0 && component.denoiser.kind == DenoiserKind::SpanCorruption) return true;
  return false;
}

// The most tokens inputs ++ targets of one example can hold (a full-length chunk: span counts grow with
// the chunk length).
int64_t longest_example_in_tokens(const Denoiser& denoiser, const objectives::ObjectiveOptions& objective) {
  const int64_t source = objectives::source_length(denoiser, objective);
  const auto mode = static_cast<int64_t>(objectives::mode_prefix(denoiser, objective).size());
  switch (denoiser.kind) {
    case DenoiserKind::SpanCorruption: {
      // Kept and noise tokens, a sentinel per span on each side (one more after a roll), two EOS.
      const int64_t spans = objectives::span_counts(source, denoiser.noise_density, denoiser.mean_span).noise_spans;
      return mode + source + 2 * spans + (objective.random_roll ? 1 : 0) + 2;
    }
    case DenoiserKind::PrefixLM: return mode + source + 2;
    case DenoiserKind::CausalLM: return source + 1;
  }
  return 0;
}

// Sentinels and mode tokens must be ids of the dataset's vocabulary, and sentinels must be the
// tokenizer's own: otherwise examples would silently carry ordinary pieces where a sentinel belongs.
void check_vocabulary(const DenoisingSourceOptions& options, const DocumentChunks& documents) {
  const objectives::ObjectiveOptions& objective = options.objective;
  HONE_CHECK(objective.eos_id == documents.eos_id(), "the objective's EOS id is ", objective.eos_id,
             " but the dataset '", options.dataset_dir, "' was tokenized with EOS ", documents.eos_id(),
             "; use the tokenizer's EOS id");
  if (objective.use_mode_tokens) {
    for (const auto* ids : {&objective.mode_tokens.nlu, &objective.mode_tokens.nlg, &objective.mode_tokens.s2s})
      for (int32_t id : *ids)
        HONE_CHECK(id >= 0 && id < documents.vocab_size(), "mode token id ", id, " is not in the dataset's vocabulary [0, ",
                   documents.vocab_size(), ")");
  }
  if (!has_span_corruption(options.mixture)) return;
  HONE_CHECK(objective.sentinels.vocab_size == documents.vocab_size(), "sentinel ids count down from vocabulary size ",
             objective.sentinels.vocab_size, " but the dataset '", options.dataset_dir, "' has a vocabulary of ",
             documents.vocab_size(), "; set the sentinels' vocabulary size to the tokenizer's");
  namespace fs = std::filesystem;
  const std::string& tokenizer_dir = documents.tokenizer_dir();
  if (tokenizer_dir.empty() || !fs::is_regular_file(fs::path(tokenizer_dir) / kTokenizerConfigFile)) return;
  const Tokenizer tokenizer = Tokenizer::load(tokenizer_dir);
  HONE_CHECK(objective.sentinels.num_sentinels <= tokenizer.sentinel_count(), "the mixture ", options.mixture.name,
             " uses ", objective.sentinels.num_sentinels, " sentinel ids but the dataset's tokenizer '", tokenizer_dir,
             "' has ", tokenizer.sentinel_count(),
             tokenizer.sentinel_count() == 0 ? " (train one with --t5-conventions)" : "",
             "; span corruption needs the tokenizer's <extra_id_k> sentinels");
}



const char* family_name(bool encoder_decoder) { return encoder_decoder ? "encoder_decoder" : "decoder_only"; }

}  // namespace

objectives::ObjectiveOptions denoising_objective_defaults() {
  objectives::ObjectiveOptions objective;
  objective.short_documents = objectives::ShortDocuments::Skip;
  return objective;
}

DenoisingBatchSource::DenoisingBatchSource(DenoisingSourceOptions options)
    : options_(std::move(options)),
      layout_{options_.encoder_decoder, options_.objective.inputs_length, options_.objective.targets_length,
              options_.sequence_length},
      documents_(DocumentChunks::open_directory(options_.dataset_dir, options_.seed, options_.shuffle)) {
  const objectives::Mixture& mixture = options_.mixture;
  objectives::check_mixture(mixture, options_.objective);
  check_vocabulary(options_, documents_);
  for (const auto& component : mixture.components) {
    const Denoiser& denoiser = component.denoiser;
    source_lengths_.push_back(component.rate > 0.0 ? objectives::source_length(denoiser, options_.objective) : 0);
    if (component.rate <= 0.0) continue;
    HONE_CHECK(!options_.encoder_decoder || denoiser.kind != DenoiserKind::CausalLM, "the mixture ", mixture.name,
               " holds ", denoiser.name, ", which has no inputs for an encoder; train it on a decoder-only model");
    if (!options_.encoder_decoder) {
      const int64_t longest = longest_example_in_tokens(denoiser, options_.objective);
      HONE_CHECK(options_.sequence_length >= longest, "decoder-only rows of ", options_.sequence_length,
                 " tokens cannot hold the longest ", denoiser.name, " example (", longest,
                 " tokens of inputs and targets at inputs length ", options_.objective.inputs_length,
                 "); raise the sequence length to at least ", longest, " or lower the inputs length");
    }
  }
  examples_per_denoiser_.assign(mixture.components.size(), 0);
}

DenoisedExample DenoisingBatchSource::draw_example(size_t& component) {
  int64_t skipped_in_a_row = 0;
  for (;;) {
    const uint64_t index = state_.example++;
    component = objectives::sample_denoiser(options_.mixture, options_.seed, index);
    const Denoiser& denoiser = options_.mixture.components[component].denoiser;
    const std::vector<int32_t> chunk = documents_.read(state_.position, source_lengths_[component]);
    std::optional<DenoisedExample> example =
        objectives::make_denoised_example(chunk, denoiser, options_.objective, options_.seed, index);
    if (example) return std::move(*example);
    ++state_.skipped;
    // A skipped chunk always ends its document, so a whole epoch of skips means no document is usable.
    HONE_CHECK(++skipped_in_a_row <= documents_.document_count() + 1, "no document of '", options_.dataset_dir,
               "' is long enough for the mixture ", options_.mixture.name,
               " (span corruption and prefix LM need at least 2 tokens)");
  }
}


TrainingBatch DenoisingBatchSource::next(int64_t batch_size) {
  HONE_CHECK(batch_size >= 1, "batch size ", batch_size, " must be positive");
  const auto rows = fill_example_rows(
      layout_, batch_size, pending_,
      [&] {
        pending_start_ = state_;
        return draw_example(pending_component_);
      },
      [&] { ++examples_per_denoiser_[pending_component_]; });
  return example_rows_to_batch(layout_, rows);
}



nlohmann::json DenoisingBatchSource::identity() const {
  const objectives::ObjectiveOptions& objective = options_.objective;
  nlohmann::json denoisers = nlohmann::json::array();
  for (const auto& component : options_.mixture.components)
    denoisers.push_back({{"name", component.denoiser.name}, {"rate", component.rate}});
  nlohmann::json mode_tokens = nullptr;
  if (objective.use_mode_tokens)
    mode_tokens = {{"nlu", objective.mode_tokens.nlu}, {"nlg", objective.mode_tokens.nlg}, {"s2s", objective.mode_tokens.s2s}};
  return {
      {"source", "denoising"},
      {"family", family_name(options_.encoder_decoder)},
      {"mixture", options_.mixture.name},
      {"denoisers", denoisers},
      {"seed", options_.seed},
      {"shuffle", options_.shuffle},
      {"inputs_length", objective.inputs_length},
      {"targets_length", objective.targets_length},
      {"sequence_length", options_.encoder_decoder ? 0 : options_.sequence_length},
      {"eos_id", objective.eos_id},
      {"sentinels", {objective.sentinels.vocab_size, objective.sentinels.num_sentinels,
                     objective.sentinels.overflow == objectives::SentinelOverflow::Wrap ? "wrap" : "error"}},
      {"mode_tokens", mode_tokens},
      {"random_roll", objective.random_roll},
      {"short_documents", objective.short_documents == objectives::ShortDocuments::Skip ? "skip" : "error"},
      {"documents", documents_.document_count()},
      {"tokens", documents_.token_count()},
  };
}

nlohmann::json DenoisingBatchSource::save_cursor() const {
  // The pending example is not saved: its start is, and a restored source draws it again.
  const StreamState& start = pending_ ? pending_start_ : state_;
  nlohmann::json cursor = identity();
  cursor["epoch"] = start.position.epoch;
  cursor["document"] = start.position.document;
  cursor["offset"] = start.position.offset;
  cursor["example"] = start.example;
  cursor["skipped_chunks"] = start.skipped;
  return cursor;
}

void DenoisingBatchSource::restore_cursor(const nlohmann::json& cursor) {
  HONE_CHECK(cursor.is_object(), "the saved data cursor is not a JSON object: ", cursor.dump());
  // Every field that differs, so one look at the message says what changed.
  std::ostringstream mismatches;
  const nlohmann::json expected = identity();
  for (const auto& [key, value] : expected.items()) {
    HONE_CHECK(cursor.contains(key), "the saved data cursor has no '", key,
               "': it was not saved by a denoising batch source (", cursor.value("source", std::string("unknown")),
               " source)");
    if (cursor.at(key) != value)
      mismatches << (mismatches.tellp() > 0 ? "; " : "") << key << " " << cursor.at(key).dump() << " (this source: "
                 << value.dump() << ")";
  }
  HONE_CHECK(mismatches.tellp() == 0, "the saved data cursor belongs to another denoising setup: ", mismatches.str(),
             ". Resume with the same dataset, mixture, lengths, seed and model family");
  StreamState state;
  try {
    state.position = {cursor.at("epoch").get<int64_t>(), cursor.at("document").get<int64_t>(),
                      cursor.at("offset").get<int64_t>()};
    state.example = cursor.at("example").get<uint64_t>();
    state.skipped = cursor.at("skipped_chunks").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    fail("the saved data cursor is malformed: ", e.what());
  }
  documents_.check_position(state.position);
  state_ = state;
  pending_.reset();
  examples_per_denoiser_.assign(options_.mixture.components.size(), 0);
}

std::unique_ptr<BatchSource> make_denoising_batch_source(const DenoisingSourceOptions& options) {
  return std::make_unique<DenoisingBatchSource>(options);
}

int64_t longest_denoised_example(const Denoiser& denoiser, const objectives::ObjectiveOptions& objective) {
  return longest_example_in_tokens(denoiser, objective);
}

objectives::ObjectiveOptions fit_decoder_only_lengths(const objectives::Mixture& mixture,
                                                      objectives::ObjectiveOptions objective, int64_t sequence_length) {
  objective.targets_length = sequence_length;
  for (int64_t inputs = sequence_length; inputs >= 2; --inputs) {
    objective.inputs_length = inputs;
    bool fits = true;
    for (const auto& component : mixture.components) {
      if (component.rate <= 0.0) continue;
      // Lengths too short for a denoiser (no room for its mode tokens) are not a fit either.
      if (static_cast<int64_t>(objectives::mode_prefix(component.denoiser, objective).size()) + 2 >= inputs) {
        fits = false;
        break;
      }
      if (longest_example_in_tokens(component.denoiser, objective) > sequence_length) {
        fits = false;
        break;
      }
    }
    if (fits) return objective;
  }
  fail("decoder-only rows of ", sequence_length, " tokens are too short for the mixture ", mixture.name,
       "; raise [data] sequence_length");
}

}  // namespace hone
