// Presets: parameter counts equal the Hugging Face models' exactly, names resolve the way users type
// them, and unknown names fail with suggestions.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "model/presets.h"
#include "model/shape_stats.h"

namespace hone {
namespace {

int64_t total_parameters(const std::string& preset) { return count_parameters(preset_config(preset)).total; }

TEST(Presets, ParameterCountsEqualHuggingFace) {
  // sum(p.numel() for p in model.parameters()) of the transformers models.
  EXPECT_EQ(total_parameters("t5-v1_1-small"), 76'961'152);
  EXPECT_EQ(total_parameters("t5-v1_1-base"), 247'577'856);
  EXPECT_EQ(total_parameters("t5-v1_1-large"), 783'150'080);
  EXPECT_EQ(total_parameters("t5-v1_1-xl"), 2'849'757'184);
  EXPECT_EQ(total_parameters("t5-v1_1-xxl"), 11'135'332'352);
  EXPECT_EQ(total_parameters("t5-small"), 60'506'624);
  EXPECT_EQ(total_parameters("t5-base"), 222'903'552);
  EXPECT_EQ(total_parameters("t5-large"), 737'668'096);
  EXPECT_EQ(total_parameters("gpt2"), 124'439'808);
}

TEST(Presets, MoreCountsEqualHuggingFace) {
  EXPECT_EQ(total_parameters("t5-3b"), 2'851'598'336);
  EXPECT_EQ(total_parameters("t5-11b"), 11'307'321'344);
  EXPECT_EQ(total_parameters("gpt2-medium"), 354'823'168);
  EXPECT_EQ(total_parameters("gpt2-large"), 774'030'080);
  EXPECT_EQ(total_parameters("gpt2-xl"), 1'557'611'200);
}

TEST(Presets, ScaleEfficientlyShapesFollowTheReleasedConfigs) {
  ModelConfig nl22 = preset_config("t5-small-nl22");
  EXPECT_EQ(nl22.n_encoder_layers, 22);
  EXPECT_EQ(nl22.n_decoder_layers, 22);
  EXPECT_EQ(nl22.d_model, 512);
  EXPECT_EQ(nl22.d_ff, 2048);
  EXPECT_EQ(nl22.d_kv, 64);
  EXPECT_EQ(nl22.n_heads, 8);
  EXPECT_EQ(nl22.activation, Activation::ReLU);
  EXPECT_FALSE(nl22.gated);
  EXPECT_TRUE(nl22.tie_embeddings);
  // The released t5-efficient-small-nl22 checkpoint is 712 MB of F32 (pytorch_model.bin).
  EXPECT_EQ(count_parameters(nl22).total, 177'988'096);

  ModelConfig large36 = preset_config("t5-large-nl36");
  EXPECT_EQ(large36.n_encoder_layers, 36);
  EXPECT_EQ(large36.d_model, 1024);
  EXPECT_EQ(large36.d_ff, 4096);
  EXPECT_EQ(large36.n_heads, 16);
  EXPECT_EQ(preset_config("t5-base-nl36").n_decoder_layers, 36);
  // Variant names are approximate; the configs hold powers of two.
  EXPECT_EQ(preset_config("t5-small-ff6000").d_ff, 6144);
  EXPECT_EQ(preset_config("t5-small-dm1000").d_model, 1024);
  EXPECT_EQ(preset_config("t5-base-ff2000").d_ff, 2048);
  // d_kv and n_heads are independent of d_model.
  EXPECT_EQ(preset_config("t5-small-kv128").d_attention(), 1024);
  EXPECT_EQ(preset_config("t5-base-nh24").d_attention(), 24 * 64);
  ModelConfig el32 = preset_config("t5-small-el32");
  EXPECT_EQ(el32.n_encoder_layers, 32);
  EXPECT_EQ(el32.n_decoder_layers, 6);
  // An unchanged small shape is t5-small.
  EXPECT_EQ(count_parameters(preset_config("t5-small-kv128")).total - count_parameters(preset_config("t5-small")).total,
            (6 * 4 + 6 * 8) * 512 * 512);
}

TEST(Presets, FamiliesAndConventions) {
  ModelConfig v11 = preset_config("t5-v1_1-base");
  EXPECT_EQ(v11.family, ModelFamily::EncoderDecoder);
  EXPECT_TRUE(v11.gated);
  EXPECT_EQ(v11.activation, Activation::GeluTanh);
  EXPECT_FALSE(v11.tie_embeddings);
  ModelConfig v10 = preset_config("t5-base");
  EXPECT_FALSE(v10.gated);
  EXPECT_EQ(v10.activation, Activation::ReLU);
  EXPECT_TRUE(v10.tie_embeddings);
  ModelConfig g = preset_config("gpt2");
  EXPECT_EQ(g.style, ModelStyle::GPT2);
  EXPECT_EQ(g.norm, NormKind::Layer);
  EXPECT_EQ(g.max_positions, 1024);
  EXPECT_EQ(g.d_ff, 3072);
  EXPECT_TRUE(g.attention_bias);
  ModelConfig l = preset_config("llama-1b");
  EXPECT_EQ(l.style, ModelStyle::Llama);
  EXPECT_EQ(l.n_kv_heads, 8);
  EXPECT_EQ(l.n_heads, 32);
  EXPECT_EQ(count_parameters(l).total, 1'038'682'112);
  EXPECT_EQ(count_parameters(preset_config("llama-110m")).total, 109'529'856);
}

TEST(Presets, EveryPresetIsValidAndUniquelyNamed) {
  std::set<std::string> names;
  for (const Preset& p : presets()) {
    EXPECT_TRUE(names.insert(p.name).second) << p.name;
    EXPECT_NO_THROW(p.config.validate()) << p.name;
    EXPECT_FALSE(p.source.empty()) << p.name;
    EXPECT_EQ(p.source.find("<name>"), std::string::npos) << p.name;
  }
  EXPECT_GE(names.size(), 30u);
}

TEST(Presets, TinyShapesAreTiny) {
  for (const char* name : {"t5-tiny", "llama-tiny", "gpt2-tiny"}) {
    int64_t n = total_parameters(name);
    EXPECT_GT(n, 10'000) << name;
    EXPECT_LT(n, 1'000'000) << name;
  }
  EXPECT_EQ(total_parameters("t5-tiny"), 263'168);
  EXPECT_EQ(total_parameters("llama-tiny"), 158'016);
  EXPECT_EQ(total_parameters("gpt2-tiny"), 149'248);
  // Grouped-query attention in the Llama test shape, so tests exercise it.
  ModelConfig llama = preset_config("llama-tiny");
  EXPECT_LT(llama.n_kv_heads, llama.n_heads);
}

TEST(Presets, HubIdsResolve) {
  ASSERT_NE(find_preset("google/t5-v1_1-base"), nullptr);
  EXPECT_EQ(find_preset("google/t5-v1_1-base")->name, "t5-v1_1-base");
  EXPECT_EQ(find_preset("google-t5/t5-small")->name, "t5-small");
  EXPECT_EQ(find_preset("openai-community/gpt2-medium")->name, "gpt2-medium");
  EXPECT_EQ(find_preset("google/t5-efficient-small-nl22")->name, "t5-small-nl22");
  EXPECT_EQ(find_preset("t5-efficient-base-nl36")->name, "t5-base-nl36");
  EXPECT_EQ(find_preset("google/t5-efficient-tiny")->name, "t5-efficient-tiny");
  EXPECT_EQ(find_preset("T5-Small")->name, "t5-small");
  EXPECT_EQ(find_preset("t5-efficient-small")->name, "t5-small");  // the same shape
  EXPECT_EQ(find_preset("bert-base-uncased"), nullptr);
  EXPECT_EQ(find_preset(""), nullptr);
}

TEST(Presets, UnknownNameIsAUsageErrorWithNearNames) {
  try {
    preset_config("t5-v1_1-bse");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
    std::string message = e.what();
    EXPECT_NE(message.find("unknown model preset 't5-v1_1-bse'"), std::string::npos) << message;
    EXPECT_NE(message.find("t5-v1_1-base"), std::string::npos) << message;
    EXPECT_NE(message.find("hone shapes --list"), std::string::npos) << message;
  }
  std::vector<std::string> near = near_preset_names("gpt-2");
  ASSERT_FALSE(near.empty());
  EXPECT_EQ(near.front(), "gpt2");
  near = near_preset_names("llama");
  ASSERT_GE(near.size(), 3u);
  for (const std::string& n : near) EXPECT_EQ(n.rfind("llama", 0), 0u) << n;
  EXPECT_TRUE(near_preset_names("qqqqqqqqqqqqqqqqqqqqqqqq").empty());
  EXPECT_LE(near_preset_names("t5", 3).size(), 3u);
}

}  // namespace
}  // namespace hone
