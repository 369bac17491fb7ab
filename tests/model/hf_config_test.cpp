// Hugging Face config.json: real configs of each family read into the right shapes (and parameter
// counts), every preset round-trips through JSON and through a file, bad files fail clearly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/hf_config.h"
#include "model/presets.h"
#include "model/shape_stats.h"

namespace hone {
namespace {

using Json = nlohmann::json;

// A fresh directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("hone_hf_config_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// google/t5-v1_1-base config.json.
const char* kT5V11Base = R"({
  "architectures": ["T5ForConditionalGeneration"],
  "d_ff": 2048, "d_kv": 64, "d_model": 768, "decoder_start_token_id": 0, "dropout_rate": 0.1,
  "eos_token_id": 1, "feed_forward_proj": "gated-gelu", "initializer_factor": 1.0, "is_encoder_decoder": true,
  "layer_norm_epsilon": 1e-06, "model_type": "t5", "num_decoder_layers": 12, "num_heads": 12, "num_layers": 12,
  "output_past": true, "pad_token_id": 0, "relative_attention_num_buckets": 32, "tie_word_embeddings": false,
  "vocab_size": 32128
})";

// google-t5/t5-small config.json (v1.0: no feed_forward_proj, no tie_word_embeddings, no num_decoder_layers).
const char* kT5Small = R"({
  "architectures": ["T5ForConditionalGeneration"], "d_ff": 2048, "d_kv": 64, "d_model": 512,
  "decoder_start_token_id": 0, "dropout_rate": 0.1, "eos_token_id": 1, "initializer_factor": 1.0,
  "is_encoder_decoder": true, "layer_norm_epsilon": 1e-06, "model_type": "t5", "n_positions": 512,
  "num_heads": 8, "num_layers": 6, "output_past": true, "pad_token_id": 0, "relative_attention_num_buckets": 32,
  "task_specific_params": {"summarization": {"early_stopping": true, "prefix": "summarize: "}},
  "vocab_size": 32128
})";

// meta-llama/Llama-2-7b-hf config.json.
const char* kLlama2 = R"({
  "architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
  "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 11008, "max_position_embeddings": 4096,
  "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
  "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "tie_word_embeddings": false,
  "torch_dtype": "float16", "transformers_version": "4.31.0.dev0", "use_cache": true, "vocab_size": 32000
})";

// TinyLlama/TinyLlama-1.1B config.json (grouped-query attention).
const char* kTinyLlama = R"({
  "architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
  "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 5632, "max_position_embeddings": 2048,
  "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 22, "num_key_value_heads": 4,
  "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000.0, "tie_word_embeddings": false,
  "vocab_size": 32000
})";

// openai-community/gpt2 config.json (n_inner absent: 4 * n_embd).
const char* kGpt2 = R"({
  "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1, "bos_token_id": 50256,
  "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02, "layer_norm_epsilon": 1e-05,
  "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12, "n_positions": 1024,
  "resid_pdrop": 0.1, "summary_activation": null, "summary_first_dropout": 0.1, "summary_proj_to_labels": true,
  "summary_type": "cls_index", "summary_use_proj": true,
  "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}}, "vocab_size": 50257
})";

TEST(HfConfig, ReadsT5V11) {
  ModelConfig c = from_hf_config_json(Json::parse(kT5V11Base));
  EXPECT_EQ(c, preset_config("t5-v1_1-base"));
  EXPECT_EQ(c.family, ModelFamily::EncoderDecoder);
  EXPECT_TRUE(c.gated);
  EXPECT_EQ(c.activation, Activation::GeluTanh);  // "gated-gelu" is gelu_new
  EXPECT_FALSE(c.tie_embeddings);
  EXPECT_EQ(c.relative_attention_max_distance, 128);  // absent: transformers' default
  EXPECT_EQ(count_parameters(c).total, 247'577'856);
}

TEST(HfConfig, ReadsT5V10WithTransformersDefaults) {
  ModelConfig c = from_hf_config_json(Json::parse(kT5Small));
  EXPECT_EQ(c, preset_config("t5-small"));
  EXPECT_FALSE(c.gated);
  EXPECT_EQ(c.activation, Activation::ReLU);
  EXPECT_TRUE(c.tie_embeddings);
  EXPECT_EQ(c.n_decoder_layers, 6);  // num_decoder_layers defaults to num_layers
  EXPECT_EQ(count_parameters(c).total, 60'506'624);
}

