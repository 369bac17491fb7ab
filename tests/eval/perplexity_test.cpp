// Held-out perplexity equals the training loss (the fused LM-head cross-entropy, an independent code
// path) over the same windows.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/arena.h"
#include "core/error.h"
#include "backend/elementwise.h"
#include "data/packed_dataset.h"
#include "data/token_shard_writer.h"
#include "eval/perplexity.h"

namespace hone::eval {
namespace {

namespace fs = std::filesystem;

TEST(Perplexity, EqualsTheTrainingLossOverTheSameWindows) {
  const fs::path dir = fs::temp_directory_path() / ("hone_ppl_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const int64_t vocab = 37, eos = 1, length = 8;
  {
    TokenShardWriter writer((dir / "shard-0.tok").string(), vocab);
    uint32_t x = 12345;
    for (int d = 0; d < 9; ++d) {
      std::vector<int32_t> doc(5 + d * 3);
      for (auto& t : doc) t = 2 + static_cast<int32_t>((x = x * 1103515245u + 12345u) >> 16) % (vocab - 2);
      writer.add_document(doc);
    }
    writer.finish();
    std::ofstream(dir / "dataset.json") << nlohmann::json{{"vocab_size", vocab}, {"eos_id", eos}, {"shards", {"shard-0.tok"}}}.dump();
  }
  ModelConfig c = style_defaults(ModelStyle::Llama);
  c.vocab_size = vocab;
  c.d_model = 16;
  c.n_heads = 2;
  c.n_kv_heads = 1;
  c.d_kv = 8;
  c.d_ff = 32;
  c.n_decoder_layers = 2;
  c.max_positions = 64;
  LanguageModel model(c);
  model.initialize(5);

  const PerplexityResult result = held_out_perplexity(model, {dir.string(), length, 0, 3});
  // 9 documents of 5..29 tokens plus EOS each: (153 + 9 - 1) / 8 = 20 windows of 8 targets.
  EXPECT_EQ(result.tokens, 20 * length);

  PackedDataset data = PackedDataset::open_directory(dir.string(), {.sequence_length = length, .shuffle = false});
  const PackedBatch batch = data.next_batch(20);
  Tensor tokens = clone(batch.inputs()), targets = clone(batch.targets());
  Arena arena;
  const double loss = model.decoder_only().forward_backward(arena, tokens, targets).loss;
  EXPECT_NEAR(result.mean_nll, loss, 1e-5);
  EXPECT_NEAR(result.perplexity(), std::exp(loss), 1e-4 * std::exp(loss));

  EXPECT_EQ(held_out_perplexity(model, {dir.string(), length, 20, 3}).tokens, 3 * length);  // max_tokens rounds up
  EXPECT_THROW(held_out_perplexity(model, {(dir / "missing").string(), length, 0, 3}), Error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hone::eval
