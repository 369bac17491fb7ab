// `hone shapes`: the binary prints the counts, its JSON parses with the documented keys, and mistakes
// are one-line usage errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "model/hf_config.h"
#include "model/presets.h"
#include "model/shape_stats.h"
#include "support/run_command.h"

namespace hone {
namespace {

using testing::hone_binary;
using testing::run_command;

int count_lines(const std::string& s) {
  int lines = 0;
  for (char c : s) lines += c == '\n';
  return lines;
}

TEST(ShapesCommand, PrintsCountsFlopsAndMemory) {
  auto r = run_command(hone_binary() + " shapes t5-v1_1-small");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("76,961,152 total"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("non-embedding"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("per token training"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("AdamW"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Adafactor"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("512 source + 114 target tokens"), std::string::npos) << r.output;
}

TEST(ShapesCommand, JsonMatchesTheLibrary) {
  auto r = run_command(hone_binary() + " shapes gpt2 --json --batch 4 --target-length 512");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["params_total"], 124'439'808);
  EXPECT_EQ(j["params_non_embedding"], 85'056'000);
  EXPECT_EQ(j["batch"], 4);
  EXPECT_EQ(j["target_length"], 512);
  const ModelConfig gpt2 = preset_config("gpt2");
  const FlopsEstimate flops = estimate_flops(gpt2, {4, 0, 512});
  const MemoryEstimate memory = estimate_memory(gpt2, {4, 0, 512});
  EXPECT_DOUBLE_EQ(j["flops_per_token"].get<double>(), flops.training_per_token);
  EXPECT_EQ(j["flops_per_step"], flops.training_per_step);
  EXPECT_EQ(j["memory_parameters_bytes"], memory.parameters);
  EXPECT_EQ(j["memory_gradients_bytes"], memory.gradients);
  EXPECT_EQ(j["memory_optimizer_adamw_bytes"], memory.optimizer_adamw);
  EXPECT_EQ(j["memory_optimizer_adafactor_bytes"], memory.optimizer_adafactor);
  EXPECT_EQ(j["memory_activations_per_sequence_bytes"], memory.activations_per_sequence);
  EXPECT_EQ(j["memory_activations_bytes"], memory.activations);
  EXPECT_EQ(j["memory_total_adamw_bytes"], memory.total_adamw);
  EXPECT_FALSE(j.contains("encoder_forward_flops_per_source_token"));

  r = run_command(hone_binary() + " shapes google/t5-v1_1-xxl --json --source-length 256 --target-length 64");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["params_total"], 11'135'332'352);
  EXPECT_EQ(j["family"], "encoder_decoder");
  EXPECT_EQ(j["source_length"], 256);
  EXPECT_TRUE(j.contains("decoder_forward_flops_per_target_token"));
}

TEST(ShapesCommand, ReadsAConfigJsonOrCheckpointDirectory) {
  const auto dir = std::filesystem::temp_directory_path() / ("hone_shapes_cli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  write_hf_config(preset_config("t5-base"), dir / "config.json");
  for (const std::string& target : {(dir / "config.json").string(), dir.string()}) {
    auto r = run_command(hone_binary() + " shapes '" + target + "' --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["params_total"], 222'903'552);
  }
  std::filesystem::remove_all(dir);
}

TEST(ShapesCommand, MistakesAreOneLineErrors) {
  auto r = run_command(hone_binary() + " shapes t5-v1-1-base");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_EQ(r.output.rfind("hone: error: unknown model preset 't5-v1-1-base': did you mean t5-v1_1-base", 0), 0u)
      << r.output;

  for (const char* args : {" shapes", " shapes gpt2 --target-length 4096", " shapes t5-small --target-length 0",
                           " shapes gpt2 --batch 0"}) {
    r = run_command(hone_binary() + args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.output;
    EXPECT_EQ(count_lines(r.output), 1) << args << ": " << r.output;
    EXPECT_EQ(r.output.rfind("hone: error: ", 0), 0u) << args << ": " << r.output;
  }

  r = run_command(hone_binary() + " shapes /nonexistent/config.json");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot read model config"), std::string::npos) << r.output;
}

TEST(ShapesCommand, ListsPresets) {
  auto r = run_command(hone_binary() + " shapes --list");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const Preset& p : presets()) EXPECT_NE(r.output.find(p.name), std::string::npos) << p.name;
  EXPECT_NE(r.output.find("11,135,332,352"), std::string::npos);
  EXPECT_EQ(count_lines(r.output), static_cast<int>(presets().size()) + 1);
}

}  // namespace
}  // namespace hone
