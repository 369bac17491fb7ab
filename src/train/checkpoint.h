#pragma once
// Checkpoint directories. A checkpoint is a directory holding
//   model.safetensors      the weights under Hugging Face names (metadata format=pt, as transformers wants)
//   config.json            the Hugging Face config (model/hf_config.h)
//   optimizer.safetensors  optimizer state, per parameter ("exp_avg.<name>", ...), when given
//   trainer_state.json     step, tokens seen, data cursor, RNG, schedule, pretraining FLOPs, when given
//   tokenizer.model, tokenizer.json (and spiece.model for T5, the name transformers' T5Tokenizer loads)
//                          copied from a tokenizer directory, when given
//
// Saving replaces the whole directory atomically: everything is written into <dir>.tmp-<pid> next to it
// and fsync'd (files and directory); then <dir> is renamed to <dir>.old, the new one to <dir>, the parent
// directory fsync'd and <dir>.old removed. A crash (kill -9, power loss) at any moment therefore leaves
// either <dir> complete, or no <dir> but a complete <dir>.old; recover_checkpoint() (called by every save
// and load) restores <dir>.old in that case, removes a stale <dir>.old next to a complete <dir>, and
// removes leftover <dir>.tmp-<pid> directories of processes that no longer run.
//
// Loading validates everything before touching the model: missing, unexpected and mis-shaped tensors are
// all named in one error. Floating-point tensors of any width (BF16, F16, F32, F64) are converted to the
// parameter dtype. A WeightMapping translates between Hugging Face names/layouts and the model's own
// parameters; for T5 and Llama the names are the same (the mapping only skips known aliases).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"
#include "model/language_model.h"
#include "nn/parameter.h"

namespace hone {

class AdamW;
class Adafactor;

inline constexpr const char* kModelWeightsFile = "model.safetensors";
inline constexpr const char* kModelConfigFile = "config.json";
inline constexpr const char* kOptimizerStateFile = "optimizer.safetensors";
inline constexpr const char* kTrainerStateFile = "trainer_state.json";

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Translation between the names/layouts of a Hugging Face state dict and the parameters of a model.
struct WeightMapping {
  // A tensor of the model -> its Hugging Face name and tensor (may be a strided view, e.g. a transpose).
  std::function<std::pair<std::string, Tensor>(const std::string& name, const Tensor& value)> to_hf;
  // A tensor of a Hugging Face file -> the model's name and tensor, or nullopt for a tensor the model does
  // not need (a tied alias, a non-persistent buffer saved by old transformers versions).
  std::function<std::optional<std::pair<std::string, Tensor>>(const std::string& hf_name, const Tensor& value)>
      from_hf;
};

// Names and tensors unchanged, nothing skipped.
WeightMapping identity_mapping();
// The mapping of a config's style: T5 and Llama use the Hugging Face names directly and skip the aliases
// transformers itself ignores (T5's encoder/decoder.embed_tokens.weight, a tied lm_head.weight, Llama's
// rotary_emb.inv_freq buffers). For GPT-2 it only normalises names (adds the "transformer." prefix that
// files saved from GPT2Model lack, skips mask buffers and a tied head): save_checkpoint and load_weights
// convert the Conv1D / fused c_attn layout for the whole state (model/hf_weights.h) when no mapping is given.
WeightMapping weight_mapping_for(const ModelConfig& config);

struct OptimizerState {
  std::string kind;  // "adamw" or "adafactor"
  int64_t steps = 0;
  NamedTensors tensors;  // per-parameter views, as the optimizer's state_tensors() gives them
};
OptimizerState optimizer_state(const AdamW& optimizer);
OptimizerState optimizer_state(const Adafactor& optimizer);

struct TrainerState {
  int64_t step = 0;
  int64_t tokens_seen = 0;
  nlohmann::json data_cursor;      // PackedDataset::save_cursor(); null when there is none
  uint64_t seed = 0;               // the run's seed (Philox key)
  nlohmann::json rng;              // Philox stream counters in use, e.g. {"dropout": 1234}
  nlohmann::json schedule;         // schedule kind and parameters, e.g. the WarmupCosineSchedule fields
  double pretraining_flops = 0.0;  // FLOPs of the original pretraining (UL2R continuation budgets)
  nlohmann::json extra;            // anything else a trainer wants back
  bool operator==(const TrainerState&) const = default;
};
nlohmann::json to_json(const TrainerState& state);
TrainerState trainer_state_from_json(const nlohmann::json& json);

struct CheckpointContents {
  std::optional<OptimizerState> optimizer{};
  std::optional<TrainerState> trainer{};
  std::filesystem::path tokenizer_dir{};   // empty: no tokenizer files
  std::optional<WeightMapping> mapping{};  // unset: weight_mapping_for(config)
};

// Writes the checkpoint directory atomically (see above). Throws hone::Error on failure (disk full, ...),
// leaving the previous checkpoint at dir untouched and no temporary directory behind.
void save_checkpoint(const std::filesystem::path& dir, const ParameterStore& params, const ModelConfig& config,
                     const CheckpointContents& contents = {});

// Finishes or undoes an interrupted save of dir (see above). Safe to call at any time no save of dir runs.
void recover_checkpoint(const std::filesystem::path& dir);

// config.json of a hone checkpoint or a Hugging Face model directory.
ModelConfig load_checkpoint_config(const std::filesystem::path& dir);
// Loads model.safetensors of a hone checkpoint or a Hugging Face directory (`--init DIR`) into params,
// converting dtypes. All problems (missing / unexpected / wrong shape / non-float tensors) in one Error;
// params are untouched then. pytorch_model.bin and sharded (*.index.json) checkpoints are refused with a
// message saying how to convert them.
void load_weights(const std::filesystem::path& dir, ParameterStore& params,
                  const std::optional<WeightMapping>& mapping = std::nullopt);
// The model of a checkpoint or Hugging Face directory: load_checkpoint_config, then load_weights.
LanguageModel load_language_model(const std::filesystem::path& dir);
// Restores optimizer.safetensors into an optimizer built over the same parameters (same validation).
void load_optimizer_state(const std::filesystem::path& dir, AdamW& optimizer);
void load_optimizer_state(const std::filesystem::path& dir, Adafactor& optimizer);
TrainerState load_trainer_state(const std::filesystem::path& dir);

// `hone export`: a Hugging Face directory (config.json, model.safetensors, tokenizer.model and for T5
// spiece.model when the checkpoint has a tokenizer) from a hone checkpoint, written atomically like a
// checkpoint. Optimizer and trainer state stay behind; so does hone's tokenizer.json, whose format is not
// transformers' tokenizer.json.
void export_hf_directory(const std::filesystem::path& checkpoint_dir, const std::filesystem::path& out_dir);

}  // namespace hone
