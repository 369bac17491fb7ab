#pragma once
// Hugging Face config.json <-> ModelConfig, for the three architectures hone trains:
//   T5ForConditionalGeneration (model_type "t5": T5 v1.0, v1.1, Flan-T5, UL2),
//   LlamaForCausalLM (model_type "llama"), GPT2LMHeadModel (model_type "gpt2").
// Reading applies transformers' defaults for absent keys (a T5 v1.0 config has no feed_forward_proj, so it
// is "relu"; no tie_word_embeddings, so the head is tied) and refuses keys that would change the
// architecture in ways hone does not implement (rope_scaling, mlp_bias, ...). Writing produces a file that
// transformers loads into the same architecture; prefix_lm is kept as an extra key "prefix_lm".
#include <filesystem>
#include <nlohmann/json_fwd.hpp>

#include "model/config.h"

namespace hone {

// The config.json object for config (validated first).
nlohmann::json to_hf_config_json(const ModelConfig& config);
// Reads a config.json object; throws hone::Error naming the key and the problem. The result is validated.
ModelConfig from_hf_config_json(const nlohmann::json& json);

// path: a config.json file, or a checkpoint directory holding one.
ModelConfig read_hf_config(const std::filesystem::path& path);
// Writes config.json atomically (temporary file in the same directory, then rename).
void write_hf_config(const ModelConfig& config, const std::filesystem::path& file);

}  // namespace hone
