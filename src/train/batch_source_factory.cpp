#include "train/batch_source_factory.h"

#include "core/error.h"
#include "model/shape_stats.h"
#include "data/document_chunks.h"
#include "objectives/mixture.h"
#include "objectives/tokenizer_mode_tokens.h"
#include "tokenize/tokenizer.h"
#include "train/causal_batch_source.h"
#include "train/denoising_batch_source.h"
#include "train/instruction_batch_source.h"

namespace hone {
namespace {

// The tokenizer a run uses: [data] tokenizer, else the one the dataset was tokenized with.
std::string tokenizer_of(const PretrainRecipe& recipe, const std::string& dataset) {
  if (!recipe.data.tokenizer.empty()) return recipe.data.tokenizer;
  const DocumentChunks data = DocumentChunks::open_directory(dataset, 0, false);
  HONE_CHECK(!data.tokenizer_dir().empty(), "dataset '", dataset, "' names no tokenizer; set [data] tokenizer");
  return data.tokenizer_dir();
}

std::unique_ptr<BatchSource> denoising_source(const PretrainRecipe& recipe, const ModelConfig& model,
                                              const std::string& dataset, BatchSourceRole role) {
  const RecipeObjective& o = recipe.objective;
  DenoisingSourceOptions options;
  options.dataset_dir = dataset;
  options.mixture = objectives::mixture_preset(o.name);
  if (!o.rates.empty()) objectives::set_mixture_rates(options.mixture, o.rates);
  options.encoder_decoder = model.is_encoder_decoder();
  options.seed = recipe.train.seed;
  options.shuffle = role == BatchSourceRole::Train && recipe.data.shuffle;

  const Tokenizer tokenizer = Tokenizer::load(tokenizer_of(recipe, dataset));
  objectives::ObjectiveOptions& objective = options.objective;
  objective.eos_id = tokenizer.eos_id();
  objective.sentinels.vocab_size = tokenizer.vocab_size();
  objective.sentinels.num_sentinels = tokenizer.sentinel_count();
  objective.sentinels.overflow =
      o.sentinel_overflow == "wrap" ? objectives::SentinelOverflow::Wrap : objectives::SentinelOverflow::Error;
  objective.use_mode_tokens = o.mode_tokens != "none" && o.name != "t5";
  if (objective.use_mode_tokens) objective.mode_tokens = objectives::mode_tokens_for(o.mode_tokens, tokenizer_of(recipe, dataset));
  HONE_CHECK(tokenizer.vocab_size() <= model.vocab_size, "the tokenizer has ", tokenizer.vocab_size(),
             " ids but the model's vocab_size is ", model.vocab_size);
  if (options.encoder_decoder) {
    objective.inputs_length = o.inputs_length;
    objective.targets_length = o.targets_length;
    validate_batch_shape(model, BatchShape{recipe.data.batch_size, o.inputs_length, o.targets_length});
  } else {
    // Decoder-only rows (prefix LM, as U-PaLM): the longest inputs at which every example fits a row.
    options.sequence_length = recipe.data.sequence_length;
    objective = fit_decoder_only_lengths(options.mixture, objective, recipe.data.sequence_length);
    validate_batch_shape(model, BatchShape{recipe.data.batch_size, 0, recipe.data.sequence_length});
  }
  return make_denoising_batch_source(options);
}

std::unique_ptr<BatchSource> instruction_source(const PretrainRecipe& recipe, const ModelConfig& model,
                                                BatchSourceRole role) {
  const RecipeFlan& f = recipe.flan;
  InstructionSourceOptions options;
  for (const std::string& task : f.tasks) options.mixture.tasks.push_back({task, 1.0});
  options.mixture.held_out_clusters = f.held_out_clusters;
  options.mixture.cap = f.cap;
  options.mixture.zero_shot = f.zero_shot;
  options.mixture.few_shot = f.few_shot;
  options.mixture.chain_of_thought = f.chain_of_thought;
  options.mixture.shots = f.shots;
  options.mixture.split_seed = f.split_seed;
  // Held-out batches come from another seed of the same mixture (different examples and renderings).
  options.mixture.seed = recipe.train.seed + (role == BatchSourceRole::Eval ? 1 : 0);
  HONE_CHECK(!recipe.data.tokenizer.empty() || !recipe.data.train.empty(), "objective flan needs [data] tokenizer");
  options.tokenizer_dir = recipe.data.tokenizer.empty() ? tokenizer_of(recipe, recipe.data.train) : recipe.data.tokenizer;
  if (model.is_encoder_decoder()) {
    options.layout = {true, recipe.objective.inputs_length, recipe.objective.targets_length, 0, true};
    validate_batch_shape(model, BatchShape{recipe.data.batch_size, recipe.objective.inputs_length, recipe.objective.targets_length});
  } else {
    options.layout = {false, 0, 0, recipe.data.sequence_length, f.prefix_attention};
    validate_batch_shape(model, BatchShape{recipe.data.batch_size, 0, recipe.data.sequence_length});
  }
  auto source = std::make_unique<InstructionBatchSource>(options);
  const Tokenizer tokenizer = Tokenizer::load(options.tokenizer_dir);
  HONE_CHECK(tokenizer.vocab_size() <= model.vocab_size, "the tokenizer has ", tokenizer.vocab_size(),
             " ids but the model's vocab_size is ", model.vocab_size);
  return source;
}

}  // namespace

std::unique_ptr<BatchSource> make_batch_source(const PretrainRecipe& recipe, const ModelConfig& model,
                                               BatchSourceRole role) {
  const std::string& name = recipe.objective.name;
  const std::string& dataset = role == BatchSourceRole::Train ? recipe.data.train : recipe.data.eval;
  if (name == "flan") return instruction_source(recipe, model, role);
  HONE_CHECK(!dataset.empty(), "no ", role == BatchSourceRole::Train ? "training" : "held-out",
             " dataset: set [data] ", role == BatchSourceRole::Train ? "train" : "eval");
  if (name != "causal") return denoising_source(recipe, model, dataset, role);
  HONE_CHECK(!model.is_encoder_decoder(), "objective causal trains decoder-only models; this model is ",
             describe(model), ": use objective t5, ul2 or ul2r for an encoder-decoder");
  validate_batch_shape(model, BatchShape{recipe.data.batch_size, 0, recipe.data.sequence_length});

  CausalBatchSourceOptions options;
  options.dataset_dir = dataset;
  options.sequence_length = recipe.data.sequence_length;
  options.seed = recipe.train.seed;
  options.shuffle = role == BatchSourceRole::Train && recipe.data.shuffle;
  options.segment_masks = recipe.data.segment_masks;
  options.prefix = model.prefix_lm;
  auto source = std::make_unique<CausalBatchSource>(options);
  const int64_t vocab = source->dataset().vocab_size();
  HONE_CHECK(vocab <= model.vocab_size, "dataset '", dataset, "' has a vocabulary of ", vocab,
             " tokens but the model's vocab_size is ", model.vocab_size, ": set [model] vocab_size = ", vocab,
             " (or more)");
  return source;
}

}  // namespace hone
