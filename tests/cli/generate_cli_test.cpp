// `hone generate` end to end: a tiny Llama checkpoint with a trained tokenizer, saved by the test; the
// command's tokens equal the library's generate() on the same ids, sampling is reproducible by seed,
// JSONL input works, and bad arguments fail with one clear error line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/corpus_files.h"
#include "model/generation.h"
#include "support/run_command.h"
#include "tokenize/tokenizer.h"
#include "tokenize/tokenizer_training.h"
#include "train/checkpoint.h"

namespace hone {
namespace {

using testing::hone_binary;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

class GenerateCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    TokenizerTrainingOptions tokenizer;
    tokenizer.inputs = {"/usr/share/common-licenses/GPL-3"};
    tokenizer.vocab_size = 300;
    tokenizer.threads = 2;
    tokenizer.out_dir = dir_->file("tokenizer");
    train_tokenizer(tokenizer);

    ModelConfig config = style_defaults(ModelStyle::Llama);
    config.vocab_size = 300;
    config.d_model = 32;
    config.n_heads = 4;
    config.n_kv_heads = 2;
    config.d_kv = 8;
    config.d_ff = 64;
    config.n_decoder_layers = 2;
    config.max_positions = 128;
    LanguageModel model(config);
    model.initialize(3);
    CheckpointContents contents;
    contents.tokenizer_dir = dir_->file("tokenizer");
    save_checkpoint(dir_->file("model"), model.params(), config, contents);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string model_dir() { return dir_->file("model"); }
  static TempDir* dir_;
};
TempDir* GenerateCommand::dir_ = nullptr;

std::vector<nlohmann::json> json_lines(const std::string& output) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST_F(GenerateCommand, GreedyOutputEqualsTheLibrary) {
  auto r = run_command(hone_binary() + " generate --model " + model_dir() +
                       " --prompt 'The GNU General Public License' --prompt 'free software' --max-new-tokens 6 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("tokens/s"), std::string::npos) << r.output;
  const auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 2u) << r.output;

  const LanguageModel model = load_language_model(model_dir());
  const Tokenizer tokenizer = Tokenizer::load(model_dir());
  std::vector<std::vector<int32_t>> prompts;
  for (const char* text : {"The GNU General Public License", "free software"}) {
    std::vector<int32_t> ids = tokenizer.encode(text);
    ids.insert(ids.begin(), tokenizer.bos_id());  // Llama convention
    prompts.push_back(ids);
  }
  GenerationOptions options;
  options.max_new_tokens = 6;
  options.eos_id = tokenizer.eos_id();
  const auto expected = generate(model, prompts, options);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(lines[i]["prompt_index"], i);
    EXPECT_EQ(lines[i]["tokens"].get<std::vector<int32_t>>(), expected[i].tokens) << r.output;
    std::vector<int32_t> visible = expected[i].tokens;
    if (expected[i].stopped_at_eos) visible.pop_back();
    EXPECT_EQ(lines[i]["text"], tokenizer.decode(visible));
  }
  // Plain output prints each prompt and its continuation.
  auto plain = run_command(hone_binary() + " generate --model " + model_dir() + " --prompt 'free software' --max-new-tokens 6");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(plain.output.find("[prompt 0] free software"), std::string::npos) << plain.output;
  EXPECT_NE(plain.output.find(lines[1]["text"].get<std::string>()), std::string::npos) << plain.output;
}

TEST_F(GenerateCommand, SamplingIsReproducibleAndReadsJsonl) {
  write_file(dir_->file("prompts.jsonl"), "{\"prompt\": \"The GNU\"}\n\n{\"text\": \"copyleft\"}\n");
  const std::string command = hone_binary() + " generate --model " + model_dir() + " --input " + dir_->file("prompts.jsonl") +
                              " --max-new-tokens 8 --temperature 1.0 --top-p 0.9 --num-samples 3 --json --seed ";
  auto first = run_command(command + "5");
  auto again = run_command(command + "5");
  auto other = run_command(command + "6");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const auto a = json_lines(first.output), b = json_lines(again.output), c = json_lines(other.output);
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  ASSERT_EQ(c.size(), 6u);
  bool seed_matters = false, samples_differ = false;
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(a[i]["tokens"], b[i]["tokens"]);
    EXPECT_EQ(a[i]["prompt_index"], i / 3);
    EXPECT_EQ(a[i]["sample"], i % 3);
    seed_matters |= a[i]["tokens"] != c[i]["tokens"];
    if (i % 3) samples_differ |= a[i]["tokens"] != a[i - 1]["tokens"];
  }
  EXPECT_TRUE(seed_matters);
  EXPECT_TRUE(samples_differ);
  EXPECT_EQ(a[3]["prompt"], "copyleft");
}

TEST_F(GenerateCommand, BadArgumentsAreOneLineErrors) {
  for (const std::string args : {" --max-new-tokens 4", " --prompt x --top-p 0", " --prompt x --temperature -1",
                                 " --prompt x --input /no/such/file.jsonl"}) {
    auto r = run_command(hone_binary() + " generate --model " + model_dir() + args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.output.find("hone: error: "), std::string::npos) << args << ": " << r.output;
  }
  auto missing = run_command(hone_binary() + " generate --model " + dir_->file("nothing") + " --prompt x");
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
}

}  // namespace
}  // namespace hone
