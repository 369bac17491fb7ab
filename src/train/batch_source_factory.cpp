#include "train/batch_source_factory.h"

#include "core/error.h"
#include "model/shape_stats.h"
#include "train/causal_batch_source.h"

namespace hone {

std::unique_ptr<BatchSource> make_batch_source(const PretrainRecipe& recipe, const ModelConfig& model,
                                               BatchSourceRole role) {
  const std::string& name = recipe.objective.name;
  const std::string& dataset = role == BatchSourceRole::Train ? recipe.data.train : recipe.data.eval;
  HONE_CHECK(!dataset.empty(), "no ", role == BatchSourceRole::Train ? "training" : "held-out",
             " dataset: set [data] ", role == BatchSourceRole::Train ? "train" : "eval");
  if (name != "causal") {
    fail("objective ", name, ": not available yet (the denoising batch sources are not wired into the trainer); "
         "use objective.name = \"causal\" with a decoder-only model");
  }
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