TEST(HfConfig, ReadsT5FeedForwardVariants) {
  Json j = Json::parse(kT5V11Base);
  j["feed_forward_proj"] = "gated-silu";
  ModelConfig c = from_hf_config_json(j);
  EXPECT_TRUE(c.gated);
  EXPECT_EQ(c.activation, Activation::SiLU);
  j["feed_forward_proj"] = "gelu";
  c = from_hf_config_json(j);
  EXPECT_FALSE(c.gated);
  EXPECT_EQ(c.activation, Activation::GeluErf);  // plain "gelu" is the exact GELU
  j["feed_forward_proj"] = "gated-gelu-new";
  EXPECT_NE(error_of([&] { from_hf_config_json(j); }).find("'feed_forward_proj' = \"gated-gelu-new\" is not supported"),
            std::string::npos);
  j["feed_forward_proj"] = "gated-swiglu";
  EXPECT_NE(error_of([&] { from_hf_config_json(j); }).find("activation 'swiglu'"), std::string::npos);
}

TEST(HfConfig, ReadsLlama) {
  ModelConfig c = from_hf_config_json(Json::parse(kLlama2));
  EXPECT_EQ(c.style, ModelStyle::Llama);
  EXPECT_EQ(c.family, ModelFamily::DecoderOnly);
  EXPECT_EQ(c.d_model, 4096);
  EXPECT_EQ(c.d_kv, 128);
  EXPECT_EQ(c.n_kv_heads, 32);
  EXPECT_EQ(c.max_positions, 4096);
  EXPECT_DOUBLE_EQ(c.norm_eps, 1e-5);
  EXPECT_EQ(c.activation, Activation::SiLU);
  EXPECT_TRUE(c.gated);
  EXPECT_EQ(c.pad_token_id, -1);
  EXPECT_EQ(count_parameters(c).total, 6'738'415'616);  // Llama-2-7b

  ModelConfig tiny = from_hf_config_json(Json::parse(kTinyLlama));
  EXPECT_EQ(tiny.n_kv_heads, 4);
  EXPECT_EQ(tiny.d_key_value(), 256);
  EXPECT_EQ(count_parameters(tiny).total, 1'100'048'384);  // TinyLlama-1.1B
}

TEST(HfConfig, ReadsLlamaHeadDimAndEosList) {
  Json j = Json::parse(kTinyLlama);
  j["head_dim"] = 96;
  j["eos_token_id"] = {128001, 128008};
  j["vocab_size"] = 128256;
  j["tie_word_embeddings"] = true;
  ModelConfig c = from_hf_config_json(j);
  EXPECT_EQ(c.d_kv, 96);
  EXPECT_EQ(c.d_attention(), 32 * 96);
  EXPECT_EQ(c.eos_token_id, 128001);
  EXPECT_TRUE(c.tie_embeddings);
}

TEST(HfConfig, ReadsGpt2) {
  ModelConfig c = from_hf_config_json(Json::parse(kGpt2));
  EXPECT_EQ(c, preset_config("gpt2"));
  EXPECT_EQ(c.d_ff, 3072);
  EXPECT_EQ(c.norm, NormKind::Layer);
  EXPECT_EQ(c.activation, Activation::GeluTanh);
  EXPECT_TRUE(c.tie_embeddings);
  EXPECT_EQ(count_parameters(c).total, 124'439'808);
  Json j = Json::parse(kGpt2);
  j["n_inner"] = nullptr;  // null also means 4 * n_embd
  EXPECT_EQ(from_hf_config_json(j).d_ff, 3072);
  j["n_inner"] = 1000;
  EXPECT_EQ(from_hf_config_json(j).d_ff, 1000);
}

TEST(HfConfig, EveryPresetRoundTripsThroughJson) {
  for (const Preset& p : presets()) {
    Json j = to_hf_config_json(p.config);
    EXPECT_EQ(from_hf_config_json(j), p.config) << p.name << ": " << j.dump();
    // And through text, as a file holds it.
    EXPECT_EQ(from_hf_config_json(Json::parse(j.dump(2))), p.config) << p.name;
  }
}

TEST(HfConfig, WritesTheKeysTransformersReads) {
  Json t5 = to_hf_config_json(preset_config("t5-v1_1-small"));
  EXPECT_EQ(t5["architectures"], Json::array({"T5ForConditionalGeneration"}));
  EXPECT_EQ(t5["model_type"], "t5");
  EXPECT_EQ(t5["feed_forward_proj"], "gated-gelu");
  EXPECT_EQ(t5["tie_word_embeddings"], false);
  EXPECT_EQ(t5["num_heads"], 6);
  EXPECT_EQ(t5["num_decoder_layers"], 8);
  EXPECT_EQ(t5["decoder_start_token_id"], 0);
  EXPECT_EQ(to_hf_config_json(preset_config("t5-small"))["feed_forward_proj"], "relu");
  Json llama = to_hf_config_json(preset_config("llama-tiny"));
  EXPECT_EQ(llama["architectures"], Json::array({"LlamaForCausalLM"}));
  EXPECT_EQ(llama["num_key_value_heads"], 2);
  EXPECT_EQ(llama["head_dim"], 16);
  EXPECT_EQ(llama["hidden_act"], "silu");
  EXPECT_TRUE(llama["pad_token_id"].is_null());
  EXPECT_FALSE(llama.contains("prefix_lm"));
  Json gpt2 = to_hf_config_json(preset_config("gpt2"));
  EXPECT_EQ(gpt2["architectures"], Json::array({"GPT2LMHeadModel"}));
  EXPECT_EQ(gpt2["n_embd"], 768);
  EXPECT_EQ(gpt2["n_inner"], 3072);
  EXPECT_EQ(gpt2["activation_function"], "gelu_new");
}

TEST(HfConfig, KnobsBeyondThePresetsRoundTrip) {
  ModelConfig c = preset_config("llama-tiny");
  c.prefix_lm = true;
  c.attention_bias = true;
  c.activation = Activation::GeluTanh;
  c.rope_theta = 500000.0;
  c.dropout = 0.05;
  c.pad_token_id = 0;
  Json j = to_hf_config_json(c);
  EXPECT_EQ(j["prefix_lm"], true);
  EXPECT_EQ(j["hidden_act"], "gelu_pytorch_tanh");
  EXPECT_EQ(from_hf_config_json(j), c);

  ModelConfig t5 = preset_config("t5-tiny");
  t5.d_kv = 24;
  t5.n_encoder_layers = 3;
  t5.relative_attention_num_buckets = 64;
  t5.relative_attention_max_distance = 256;
  t5.tie_embeddings = true;
  t5.activation = Activation::SiLU;
  EXPECT_EQ(to_hf_config_json(t5)["feed_forward_proj"], "gated-silu");
  EXPECT_EQ(from_hf_config_json(to_hf_config_json(t5)), t5);

  ModelConfig gpt2 = preset_config("gpt2-tiny");
  gpt2.tie_embeddings = false;
  gpt2.activation = Activation::ReLU;
  gpt2.d_ff = 100;
  EXPECT_EQ(from_hf_config_json(to_hf_config_json(gpt2)), gpt2);
}

TEST(HfConfig, FileAndDirectoryRoundTrip) {
  TempDir dir;
  const auto file = dir.path() / "config.json";
  for (const char* name : {"t5-v1_1-xl", "llama-1b", "gpt2-medium"}) {
    ModelConfig c = preset_config(name);
    write_hf_config(c, file);
    EXPECT_EQ(read_hf_config(file), c) << name;
    EXPECT_EQ(read_hf_config(dir.path()), c) << name;  // a checkpoint directory
  }
  // The write replaced the file in place and left no temporary behind.
  size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
    EXPECT_EQ(entry.path().filename(), "config.json");
  }
  EXPECT_EQ(entries, 1u);
}

TEST(HfConfig, WriteFailuresAreReportedAndInvalidConfigsNotWritten) {
  TempDir dir;
  std::string message = error_of([&] { write_hf_config(preset_config("gpt2"), dir.path() / "missing" / "config.json"); });
  EXPECT_NE(message.find("cannot write"), std::string::npos) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  // An invalid config is refused before anything is written.
  ModelConfig bad = preset_config("gpt2");
  bad.n_kv_heads = 5;
  EXPECT_NE(error_of([&] { write_hf_config(bad, dir.path() / "config.json"); }).find("invalid model config"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "config.json"));
}

TEST(HfConfig, UnknownFamiliesAreRefusedClearly) {
  std::string message = error_of([] { from_hf_config_json(Json::parse(R"({"model_type": "bert", "hidden_size": 768})")); });
  EXPECT_EQ(message,
            "config.json: model_type 'bert' is not supported: hone reads T5ForConditionalGeneration (model_type t5), "
            "LlamaForCausalLM (model_type llama) and GPT2LMHeadModel (model_type gpt2)");
  message = error_of([] { from_hf_config_json(Json::parse(R"({"architectures": ["MistralForCausalLM"]})")); });
  EXPECT_NE(message.find("architecture 'MistralForCausalLM' is not supported"), std::string::npos) << message;
  message = error_of([] { from_hf_config_json(Json::parse(R"({"d_model": 512})")); });
  EXPECT_NE(message.find("neither 'model_type' nor 'architectures'"), std::string::npos) << message;
  message = error_of([] { from_hf_config_json(Json::parse("[1, 2]")); });
  EXPECT_EQ(message, "config.json must hold a JSON object (got array)");
  // Old exports without model_type are recognised by their architecture.
  Json old = Json::parse(kT5V11Base);
  old.erase("model_type");
  EXPECT_EQ(from_hf_config_json(old), preset_config("t5-v1_1-base"));
}

TEST(HfConfig, BadValuesNameTheKey) {
  Json j = Json::parse(kT5V11Base);
  j["d_model"] = "768";
  EXPECT_EQ(error_of([&] { from_hf_config_json(j); }), "config.json (t5): 'd_model' must be an integer (got \"768\")");
  j = Json::parse(kT5V11Base);
  j["tie_word_embeddings"] = 1;
  EXPECT_NE(error_of([&] { from_hf_config_json(j); }).find("'tie_word_embeddings' must be true or false"),
            std::string::npos);
  j = Json::parse(kTinyLlama);
  j["num_key_value_heads"] = 5;
  EXPECT_NE(error_of([&] { from_hf_config_json(j); }).find("n_kv_heads (5) must divide n_heads (32)"), std::string::npos);
  j = Json::parse(kTinyLlama);
  j["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
  EXPECT_NE(error_of([&] { from_hf_config_json(j); }).find("'rope_scaling' = {\"factor\":2.0,\"type\":\"linear\"} is not supported"),
            std::string::npos);
  j = Json::parse(kTinyLlama);
  j["mlp_bias"] = true;
  EXPECT_NE(error_of([&] { from_hf_config_json(j); }).find("'mlp_bias'"), std::string::npos);
  j = Json::parse(kGpt2);
  j["n_head"] = 7;
  EXPECT_NE(error_of([&] { from_hf_config_json(j); }).find("n_embd (768) must be a positive multiple of n_head (7)"),
            std::string::npos);
  j = Json::parse(kGpt2);
  j["scale_attn_by_inverse_layer_idx"] = true;
  EXPECT_NE(error_of([&] { from_hf_config_json(j); }).find("scale_attn_by_inverse_layer_idx"), std::string::npos);
  j = Json::parse(kGpt2);
  j["n_layer"] = 0;
  EXPECT_NE(error_of([&] { from_hf_config_json(j); }).find("describes an invalid model: n_decoder_layers must be positive"),
            std::string::npos);
}

TEST(HfConfig, BadFilesNameTheFile) {
  TempDir dir;
  const auto file = dir.path() / "config.json";
  write_text(file, "{\"model_type\": \"t5\",");
  std::string message = error_of([&] { read_hf_config(file); });
  EXPECT_NE(message.find("is not valid JSON"), std::string::npos) << message;
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
  write_text(file, R"({"model_type": "bert"})");
  message = error_of([&] { read_hf_config(dir.path()); });
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
  EXPECT_NE(message.find("model_type 'bert' is not supported"), std::string::npos) << message;
  message = error_of([&] { read_hf_config(dir.path() / "nope.json"); });
  EXPECT_NE(message.find("cannot read model config"), std::string::npos) << message;
}

}  // namespace
}  // namespace hone
