// Hugging Face interop: a directory written by a PyTorch script in Hugging Face layout (config.json as
// transformers writes it, model.safetensors with state-dict names) loads as `--init` weights and gives the
// reference's logits; `hone export` writes such a directory from a checkpoint.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "checkpoint/checkpoint_testing.h"
#include "core/arena.h"
#include "core/safetensors.h"
#include "support/run_command.h"
#include "support/torch_reference.h"
#include "train/adamw.h"
#include "train/checkpoint.h"

namespace hone::testing {
namespace {

namespace fs = std::filesystem;

nlohmann::json reference_config(const ModelConfig& c, const fs::path& dir, const char* dtype) {
  nlohmann::json j = {{"dir", dir.string()},
                      {"dtype", dtype},
                      {"seed", 5},
                      {"vocab_size", c.vocab_size},
                      {"d_model", c.d_model},
                      {"d_ff", c.d_ff},
                      {"n_heads", c.n_heads},
                      {"d_kv", c.d_kv},
                      {"n_kv_heads", c.n_kv_heads},
                      {"norm_eps", c.norm_eps},
                      {"tie_embeddings", c.tie_embeddings}};
  if (c.style == ModelStyle::T5) {
    j["kind"] = "t5";
    j["n_encoder_layers"] = c.n_encoder_layers;
    j["n_decoder_layers"] = c.n_decoder_layers;
    j["relative_attention_num_buckets"] = c.relative_attention_num_buckets;
    j["relative_attention_max_distance"] = c.relative_attention_max_distance;
    j["gated"] = c.gated;
    j["activation"] = c.activation == Activation::GeluTanh ? "gelu_new" : "relu";
  } else if (c.style == ModelStyle::GPT2) {
    j["kind"] = "gpt2";
    j["n_layers"] = c.n_decoder_layers;
    j["max_positions"] = c.max_positions;
  } else {
    j["kind"] = "llama";
    j["n_layers"] = c.n_decoder_layers;
    j["rope_theta"] = c.rope_theta;
  }
  return j;
}

TEST(HuggingFaceInterop, T5DirectoryFromPyTorchGivesTheReferenceLogits) {
  for (bool v1_1 : {true, false}) {
    for (const char* dtype : {"F32", "BF16"}) {
      const ModelConfig wanted = tiny_t5_config(v1_1);
      ScratchDir scratch("hf_t5");
      const fs::path dir = scratch / "hf";
      Tensor encoder_tokens = random_ints({2, 7}, 11, wanted.vocab_size);
      Tensor decoder_tokens = random_ints({2, 5}, 12, wanted.vocab_size);
      TensorMap out = torch_reference("checkpoint_ref", "write_hf_directory",
                                      {{"encoder_input_tokens", encoder_tokens}, {"decoder_input_tokens", decoder_tokens}},
                                      reference_config(wanted, dir, dtype));
      ModelConfig config = load_checkpoint_config(dir);
      EXPECT_EQ(config.d_model, wanted.d_model);
      EXPECT_EQ(config.gated, wanted.gated);
      EXPECT_EQ(config.tie_embeddings, wanted.tie_embeddings);
      EncoderDecoderModel model(encoder_decoder_config(config));
      load_weights(dir, model.params());
      Arena arena;
      Tensor logits = model.logits(arena, encoder_tokens, decoder_tokens);
      const double error = max_relative_error(logits, out.at("logits"));
      EXPECT_LE(error, 1e-5) << "v1_1 " << v1_1 << " " << dtype;
      std::printf("[          ] T5 v1_%d %s logits relative error %.3g\n", v1_1 ? 1 : 0, dtype, error);
    }
  }
}

TEST(HuggingFaceInterop, LlamaDirectoryFromPyTorchGivesTheReferenceLogits) {
  for (bool tied : {false, true}) {
    for (const char* dtype : {"F32", "BF16"}) {
      const ModelConfig wanted = tiny_llama_config(tied);
      ScratchDir scratch("hf_llama");
      const fs::path dir = scratch / "hf";
      Tensor tokens = random_ints({2, 9}, 13, wanted.vocab_size);
      TensorMap out = torch_reference("checkpoint_ref", "write_hf_directory", {{"tokens", tokens}},
                                      reference_config(wanted, dir, dtype));
      ModelConfig config = load_checkpoint_config(dir);
      EXPECT_EQ(config.n_kv_heads, wanted.n_kv_heads);
      EXPECT_EQ(config.tie_embeddings, tied);
      DecoderOnlyModel model(config);
      load_weights(dir, model.params());
      Arena arena;
      Tensor logits = model.logits(arena, tokens);
      const double error = max_relative_error(logits, out.at("logits"));
      EXPECT_LE(error, 1e-5) << "tied " << tied << " " << dtype;
      std::printf("[          ] Llama tied=%d %s logits relative error %.3g\n", tied ? 1 : 0, dtype, error);
    }
  }
}

// The layout of the hub's gpt2 file: Conv1D weights, fused c_attn, no "transformer." prefix, mask buffers.
TEST(HuggingFaceInterop, Gpt2DirectoryFromPyTorchGivesTheReferenceLogits) {
  ModelConfig wanted = style_defaults(ModelStyle::GPT2);
  wanted.vocab_size = 50;
  wanted.d_model = 16;
  wanted.d_ff = 64;
  wanted.n_heads = 4;
  wanted.d_kv = 4;
  wanted.n_kv_heads = 4;
  wanted.n_decoder_layers = 2;
  wanted.max_positions = 32;
  ScratchDir scratch("hf_gpt2");
  const fs::path dir = scratch / "hf";
  Tensor tokens = random_ints({2, 9}, 17, wanted.vocab_size);
  TensorMap out = torch_reference("checkpoint_ref", "write_hf_directory", {{"tokens", tokens}},
                                  reference_config(wanted, dir, "F32"));
  const ModelConfig config = load_checkpoint_config(dir);
  ASSERT_EQ(config.style, ModelStyle::GPT2);
  LanguageModel model = load_language_model(dir);
  Arena arena;
  Tensor logits = model.decoder_only().logits(arena, tokens);
  const double error = max_relative_error(logits, out.at("logits"));
  EXPECT_LE(error, 1e-5);
  std::printf("[          ] GPT-2 logits relative error %.3g\n", error);

  // Saved by hone in the Hugging Face layout (c_attn fused), loaded back bit for bit.
  save_checkpoint(scratch / "ckpt", model.params(), config);
  SafetensorsFile saved = SafetensorsFile::open((scratch / "ckpt" / "model.safetensors").string());
  EXPECT_EQ(saved.get("transformer.h.0.attn.c_attn.weight").shape(), (Shape{16, 48}));
  EXPECT_EQ(saved.get("transformer.h.1.mlp.c_fc.weight").shape(), (Shape{16, 64}));
  LanguageModel restored = load_language_model(scratch / "ckpt");
  EXPECT_TRUE(same_bytes(restored.params().values(), model.params().values()));

  // A mis-shaped fused tensor is named.
  ModelConfig wider = config;
  wider.d_ff = 32;
  LanguageModel other(wider);
  try {
    load_weights(dir, other.params());
    FAIL() << "a d_ff mismatch must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("transformer.h.0.mlp.c_fc.weight"), std::string::npos) << e.what();
  }
}

TEST(HuggingFaceInterop, ExportWritesAHuggingFaceDirectory) {
  const ModelConfig config = tiny_t5_config(true);
  EncoderDecoderModel model(encoder_decoder_config(config));
  model.initialize(3);
  AdamW optimizer(model.params(), {});
  ScratchDir scratch("export");
  fs::create_directories(scratch / "tok");
  std::ofstream(scratch / "tok" / "tokenizer.model") << "sentencepiece bytes";
  std::ofstream(scratch / "tok" / "tokenizer.json") << "{}";
  save_checkpoint(scratch / "ckpt", model.params(), config,
                  {.optimizer = optimizer_state(optimizer), .trainer = TrainerState{}, .tokenizer_dir = scratch / "tok"});

  CommandResult r = run_command(hone_binary() + " export --checkpoint " + (scratch / "ckpt").string() + " --out " +
                                (scratch / "hf").string() + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(scratch / "hf")) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"config.json", "model.safetensors", "spiece.model", "tokenizer.model"}));
  EXPECT_EQ(load_checkpoint_config(scratch / "hf"), config);
  SafetensorsFile weights = SafetensorsFile::open((scratch / "hf" / "model.safetensors").string());
  EXPECT_EQ(weights.metadata().at("format"), "pt");
  EXPECT_EQ(weights.names().size(), model.params().all().size());
  EncoderDecoderModel restored(encoder_decoder_config(config));
  load_weights(scratch / "hf", restored.params());
  EXPECT_TRUE(same_bytes(restored.params().values(), model.params().values()));

  CommandResult missing = run_command(hone_binary() + " export --checkpoint " + (scratch / "nothing").string() +
                                      " --out " + (scratch / "hf2").string() + " 2>&1");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("cannot read model config"), std::string::npos) << missing.output;
  EXPECT_FALSE(fs::exists(scratch / "hf2"));
}

}  // namespace
}  // namespace hone::testing
