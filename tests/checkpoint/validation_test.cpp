// Loading refuses what does not fit, naming every problem in one message, and converts BF16/F16 weights.
#include <gtest/gtest.h>

#include <fstream>

#include "backend/elementwise.h"
#include "checkpoint/checkpoint_testing.h"
#include "core/safetensors.h"
#include "train/checkpoint.h"

namespace hone::testing {
namespace {

namespace fs = std::filesystem;

std::string load_error(const fs::path& dir, ParameterStore& params) {
  try {
    load_weights(dir, params);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

// The model's tensors as a Hugging Face file would hold them.
NamedTensors weights_of(const ParameterStore& params) {
  NamedTensors out;
  for (const Parameter& p : params.all()) out.emplace_back(p.name, p.value);
  return out;
}

TEST(CheckpointValidation, NamesEveryMissingUnexpectedAndMisShapedTensor) {
  const ModelConfig config = tiny_t5_config(true);
  EncoderDecoderModel model(encoder_decoder_config(config));
  model.initialize(1);
  ScratchDir scratch("validation");
  const fs::path dir = scratch / "ckpt";
  save_checkpoint(dir, model.params(), config);

  NamedTensors broken;
  for (auto& [name, t] : weights_of(model.params())) {
    if (name == "decoder.block.1.layer.2.DenseReluDense.wo.weight" || name == "encoder.final_layer_norm.weight")
      continue;  // missing
    if (name == "shared.weight") {
      broken.emplace_back(name, Tensor::zeros({100, 16}));  // wrong shape
      continue;
    }
    broken.emplace_back(name, t);
  }
  broken.emplace_back("decoder.block.7.layer.0.SelfAttention.q.weight", Tensor::zeros({16, 16}));  // unexpected
  broken.emplace_back("encoder.block.0.layer.0.SelfAttention.k.bias", Tensor::zeros({16}, DType::I32));
  write_safetensors((dir / "model.safetensors").string(), broken);

  EncoderDecoderModel target(encoder_decoder_config(config));
  target.initialize(7);
  Tensor before = clone(target.params().values());
  const std::string message = load_error(dir, target.params());
  expect_contains(message, "missing: decoder.block.1.layer.2.DenseReluDense.wo.weight, encoder.final_layer_norm.weight");
  expect_contains(message, "unexpected: decoder.block.7.layer.0.SelfAttention.q.weight, "
                           "encoder.block.0.layer.0.SelfAttention.k.bias");
  expect_contains(message, "wrong shape: shared.weight is [100, 16], expected [40, 16]");
  // Nothing was copied: a refused load leaves the model as it was.
  EXPECT_TRUE(same_bytes(target.params().values(), before));
}

TEST(CheckpointValidation, IntegerTensorUnderAKnownNameIsRefused) {
  const ModelConfig config = tiny_llama_config();
  DecoderOnlyModel model(config);
  model.initialize(1);
  ScratchDir scratch("dtype");
  save_checkpoint(scratch / "ckpt", model.params(), config);
  NamedTensors weights = weights_of(model.params());
  weights[0].second = Tensor::zeros(weights[0].second.shape(), DType::I16);
  write_safetensors((scratch / "ckpt" / "model.safetensors").string(), weights);
  expect_contains(load_error(scratch / "ckpt", model.params()),
                  "not a BF16/F16/F32/F64 tensor: " + weights[0].first + " is I16");
}

TEST(CheckpointValidation, CorruptWeightsAndUnreadableConfigAreClearErrors) {
  const ModelConfig config = tiny_llama_config();
  DecoderOnlyModel model(config);
  model.initialize(1);
  ScratchDir scratch("corrupt");
  const fs::path dir = scratch / "ckpt";
  save_checkpoint(dir, model.params(), config);

  // Truncated weights: the safetensors reader's message, prefixed with what was being loaded.
  const fs::path weights = dir / "model.safetensors";
  fs::resize_file(weights, fs::file_size(weights) - 10);
  std::string message = load_error(dir, model.params());
  expect_contains(message, "checkpoint weights are unreadable");
  expect_contains(message, "model.safetensors");

  save_checkpoint(dir, model.params(), config);
  std::ofstream(dir / "config.json") << "{\"model_type\": \"llama\", ";  // cut off
  try {
    load_checkpoint_config(dir);
    FAIL() << "a truncated config.json was accepted";
  } catch (const Error& e) {
    expect_contains(e.what(), "is not valid JSON");
  }
  fs::remove(dir / "config.json");
  try {
    load_checkpoint_config(dir);
    FAIL() << "a missing config.json was accepted";
  } catch (const Error& e) {
    expect_contains(e.what(), "cannot read model config");
  }
  // The weights loader needs the config for the name mapping, so it fails the same way.
  expect_contains(load_error(dir, model.params()), "cannot read model config");
}

TEST(CheckpointValidation, PickleAndShardedCheckpointsAreRefusedWithAWayOut) {
  const ModelConfig config = tiny_llama_config();
  DecoderOnlyModel model(config);
  model.initialize(1);
  ScratchDir scratch("pickle");
  std::ofstream(scratch / "pytorch_model.bin") << "not a pickle";
  std::string message = load_error(scratch.path(), model.params());
  expect_contains(message, "pytorch_model.bin, which hone does not load");
  expect_contains(message, "safe_serialization=True");
  std::ofstream(scratch / "model.safetensors.index.json") << "{}";
  expect_contains(load_error(scratch.path(), model.params()), "sharded checkpoint");
  expect_contains(load_error(scratch / "nowhere", model.params()), "does not exist");
}

TEST(CheckpointValidation, Bf16AndF16WeightsLoadIntoF32) {
  const ModelConfig config = tiny_llama_config();
  DecoderOnlyModel model(config);
  model.initialize(1);
  for (DType stored : {DType::BF16, DType::F16}) {
    ScratchDir scratch("bf16");
    save_checkpoint(scratch / "ckpt", model.params(), config);
    NamedTensors low;
    for (auto& [name, t] : weights_of(model.params())) low.emplace_back(name, clone_as(t, stored));
    write_safetensors((scratch / "ckpt" / "model.safetensors").string(), low);

    DecoderOnlyModel restored(config);
    load_weights(scratch / "ckpt", restored.params());
    for (size_t i = 0; i < low.size(); ++i) {
      const Parameter& p = restored.params().get(low[i].first);
      ASSERT_EQ(p.value.dtype(), DType::F32);
      // Exactly the rounded values, widened.
      EXPECT_TRUE(same_bytes(p.value, clone_as(low[i].second, DType::F32))) << low[i].first;
      // ... which are close to the originals but not all equal to them.
      EXPECT_LT(max_relative_error(p.value, model.params().get(low[i].first).value), 1e-2);
    }
    EXPECT_FALSE(same_bytes(restored.params().values(), model.params().values()));
  }
}

TEST(CheckpointValidation, T5AliasesThatTransformersIgnoresAreSkipped) {
  const ModelConfig config = tiny_t5_config(false);  // tied
  EncoderDecoderModel model(encoder_decoder_config(config));
  model.initialize(1);
  ScratchDir scratch("aliases");
  save_checkpoint(scratch / "ckpt", model.params(), config);
  NamedTensors weights = weights_of(model.params());
  const Tensor shared = model.params().get("shared.weight").value;
  for (const char* alias : {"encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "lm_head.weight"})
    weights.emplace_back(alias, shared);
  write_safetensors((scratch / "ckpt" / "model.safetensors").string(), weights);
  EncoderDecoderModel restored(encoder_decoder_config(config));
  load_weights(scratch / "ckpt", restored.params());
  EXPECT_TRUE(same_bytes(restored.params().values(), model.params().values()));
  // With the identity mapping the same names are unexpected.
  try {
    load_weights(scratch / "ckpt", restored.params(), identity_mapping());
    FAIL() << "aliases accepted by the identity mapping";
  } catch (const Error& e) {
    expect_contains(e.what(), "unexpected: decoder.embed_tokens.weight, encoder.embed_tokens.weight, lm_head.weight");
  }
}

}  // namespace
}  // namespace hone::testing
