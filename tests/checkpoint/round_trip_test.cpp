// Save/load round trips of the T5 and Llama models with AdamW and Adafactor state: every weight and
// optimizer tensor comes back bit-identical, the trainer state and tokenizer files come back, and a step
// taken after resuming equals the step the original run takes.
#include <gtest/gtest.h>

#include <fstream>

#include "checkpoint/checkpoint_testing.h"
#include "core/arena.h"
#include "train/adafactor.h"
#include "train/adamw.h"
#include "train/checkpoint.h"

namespace hone::testing {
namespace {

namespace fs = std::filesystem;

TrainerState sample_trainer_state() {
  TrainerState s;
  s.step = 3;
  s.tokens_seen = 123456789012;
  s.data_cursor = {{"epoch", 1}, {"document", 17}, {"offset", 5}, {"seed", 42}};
  s.seed = 0xFEDCBA9876543210ull;  // above 2^63: must survive JSON as an unsigned integer
  s.rng = {{"dropout", 987654321}};
  s.schedule = {{"kind", "warmup_cosine"}, {"peak_lr", 3e-4}, {"warmup_steps", 10}, {"total_steps", 1000}};
  s.pretraining_flops = 1.2345678901234567e21;
  return s;
}

fs::path fake_tokenizer(const ScratchDir& scratch) {
  fs::path dir = scratch / "tokenizer";
  fs::create_directories(dir);
  std::ofstream(dir / "tokenizer.model", std::ios::binary) << std::string("\x0a\x05piece\x00\xff", 9);
  std::ofstream(dir / "tokenizer.json") << "{\"pad_id\": 0}\n";
  return dir;
}

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void expect_same_state(const NamedTensors& a, const NamedTensors& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(same_bytes(a[i].second, b[i].second)) << a[i].first;
  }
}

// Runs the round trip for one model type: train two steps, save, load into a differently initialised
// model and optimizer, compare, then take one more step on both and compare again.
template <class Model, class Optimizer, class MakeModel, class MakeOptimizer, class Step>
void round_trip(const ModelConfig& config, MakeModel make_model, MakeOptimizer make_optimizer, Step train_step) {
  ScratchDir scratch("roundtrip");
  const fs::path dir = scratch / "ckpt";
  std::unique_ptr<Model> model = make_model(1);
  std::unique_ptr<Optimizer> optimizer = make_optimizer(*model);
  for (int s = 0; s < 2; ++s) train_step(*model, *optimizer, s);
  const TrainerState trainer = sample_trainer_state();
  CheckpointContents contents;
  contents.optimizer = optimizer_state(*optimizer);
  contents.trainer = trainer;
  contents.tokenizer_dir = fake_tokenizer(scratch);
  save_checkpoint(dir, model->params(), config, contents);
  save_checkpoint(dir, model->params(), config, contents);  // replacing an existing checkpoint works too

  for (const char* name : {"model.safetensors", "config.json", "optimizer.safetensors", "trainer_state.json",
                           "tokenizer.model", "tokenizer.json"})
    EXPECT_TRUE(fs::exists(dir / name)) << name;
  EXPECT_EQ(fs::exists(dir / "spiece.model"), config.style == ModelStyle::T5);
  EXPECT_EQ(file_text(dir / "tokenizer.model"), file_text(scratch / "tokenizer" / "tokenizer.model"));
  EXPECT_FALSE(fs::exists(scratch / "ckpt.old"));

  EXPECT_EQ(load_checkpoint_config(dir), config);
  std::unique_ptr<Model> restored = make_model(99);
  std::unique_ptr<Optimizer> restored_optimizer = make_optimizer(*restored);
  ASSERT_FALSE(same_bytes(restored->params().values(), model->params().values()));
  load_weights(dir, restored->params());
  load_optimizer_state(dir, *restored_optimizer);
  EXPECT_TRUE(same_bytes(restored->params().values(), model->params().values()));
  EXPECT_EQ(restored_optimizer->steps_taken(), 2);
  expect_same_state(restored_optimizer->state_tensors(), optimizer->state_tensors());
  EXPECT_EQ(load_trainer_state(dir), trainer);

  train_step(*model, *optimizer, 2);
  train_step(*restored, *restored_optimizer, 2);
  EXPECT_TRUE(same_bytes(restored->params().values(), model->params().values()));
  expect_same_state(restored_optimizer->state_tensors(), optimizer->state_tensors());
}

void t5_step(EncoderDecoderModel& model, auto& optimizer, int s) {
  Arena arena;
  model.params().zero_grads();
  model.forward_backward(arena, t5_batch(model.config().vocab_size, 100 + s));
  optimizer.step(1e-2);
}

void llama_step(DecoderOnlyModel& model, auto& optimizer, int s) {
  Arena arena;
  model.params().zero_grads();
  Tensor tokens = random_ints({2, 6}, 200 + s, model.config().vocab_size);
  Tensor targets = random_ints({2, 6}, 300 + s, model.config().vocab_size);
  model.forward_backward(arena, tokens, targets);
  optimizer.step(1e-2);
}

AdafactorConfig adafactor_with_momentum() {
  AdafactorConfig c;
  c.relative_step = false;
  c.lr = 1e-2;
  c.beta1 = 0.9;
  return c;
}

TEST(CheckpointRoundTrip, T5WithAdamW) {
  for (bool v1_1 : {true, false}) {
    const ModelConfig config = tiny_t5_config(v1_1);
    round_trip<EncoderDecoderModel, AdamW>(
        config,
        [&](uint64_t seed) {
          auto m = std::make_unique<EncoderDecoderModel>(encoder_decoder_config(config));
          m->initialize(seed);
          return m;
        },
        [](EncoderDecoderModel& m) { return std::make_unique<AdamW>(m.params(), AdamWConfig{.weight_decay = 0.1}); },
        [](EncoderDecoderModel& m, AdamW& o, int s) { t5_step(m, o, s); });
  }
}

TEST(CheckpointRoundTrip, T5WithAdafactor) {
  const ModelConfig config = tiny_t5_config(true);
  round_trip<EncoderDecoderModel, Adafactor>(
      config,
      [&](uint64_t seed) {
        auto m = std::make_unique<EncoderDecoderModel>(encoder_decoder_config(config));
        m->initialize(seed);
        return m;
      },
      [](EncoderDecoderModel& m) { return std::make_unique<Adafactor>(m.params(), adafactor_with_momentum()); },
      [](EncoderDecoderModel& m, Adafactor& o, int s) { t5_step(m, o, s); });
}

TEST(CheckpointRoundTrip, LlamaWithAdamWAndAdafactor) {
  for (bool tied : {false, true}) {
    const ModelConfig config = tiny_llama_config(tied);
    auto make_model = [&](uint64_t seed) {
      auto m = std::make_unique<DecoderOnlyModel>(config);
      m->initialize(seed);
      return m;
    };
    round_trip<DecoderOnlyModel, AdamW>(
        config, make_model,
        [](DecoderOnlyModel& m) { return std::make_unique<AdamW>(m.params(), AdamWConfig{.weight_decay = 0.1}); },
        [](DecoderOnlyModel& m, AdamW& o, int s) { llama_step(m, o, s); });
    round_trip<DecoderOnlyModel, Adafactor>(
        config, make_model,
        [](DecoderOnlyModel& m) {
          AdafactorConfig c;
          c.semantics = AdafactorVariant::torch;
          return std::make_unique<Adafactor>(m.params(), c);
        },
        [](DecoderOnlyModel& m, Adafactor& o, int s) { llama_step(m, o, s); });
  }
}

TEST(CheckpointRoundTrip, OptimizerKindMismatchIsRefused) {
  const ModelConfig config = tiny_llama_config();
  DecoderOnlyModel model(config);
  model.initialize(1);
  AdamW adamw(model.params(), {});
  ScratchDir scratch("kind");
  save_checkpoint(scratch / "ckpt", model.params(), config, {.optimizer = optimizer_state(adamw)});
  AdafactorConfig c;
  c.semantics = AdafactorVariant::torch;
  Adafactor adafactor(model.params(), c);
  try {
    load_optimizer_state(scratch / "ckpt", adafactor);
    FAIL() << "loading AdamW state into Adafactor was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("holds adamw state, but the run uses adafactor"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace hone::testing
