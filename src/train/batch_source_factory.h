#pragma once
// The BatchSource a recipe's [objective] and [data] sections ask for, for a model config.
#include <memory>
#include <string>

#include "model/config.h"
#include "train/batch_source.h"
#include "train/recipe.h"

namespace hone {

enum class BatchSourceRole {
  Train,  // data.train, shuffled as data.shuffle says
  Eval,   // data.eval, in shard order (the same held-out windows at every evaluation)
};

// "causal" for decoder-only models. Throws hone::Error for an objective or model family that has no
// source yet, and when the dataset's vocabulary does not fit the model.
std::unique_ptr<BatchSource> make_batch_source(const PretrainRecipe& recipe, const ModelConfig& model,
                                               BatchSourceRole role = BatchSourceRole::Train);

}  // namespace hone
