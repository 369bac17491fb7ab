// Sweeps (`hone scale sweep`): grid expansion, IsoFLOP budget arithmetic, unknown keys, and real tiny
// sweeps on a synthetic token dataset: registry contents, skip-finished on relaunch, resume of an
// interrupted run, parallel `hone pretrain` processes, and the command end to end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/rng.h"
#include "data/token_shard_writer.h"
#include "model/shape_stats.h"
#include "scaling/run_registry.h"
#include "support/run_command.h"
#include "train/sweep_runner.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

class Scratch {
 public:
  explicit Scratch(const std::string& tag) {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("hone_sweep_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

constexpr int64_t kVocab = 64;

// A dataset like `hone tokenize` writes: documents of counting runs with a per-document stride (learnable),
// vocabulary 64, EOS 1.
void write_dataset(const std::string& dir, uint64_t seed, int documents = 120) {
  fs::create_directories(dir);
  TokenShardWriter writer(dir + "/shard-00000.tok", kVocab);
  for (int d = 0; d < documents; ++d) {
    const int length = 8 + static_cast<int>(random_uniform(seed, 1, 2 * d) * 40);
    const int stride = 1 + static_cast<int>(random_uniform(seed, 1, 2 * d + 1) * 3);
    std::vector<int32_t> tokens(length);
    for (int i = 0; i < length; ++i) tokens[i] = 2 + (d + i * stride) % (kVocab - 2);
    writer.add_document(tokens);
  }
  writer.finish();
  nlohmann::json manifest = {{"format", "hone-token-shards"}, {"version", 1}, {"vocab_size", kVocab},
                             {"eos_id", 1},                   {"pad_id", -1},  {"tokenizer", ""},
                             {"documents", documents},        {"tokens", writer.token_count()},
                             {"shards", {"shard-00000.tok"}}};
  std::ofstream(dir + "/dataset.json") << manifest.dump(2);
}

// The base recipe: llama-tiny at vocabulary 64, rows of 32 tokens, batch 4 (128 tokens per step). Its own
// budget (max_tokens) must be replaced by the sweep's.
std::string base_recipe(const std::string& train, const std::string& eval, const std::string& registry) {
  std::ostringstream r;
  r << "[model]\npreset = \"llama-tiny\"\nvocab_size = 64\n\n"
    << "[data]\ntrain = \"" << train << "\"\neval = \"" << eval << "\"\nsequence_length = 32\nbatch_size = 4\n\n"
    << "[schedule]\nkind = \"cosine\"\npeak_lr = 3e-3\nwarmup_steps = 2\n\n"
    << "[train]\nmax_tokens = 99999\ncheckpoint_every = 4\neval_every = 0\neval_batches = 2\nlog_every = 2\n"
    << "registry = \"" << registry << "\"\nthreads = 1\n";
  return r.str();
}

// A narrower, deeper Llama shape than llama-tiny.
const char* kNarrowShape = "{ d_model = 32, n_heads = 2, n_kv_heads = 1, d_kv = 16, d_ff = 96, n_decoder_layers = 3 }";

std::string sweep_section(const std::string& name, const std::string& root, const std::string& extra) {
  return "\n[sweep]\nname = \"" + name + "\"\nrun_root = \"" + root + "\"\nshapes = [\"llama-tiny\", " + kNarrowShape + "]\n" + extra;
}

std::string usage_error(const std::string& text, const SweepOptions& options = {}) {
  try {
    parse_sweep(text, "sweep.toml", options);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return "";
}

void expect_contains(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& p : parts) EXPECT_NE(text.find(p), std::string::npos) << "'" << p << "' not in: " << text;
}

TEST(SweepPlan, BudgetTags) {
  EXPECT_EQ(budget_tag(200000), "2e5");
  EXPECT_EQ(budget_tag(250000), "2.5e5");
  EXPECT_EQ(budget_tag(1.25e12), "1.25e12");
  EXPECT_EQ(budget_tag(999999), "1e6");
  EXPECT_EQ(budget_tag(1280), "1.28e3");
  EXPECT_EQ(budget_tag(3), "3e0");
}

TEST(SweepPlan, GridExpandsShapesTimesTokenBudgets) {
  const std::string text =
      base_recipe("shards", "", "none") + sweep_section("g", "sweeps", "tokens = [1000, 2500]\n");
  SweepOptions options;
  options.sets = {"optimizer.adamw.beta2=0.95"};
  const SweepPlan plan = parse_sweep(text, "grid.toml", options);
  EXPECT_EQ(plan.name, "g");
  EXPECT_EQ(plan.mode, SweepMode::Grid);
  ASSERT_EQ(plan.runs.size(), 4u);
  // For each shape, each budget, in the order given.
  const std::vector<std::string> names = {"g/d64_l2_t1e3", "g/d64_l2_t2.5e3", "g/d32_l3_t1e3", "g/d32_l3_t2.5e3"};
  const std::vector<double> budgets = {1000, 2500, 1000, 2500};
  for (size_t i = 0; i < 4; ++i) {
    const SweepRun& run = plan.runs[i];
    EXPECT_EQ(run.name, names[i]);
    EXPECT_EQ(run.run_dir, fs::path("sweeps") / "g" / run.label);
    EXPECT_EQ(run.recipe.train.name, run.name);
    EXPECT_EQ(run.recipe.run_dir(), run.run_dir.string());
    EXPECT_EQ(*run.recipe.resolved.at_path("train.sweep").value<std::string>(), "g");
    EXPECT_EQ(run.recipe.data.train, "shards");
    EXPECT_DOUBLE_EQ(run.recipe.optimizer.adamw.beta2, 0.95);  // --set reaches every run
    // 128 tokens per step, budgets rounded up to whole steps; the base's max_tokens is gone.
    EXPECT_EQ(run.tokens_per_step, 128);
    EXPECT_DOUBLE_EQ(run.budget, budgets[i]);
    EXPECT_EQ(run.steps, budgets[i] == 1000 ? 8 : 20);
    EXPECT_EQ(run.tokens, run.steps * 128);
    EXPECT_EQ(run.recipe.train.budget, BudgetKind::Steps);
    EXPECT_EQ(run.recipe.train.max_steps, run.steps);
    EXPECT_EQ(run.recipe.train.max_tokens, 0);
    ASSERT_TRUE(run.recipe.model.has_value());
    EXPECT_EQ(run.recipe.model->vocab_size, 64);  // the base's override stays under every shape
    EXPECT_EQ(run.params, count_parameters(*run.recipe.model).total);
    EXPECT_DOUBLE_EQ(run.flops, static_cast<double>(run.steps) *
                                    static_cast<double>(estimate_flops(*run.recipe.model, {4, 0, 32}).training_per_step));
  }
  EXPECT_EQ(plan.runs[0].recipe.model->d_model, 64);
  EXPECT_EQ(plan.runs[0].recipe.model->n_decoder_layers, 2);
  EXPECT_EQ(plan.runs[2].recipe.model->d_model, 32);
  EXPECT_EQ(plan.runs[2].recipe.model->n_decoder_layers, 3);
  EXPECT_EQ(plan.runs[2].recipe.model->d_ff, 96);
  EXPECT_EQ(plan.runs[2].recipe.model->n_kv_heads, 1);
  EXPECT_LT(plan.runs[2].params, plan.runs[0].params);

  // A label names a shape; --run-root (options) wins over the file.
  options.run_root = "elsewhere";
  const SweepPlan labelled = parse_sweep(base_recipe("shards", "", "none") +
                                             "[sweep]\nname = \"g\"\ntokens = [640]\nshapes = [{ preset = \"gpt2-tiny\", "
                                             "vocab_size = 64, bos_token_id = 1, eos_token_id = 1, label = \"small-gpt\" }]\n",
                                         "grid.toml", options);
  ASSERT_EQ(labelled.runs.size(), 1u);
  EXPECT_EQ(labelled.runs[0].name, "g/small-gpt_t6.4e2");
  EXPECT_EQ(labelled.runs[0].run_dir, fs::path("elsewhere") / "g" / "small-gpt_t6.4e2");
  EXPECT_EQ(labelled.runs[0].recipe.model->style, ModelStyle::GPT2);
  EXPECT_EQ(labelled.runs[0].steps, 5);
}

TEST(SweepPlan, IsoFlopTokensAreBudgetOverFlopsPerToken) {
  const std::string text = base_recipe("shards", "", "none") + sweep_section("iso", "runs", "mode = \"isoflop\"\nflops = [2e9, 6e9]\n");
  const SweepPlan plan = parse_sweep(text, "iso.toml");
  ASSERT_EQ(plan.runs.size(), 4u);
  // For each budget, each shape: the profiles stay together.
  EXPECT_EQ(plan.runs[0].name, "iso/d64_l2_c2e9");
  EXPECT_EQ(plan.runs[1].name, "iso/d32_l3_c2e9");
  EXPECT_EQ(plan.runs[2].name, "iso/d64_l2_c6e9");
  EXPECT_EQ(plan.runs[3].name, "iso/d32_l3_c6e9");
  for (const SweepRun& run : plan.runs) {
    const FlopsEstimate f = estimate_flops(*run.recipe.model, {4, 0, 32});
    // shape_stats: FLOPs per token with the attention term; steps to the nearest whole step.
    const double tokens = run.budget / f.training_per_token;
    EXPECT_EQ(run.steps, std::llround(tokens / 128.0)) << run.name;
    EXPECT_GE(run.steps, 1);
    EXPECT_NEAR(run.flops, run.budget, 0.5 * static_cast<double>(f.training_per_step)) << run.name;
  }
  // The smaller model trains on more tokens at the same budget.
  EXPECT_GT(plan.runs[1].tokens, plan.runs[0].tokens);
  EXPECT_GT(plan.runs[2].steps, plan.runs[0].steps * 2);

  // flops_per_token = "6N": tokens = C / (6N).
  const SweepPlan six = parse_sweep(
      base_recipe("shards", "", "none") + sweep_section("iso", "runs", "mode = \"isoflop\"\nflops = [2e9]\nflops_per_token = \"6N\"\n"),
      "iso.toml");
  for (const SweepRun& run : six.runs) {
    EXPECT_EQ(run.steps, std::llround(2e9 / (6.0 * static_cast<double>(run.params)) / 128.0)) << run.name;
  }
  EXPECT_GE(six.runs[0].steps, plan.runs[0].steps);
}

TEST(SweepPlan, BaseFileIsOverlaidByTheSweepFilesSections) {
  Scratch scratch("base");
  std::ofstream(scratch / "base.toml") << base_recipe("from-base", "", "none");
  const SweepPlan plan = parse_sweep("[sweep]\nbase = \"" + (scratch / "base.toml") +
                                         "\"\ntokens = [640]\nshapes = [\"llama-tiny\"]\n[data]\nbatch_size = 2\n",
                                     "overlay.toml");
  ASSERT_EQ(plan.runs.size(), 1u);
  EXPECT_EQ(plan.name, "overlay");  // the file's stem
  EXPECT_EQ(plan.runs[0].recipe.data.train, "from-base");
  EXPECT_EQ(plan.runs[0].recipe.data.batch_size, 2);
  EXPECT_EQ(plan.runs[0].recipe.data.sequence_length, 32);
  EXPECT_EQ(plan.runs[0].tokens_per_step, 64);
  EXPECT_EQ(plan.runs[0].steps, 10);
}

// The documented CPU sweep: 9 IsoFLOP runs of 0.1-3M parameters, each with enough steps to train.
TEST(SweepPlan, TheBundledTinySweepPlansNineSmallRuns) {
  const SweepPlan plan = load_sweep(std::string(HONE_REFERENCE_DIR) + "/../../recipes/scale_sweep_tiny.toml");
  EXPECT_EQ(plan.name, "tiny");
  EXPECT_EQ(plan.mode, SweepMode::IsoFlop);
  ASSERT_EQ(plan.runs.size(), 9u);
  double total_flops = 0;
  for (const SweepRun& run : plan.runs) {
    EXPECT_GE(run.params, 100000) << run.name;
    EXPECT_LE(run.params, 3000000) << run.name;
    EXPECT_GE(run.steps, 15) << run.name;
    EXPECT_NEAR(run.flops / run.budget, 1.0, 0.02) << run.name;
    EXPECT_EQ(run.recipe.data.train, "data/train");
    EXPECT_EQ(run.recipe.data.eval, "data/heldout");
    total_flops += run.flops;
  }
  EXPECT_LT(total_flops, 3e12);  // minutes, not hours, at ~20 GFLOP/s on 2 cores
}

TEST(SweepPlan, MistakesAreUsageErrorsNamingTheKey) {
  const std::string base = base_recipe("shards", "", "none");
  expect_contains(usage_error(base + sweep_section("s", "runs", "tokens = [640]\nwidth = 3\n")),
                  {"unknown key 'width' in [sweep]", "valid keys: name, base, mode, shapes"});
  expect_contains(usage_error(base + "[sweep]\ntokens = [640]\nshapes = [{ d_model = 32, depth = 3 }]\n"),
                  {"unknown key 'depth' in [sweep] shapes[0]", "n_decoder_layers"});
  expect_contains(usage_error(base + "[trian]\nseed = 1\n" + sweep_section("s", "runs", "tokens = [640]\n")),
                  {"unknown section [trian]"});
  expect_contains(usage_error(base + "[optimizer.adamw]\nbetta = 1\n" + sweep_section("s", "runs", "tokens = [640]\n")),
                  {"unknown key 'betta' in [optimizer.adamw]"});
  expect_contains(usage_error(base), {"no [sweep] section"});
  expect_contains(usage_error(base + sweep_section("s", "runs", "")), {"[sweep] tokens must be a non-empty array"});
  expect_contains(usage_error(base + sweep_section("s", "runs", "tokens = [640, -1]\n")), {"positive numbers", "-1"});
  expect_contains(usage_error(base + sweep_section("s", "runs", "tokens = [640]\nflops = [1e9]\n")), {"flops is for mode"});
  expect_contains(usage_error(base + sweep_section("s", "runs", "mode = \"isoflop\"\ntokens = [640]\n")), {"tokens is for mode"});
  expect_contains(usage_error(base + sweep_section("s", "runs", "mode = \"chinchilla\"\ntokens = [640]\n")),
                  {"mode must be grid or isoflop"});
  expect_contains(usage_error(base + sweep_section("s", "runs", "tokens = [640]\nflops_per_token = \"7N\"\n")),
                  {"flops_per_token must be shape_stats or 6N"});
  expect_contains(usage_error(base + sweep_section("s", "runs", "tokens = [640]\njobs = 0\n")), {"[sweep] jobs must lie in"});
  expect_contains(usage_error(base + sweep_section("a b", "runs", "tokens = [640]\n")), {"name 'a b'"});
  expect_contains(usage_error(base + sweep_section("s", "runs", "tokens = [640, 640]\n")), {"appears twice"});
  // Two shapes that would share a name.
  expect_contains(usage_error(base + "[sweep]\ntokens = [640]\nshapes = [\"llama-tiny\", { d_ff = 128 }]\n"),
                  {"would both be named 'd64_l2'", "label"});
  // A shape that is not a valid model, and an unknown preset, fail before anything runs.
  usage_error(base + "[sweep]\ntokens = [640]\nshapes = [{ d_model = 30, n_heads = 4, d_kv = 7 }]\n");
  usage_error(base + "[sweep]\ntokens = [640]\nshapes = [\"no-such-preset\"]\n");
  SweepOptions bad_set;
  bad_set.sets = {"data.batch=3"};
  expect_contains(usage_error(base + sweep_section("s", "runs", "tokens = [640]\n"), bad_set), {"unknown key 'batch'"});
}

// A real sweep: two tiny runs (5 and 10 steps) on a synthetic dataset with a held-out split.
class SweepRuns : public ::testing::Test {
 protected:
  void SetUp() override {
    write_dataset(scratch_ / "train", 11);
    write_dataset(scratch_ / "eval", 12, 40);
  }
  SweepPlan plan(const std::string& name, const std::string& extra = "") {
    return parse_sweep(base_recipe(scratch_ / "train", scratch_ / "eval", registry()) + "\n[sweep]\nname = \"" + name +
                           "\"\nrun_root = \"" + (scratch_ / "runs") + "\"\nshapes = [\"llama-tiny\"]\ntokens = [640, 1280]\n" + extra,
                       name + ".toml");
  }
  std::string registry() const { return scratch_ / "runs.sqlite"; }
  Scratch scratch_{"runs"};
};

TEST_F(SweepRuns, RegistersEveryRunAndSkipsFinishedOnesOnRelaunch) {
  const SweepPlan p = plan("reg");
  ASSERT_EQ(p.runs.size(), 2u);
  std::vector<std::string> log;
  SweepRunnerOptions options;
  options.log = [&log](const std::string& line) { log.push_back(line); };
  const std::vector<SweepRunSummary> first = run_sweep(p, options);
  ASSERT_EQ(first.size(), 2u);

  scaling::RunRegistry db(registry(), true);
  const std::vector<scaling::RunRecord> records = db.runs("name LIKE 'reg/%'");
  ASSERT_EQ(records.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const SweepRun& run = p.runs[i];
    const SweepRunSummary& s = first[i];
    const scaling::RunRecord& r = records[i];
    EXPECT_EQ(s.outcome, SweepRunOutcome::Trained) << s.error;
    EXPECT_EQ(s.name, run.name);
    EXPECT_EQ(s.steps, run.steps);
    EXPECT_DOUBLE_EQ(s.tokens, static_cast<double>(run.tokens));
    EXPECT_DOUBLE_EQ(s.flops, run.flops);  // the trainer counts what the plan predicted
    ASSERT_TRUE(s.final_loss && s.eval_loss);
    EXPECT_LT(*s.final_loss, std::log(64.0));  // learning: below a uniform guess
    EXPECT_GT(*s.final_loss, 0.0);
    EXPECT_EQ(s.registry_id, r.id);
    // The registry row: kind pretrain, the run's name, N, D, C, the held-out loss as final loss, and the sweep tag.
    EXPECT_EQ(r.kind, "pretrain");
    EXPECT_EQ(r.name, run.name);
    EXPECT_EQ(r.status, "finished");
    EXPECT_EQ(r.params, run.params);
    EXPECT_DOUBLE_EQ(r.tokens, static_cast<double>(run.tokens));
    EXPECT_DOUBLE_EQ(r.flops, run.flops);
    ASSERT_TRUE(r.final_loss.has_value());
    EXPECT_DOUBLE_EQ(*r.final_loss, *s.eval_loss);
    EXPECT_EQ(r.config["train"]["sweep"], "reg");
    EXPECT_EQ(r.config["train"]["max_steps"], run.steps);
    EXPECT_TRUE(fs::exists(run.run_dir / "checkpoint" / "model.safetensors"));
  }
  // Longer training, lower held-out loss.
  EXPECT_LT(*first[1].eval_loss, *first[0].eval_loss);
  // The sweep tag selects the runs too, and both are scaling points for `hone scale fit --runs`.
  EXPECT_EQ(db.runs("json_extract(config, '$.train.sweep') = 'reg'").size(), 2u);
  EXPECT_EQ(scaling::scaling_points(records).size(), 2u);

  // Relaunch: nothing trains, nothing new is registered, the table reads the same.
  log.clear();
  const std::vector<SweepRunSummary> second = run_sweep(plan("reg"), options);
  ASSERT_EQ(second.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(second[i].outcome, SweepRunOutcome::Skipped);
    EXPECT_EQ(second[i].steps, first[i].steps);
    EXPECT_EQ(*second[i].final_loss, *first[i].final_loss);
    EXPECT_EQ(*second[i].eval_loss, *first[i].eval_loss);
    EXPECT_EQ(second[i].registry_id, first[i].registry_id);
  }
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[0].find("skipped"), std::string::npos) << log[0];
  EXPECT_EQ(scaling::RunRegistry(registry(), true).runs("name LIKE 'reg/%'").size(), 2u);

  // A finished registry run counts as finished even without its run directory.
  fs::remove_all(p.runs[0].run_dir);
  int64_t id = 0;
  EXPECT_TRUE(sweep_run_finished(p.runs[0], &id));
  EXPECT_EQ(id, first[0].registry_id);
  // A larger budget for the same run is not finished.
  SweepPlan longer = plan("reg", "");
  longer.runs[1].steps += 5;
  EXPECT_FALSE(sweep_run_finished(longer.runs[1]));
}

TEST_F(SweepRuns, InterruptedRunResumesAndKeepsItsRegistryRecord) {
  const SweepPlan p = plan("resume");
  // The 10-step run stops after 4 steps (with a checkpoint), as a killed sweep would leave it.
  {
    TrainerOptions options;
    options.stop_after = 4;
    Trainer trainer(p.runs[1].recipe, options);
    trainer.run();
  }
  EXPECT_FALSE(sweep_run_finished(p.runs[1]));
  std::vector<std::string> log;
  SweepRunnerOptions options;
  options.log = [&log](const std::string& line) { log.push_back(line); };
  const std::vector<SweepRunSummary> result = run_sweep(p, options);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[1].find("resuming at step 4"), std::string::npos) << log[1];
  EXPECT_EQ(result[1].outcome, SweepRunOutcome::Trained);
  EXPECT_EQ(result[1].steps, 10);
  const std::vector<scaling::RunRecord> records = scaling::RunRegistry(registry(), true).runs("name = 'resume/d64_l2_t1.28e3'");
  ASSERT_EQ(records.size(), 1u);  // the resumed run continued its record
  EXPECT_EQ(records[0].status, "finished");
  EXPECT_DOUBLE_EQ(records[0].tokens, 1280.0);

  // The same run straight through (another sweep name, so another directory) gives the same losses.
  const std::vector<SweepRunSummary> straight = run_sweep(plan("straight"));
  EXPECT_EQ(*straight[1].final_loss, *result[1].final_loss);
  EXPECT_EQ(*straight[1].eval_loss, *result[1].eval_loss);
}

TEST_F(SweepRuns, ParallelProcessesMatchInProcessRuns) {
  const std::vector<SweepRunSummary> sequential = run_sweep(plan("seq"));
  SweepRunnerOptions options;
  options.jobs = 2;
  options.threads = 2;  // one thread each, as the sequential runs had
  options.hone_binary = HONE_BINARY_PATH;
  const SweepPlan p = plan("par");
  const std::vector<SweepRunSummary> parallel = run_sweep(p, options);
  ASSERT_EQ(parallel.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(parallel[i].outcome, SweepRunOutcome::Trained) << parallel[i].error;
    EXPECT_TRUE(fs::exists(p.runs[i].run_dir / "sweep_run.toml"));
    EXPECT_TRUE(fs::exists(p.runs[i].run_dir / "train.log"));
    EXPECT_EQ(parallel[i].steps, sequential[i].steps);
    ASSERT_TRUE(parallel[i].final_loss && sequential[i].final_loss);
    EXPECT_EQ(*parallel[i].final_loss, *sequential[i].final_loss);  // same recipe, same thread count: same bytes
    EXPECT_EQ(*parallel[i].eval_loss, *sequential[i].eval_loss);
    EXPECT_GT(parallel[i].registry_id, 0);
  }
  // A run that fails in its process is reported with the reason; the others are unaffected.
  SweepPlan broken = plan("broken");
  broken.runs[0].recipe.data.train = scratch_ / "missing";
  broken.runs[0].recipe.resolved["data"].as_table()->insert_or_assign("train", scratch_ / "missing");
  const std::vector<SweepRunSummary> with_failure = run_sweep(broken, options);
  EXPECT_EQ(with_failure[0].outcome, SweepRunOutcome::Failed);
  EXPECT_NE(with_failure[0].error.find("exit code"), std::string::npos) << with_failure[0].error;
  EXPECT_NE(with_failure[0].error.find("missing"), std::string::npos) << with_failure[0].error;
  EXPECT_EQ(with_failure[1].outcome, SweepRunOutcome::Trained);
}

TEST_F(SweepRuns, CommandPrintsTheTableAndTheFitAndSkipsOnRelaunch) {
  const std::string recipe = scratch_ / "cli.toml";
  std::ofstream(recipe) << base_recipe(scratch_ / "train", scratch_ / "eval", registry()) + "\n[sweep]\nrun_root = \"" +
                               (scratch_ / "runs") + "\"\nshapes = [\"llama-tiny\", " + kNarrowShape +
                               "]\ntokens = [640, 960, 1280]\n";
  const std::string command = testing::hone_binary() + " scale sweep " + recipe + " --threads 1 --fit --bootstrap 20";
  const auto first = testing::run_command(command);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  expect_contains(first.output, {"sweep cli (grid, 6 runs)", "cli/d64_l2_t6.4e2", "cli/d32_l3_t1.28e3", "final loss", "held-out",
                                 "trained", "Chinchilla approach 3", "alpha", "6 points"});
  const auto again = testing::run_command(testing::hone_binary() + " scale sweep " + recipe + " --threads 1");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  expect_contains(again.output, {"[1/6] cli/d64_l2_t6.4e2: finished earlier, skipped", "skipped (finished)"});
  EXPECT_EQ(again.output.find("trained"), std::string::npos) << again.output;
  EXPECT_EQ(scaling::RunRegistry(registry(), true).runs("name LIKE 'cli/%'").size(), 6u);

  const auto dry = testing::run_command(testing::hone_binary() + " scale sweep " + recipe + " --dry-run --set data.batch_size=2");
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  expect_contains(dry.output, {"cli/d64_l2_t1.28e3", " 20 "});  // 1280 tokens at 64 per step
  const auto bad = testing::run_command(testing::hone_binary() + " scale sweep " + recipe + " --set train.sed=1");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  expect_contains(bad.output, {"unknown key 'sed' in [train]"});
}

}  // namespace
}  // namespace hone
