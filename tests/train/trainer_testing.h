#pragma once
// Shared pieces of the trainer tests: tiny token datasets written with TokenShardWriter (no tokenizer),
// recipes for a tiny Llama-style model over them, scratch directories and byte comparison.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/token_shard_writer.h"
#include "nn/parameter.h"
#include "train/recipe.h"

namespace hone::testing {

// A fresh directory under the system temp dir, removed with the object.
class TrainScratch {
 public:
  explicit TrainScratch(const std::string& tag) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("hone_train_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TrainScratch() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline constexpr int64_t kTestVocab = 64;
inline constexpr int32_t kTestEos = 1;

// A dataset directory like `hone tokenize` writes: documents of learnable token patterns (counting runs
// with a per-document stride), EOS id 1, vocabulary 64.
inline void write_test_dataset(const std::string& dir, uint64_t seed, int documents = 120) {
  std::filesystem::create_directories(dir);
  TokenShardWriter writer(dir + "/shard-00000.tok", kTestVocab);
  for (int d = 0; d < documents; ++d) {
    const int length = 8 + static_cast<int>(random_uniform(seed, 1, 2 * d) * 40);
    const int stride = 1 + static_cast<int>(random_uniform(seed, 1, 2 * d + 1) * 3);
    std::vector<int32_t> tokens(length);
    for (int i = 0; i < length; ++i) tokens[i] = 2 + (d + i * stride) % (kTestVocab - 2);
    writer.add_document(tokens);
  }
  writer.finish();
  nlohmann::json manifest = {{"format", "hone-token-shards"}, {"version", 1}, {"vocab_size", kTestVocab},
                             {"eos_id", kTestEos},           {"pad_id", -1},  {"tokenizer", ""},
                             {"documents", documents},       {"tokens", writer.token_count()},
                             {"shards", {"shard-00000.tok"}}};
  std::ofstream(dir + "/dataset.json") << manifest.dump(2);
}

// A recipe for llama-tiny (vocab 64) over data_dir, run in run_dir, with extra TOML lines appended
// (later sections may repeat none of these; use --set style overrides via RecipeOptions instead).
inline std::string tiny_recipe(const std::string& data_dir, const std::string& run_dir, const std::string& eval_dir = "") {
  std::ostringstream r;
  r << "[model]\npreset = \"llama-tiny\"\nvocab_size = 64\n\n"
    << "[data]\ntrain = \"" << data_dir << "\"\neval = \"" << eval_dir << "\"\nsequence_length = 32\nbatch_size = 4\n\n"
    << "[optimizer]\nname = \"adamw\"\nweight_decay = 0.01\n\n"
    << "[schedule]\nkind = \"cosine\"\npeak_lr = 3e-3\nwarmup_steps = 3\n\n"
    << "[train]\nmax_steps = 12\ncheckpoint_every = 4\neval_every = 4\neval_batches = 2\nlog_every = 2\n"
    << "registry = \"none\"\nthreads = 1\nrun_dir = \"" << run_dir << "\"\n";
  return r.str();
}

inline PretrainRecipe tiny(const std::string& data_dir, const std::string& run_dir, std::vector<std::string> sets = {},
                           const std::string& eval_dir = "") {
  RecipeOptions options;
  options.sets = std::move(sets);
  return parse_recipe(tiny_recipe(data_dir, run_dir, eval_dir), "tiny.toml", options);
}

inline std::vector<uint8_t> weight_bytes(const ParameterStore& params) {
  const Tensor v = params.values();
  const auto* p = static_cast<const uint8_t*>(v.raw_data());
  return std::vector<uint8_t>(p, p + v.nbytes());
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The "loss" of every line of a metrics.jsonl, by step.
inline std::vector<double> metric_losses(const std::string& path) {
  std::vector<double> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("step").get<int64_t>(), static_cast<int64_t>(out.size()) + 1) << path;
    out.push_back(j.at("loss").get<double>());
  }
  return out;
}

}  // namespace hone::testing
