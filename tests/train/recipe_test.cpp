#include "train/recipe.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "model/presets.h"

namespace hone {
namespace {

const char* kMinimal = "[model]\npreset = \"llama-tiny\"\n[data]\ntrain = \"shards\"\n[train]\nmax_steps = 5\n";

// The message of the usage error that parsing raises.
std::string parse_error(const std::string& text, const RecipeOptions& options = {}) {
  try {
    parse_recipe(text, "r.toml", options);
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

TEST(Recipe, DefaultsFillEveryKey) {
  const PretrainRecipe r = parse_recipe(kMinimal, "runs/tiny.toml");
  EXPECT_EQ(r.data.train, "shards");
  EXPECT_EQ(r.data.sequence_length, 512);
  EXPECT_EQ(r.data.batch_size, 8);
  EXPECT_EQ(r.data.grad_accumulation, 1);
  EXPECT_TRUE(r.data.shuffle);
  EXPECT_FALSE(r.data.segment_masks);
  EXPECT_EQ(r.objective.name, "causal");
  EXPECT_EQ(r.objective.inputs_length, 512);
  EXPECT_EQ(r.objective.targets_length, 114);
  EXPECT_EQ(r.objective.mode_tokens, "text");
  EXPECT_EQ(r.objective.sentinel_overflow, "error");
  EXPECT_EQ(r.optimizer.name, "adamw");
  EXPECT_DOUBLE_EQ(r.optimizer.adamw.beta1, 0.9);
  EXPECT_DOUBLE_EQ(r.optimizer.adamw.beta2, 0.999);
  EXPECT_DOUBLE_EQ(r.optimizer.max_grad_norm, 1.0);
  EXPECT_TRUE(r.optimizer.adafactor.relative_step);
  EXPECT_FALSE(r.optimizer.adafactor.beta1.has_value());
  EXPECT_EQ(r.schedule.kind, ScheduleKind::Cosine);
  EXPECT_DOUBLE_EQ(r.schedule.peak_lr, 3e-4);
  EXPECT_EQ(r.train.budget, BudgetKind::Steps);
  EXPECT_EQ(r.train.max_steps, 5);
  EXPECT_EQ(r.train.seed, 1234u);
  EXPECT_EQ(r.train.name, "tiny");  // the file's stem
  EXPECT_EQ(r.run_dir(), "runs/tiny");
  ASSERT_TRUE(r.model.has_value());
  EXPECT_EQ(*r.model, preset_config("llama-tiny"));
  // The resolved table holds every key of the schema.
  for (const RecipeKey& k : recipe_keys()) {
    EXPECT_NE(r.resolved.at_path(k.section + "." + k.name).node(), nullptr) << k.section << "." << k.name;
  }
  // Written out and read back, it resolves to the same recipe.
  const PretrainRecipe again = parse_recipe(r.to_toml(), "resolved.toml");
  EXPECT_TRUE(recipe_differences(r.resolved, again.resolved).empty());
  EXPECT_EQ(*again.model, *r.model);
}

TEST(Recipe, SetOverridesTheFile) {
  RecipeOptions options;
  options.sets = {"data.batch_size=4", "optimizer.adamw.beta2=0.95", "model.d_model=128", "schedule.kind=linear",
                  "train.name=\"exp1\"", "objective.rates=[0.5, 0.5]", "schedule.peak_lr=1"};
  const PretrainRecipe r = parse_recipe(std::string(kMinimal) + "[optimizer.adamw]\nbeta2 = 0.98\n", "r.toml", options);
  EXPECT_EQ(r.data.batch_size, 4);
  EXPECT_DOUBLE_EQ(r.optimizer.adamw.beta2, 0.95);
  EXPECT_EQ(r.model->d_model, 128);
  EXPECT_EQ(r.model->n_heads, preset_config("llama-tiny").n_heads);  // the rest of the preset stays
  EXPECT_EQ(r.schedule.kind, ScheduleKind::Linear);
  EXPECT_EQ(r.train.name, "exp1");
  EXPECT_EQ(r.objective.rates, (std::vector<double>{0.5, 0.5}));
  EXPECT_DOUBLE_EQ(r.schedule.peak_lr, 1.0);  // an integer is fine for a number
  EXPECT_EQ(r.model_keys_given, std::vector<std::string>{"d_model"});
}

TEST(Recipe, UnknownSectionsAndKeysAreNamed) {
  expect_contains(parse_error(std::string(kMinimal) + "[data.extra]\nx = 1\n"), {"[data.extra]", "valid sections", "optimizer.adamw"});
  expect_contains(parse_error(std::string(kMinimal) + "[trainer]\nx = 1\n"), {"[trainer]", "valid sections: model, data"});
  expect_contains(parse_error("[data]\ntrain = \"x\"\nbatchsize = 4\n[train]\nmax_steps = 1\n"),
                  {"unknown key 'batchsize' in [data]", "batch_size", "sequence_length", "segment_masks"});
  expect_contains(parse_error(std::string(kMinimal) + "[model]\n"), {"invalid TOML"});  // a repeated table
  expect_contains(parse_error("seed = 1\n"), {"'seed' must be inside a section"});
  RecipeOptions bad_set;
  bad_set.sets = {"optimizer.adamw.beta3=0.9"};
  expect_contains(parse_error(kMinimal, bad_set), {"--set", "unknown key 'beta3' in [optimizer.adamw]", "beta2"});
  bad_set.sets = {"batch_size=4"};
  expect_contains(parse_error(kMinimal, bad_set), {"section.key=value"});
  bad_set.sets = {"model.n_layers=4"};
  expect_contains(parse_error(kMinimal, bad_set), {"unknown key 'n_layers' in [model]", "n_decoder_layers"});
}

TEST(Recipe, WrongTypesAndRangesAreNamed) {
  const std::string base = "[model]\npreset = \"llama-tiny\"\n[train]\nmax_steps = 5\n";
  expect_contains(parse_error(base + "[data]\ntrain = \"x\"\nbatch_size = \"8\"\n"),
                  {"[data] batch_size must be an integer, got string"});
  expect_contains(parse_error(base + "[data]\ntrain = \"x\"\nshuffle = 1\n"), {"shuffle must be a boolean"});
  expect_contains(parse_error(base + "[data]\ntrain = \"x\"\n[schedule]\npeak_lr = \"high\"\n"), {"peak_lr must be a number"});
  expect_contains(parse_error(base + "[data]\ntrain = \"x\"\n[objective]\nrates = [\"a\"]\n"),
                  {"rates must be an array of numbers"});
  expect_contains(parse_error(base + "[data]\ntrain = \"x\"\nbatch_size = 0\n"), {"batch_size", "at least 1"});
  expect_contains(parse_error(base + "[data]\ntrain = \"x\"\n[objective]\nname = \"mlm\"\n"),
                  {"must be causal, t5, ul2, ul2r or flan", "mlm"});
  expect_contains(parse_error(base + "[data]\ntrain = \"x\"\n[schedule]\nkind = \"step\"\n"), {"inverse_sqrt"});
  expect_contains(parse_error(base + "[data]\ntrain = \"x\"\n[optimizer]\nname = \"sgd\"\n"), {"adamw or adafactor"});
  RecipeOptions fractional;
  fractional.sets = {"model.d_model=2.5"};
  expect_contains(parse_error(kMinimal, fractional), {"[model] d_model must be an integer"});
  expect_contains(parse_error(base), {"[data] train is required"});
  expect_contains(parse_error("[model]\npreset = \"llama-tiny\"\n[data]\ntrain = \"x\"\n"), {"needs a budget", "max_steps"});
  expect_contains(parse_error(std::string(kMinimal) + "[train]\n"), {"invalid TOML"});
  RecipeOptions two;
  two.sets = {"train.max_tokens=1000"};
  expect_contains(parse_error(kMinimal, two), {"more than one budget"});
  RecipeOptions unknown_preset;
  unknown_preset.sets = {"model.preset=llama-tiniest"};
  expect_contains(parse_error(kMinimal, unknown_preset), {"llama-tiny"});  // the nearest names
  RecipeOptions invalid;
  invalid.sets = {"model.n_heads=3"};
  expect_contains(parse_error(kMinimal, invalid), {"not a valid model"});
}

TEST(Recipe, ModelFromAStyleWithoutPreset) {
  const std::string text =
      "[model]\nstyle = \"gpt2\"\nvocab_size = 100\nd_model = 32\nd_ff = 128\nn_heads = 2\nd_kv = 16\n"
      "n_kv_heads = 2\nn_decoder_layers = 1\nmax_positions = 64\n[data]\ntrain = \"x\"\n[train]\nmax_steps = 1\n";
  const PretrainRecipe r = parse_recipe(text, "g.toml");
  EXPECT_EQ(r.model->style, ModelStyle::GPT2);
  EXPECT_EQ(r.model->norm, NormKind::Layer);  // the style's convention
  EXPECT_TRUE(r.model->tie_embeddings);
  expect_contains(parse_error("[model]\nd_model = 32\n[data]\ntrain = \"x\"\n[train]\nmax_steps = 1\n"),
                  {"needs preset", "style"});
  // Without [model] the model must come from --init.
  const PretrainRecipe none = parse_recipe("[data]\ntrain = \"x\"\n[train]\nmax_steps = 1\n", "n.toml");
  EXPECT_FALSE(none.model_given);
  EXPECT_FALSE(none.resolved.contains("model"));
}

TEST(Recipe, CommandDefaultsYieldToExplicitBudgets) {
  RecipeOptions ul2r;
  ul2r.defaults = {"objective.name=\"ul2r\"", "train.flops_fraction=0.01"};
  const PretrainRecipe fraction = parse_recipe("[data]\ntrain = \"x\"\n", "u.toml", ul2r);
  EXPECT_EQ(fraction.objective.name, "ul2r");
  EXPECT_EQ(fraction.train.budget, BudgetKind::FlopsFraction);
  EXPECT_DOUBLE_EQ(fraction.train.flops_fraction, 0.01);
  ul2r.sets = {"train.max_steps=100"};
  const PretrainRecipe steps = parse_recipe("[data]\ntrain = \"x\"\n", "u.toml", ul2r);
  EXPECT_EQ(steps.train.budget, BudgetKind::Steps);
  EXPECT_DOUBLE_EQ(steps.train.flops_fraction, 0.0);
  EXPECT_EQ(steps.objective.name, "ul2r");
}

TEST(Recipe, DifferencesIgnoreOnlyBudgetAndCadence) {
  const PretrainRecipe a = parse_recipe(kMinimal, "a.toml");
  RecipeOptions changed;
  changed.sets = {"train.max_steps=50", "train.log_every=1", "train.checkpoint_every=7", "train.threads=1"};
  EXPECT_TRUE(recipe_differences(a.resolved, parse_recipe(kMinimal, "a.toml", changed).resolved).empty());
  changed.sets = {"optimizer.adamw.beta2=0.95", "data.batch_size=2", "train.seed=7", "model.d_ff=64"};
  EXPECT_EQ(recipe_differences(a.resolved, parse_recipe(kMinimal, "a.toml", changed).resolved),
            (std::vector<std::string>{"data.batch_size", "model.d_ff", "optimizer.adamw.beta2", "train.seed"}));
}

}  // namespace
}  // namespace hone

namespace hone {
namespace {

// docs/training.md documents every key of the schema.
TEST(Recipe, DocsListEveryKey) {
  std::ifstream in(std::string(HONE_REFERENCE_DIR) + "/../../docs/training.md");
  ASSERT_TRUE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  const std::string docs = text.str();
  for (const std::string& section : recipe_sections()) EXPECT_NE(docs.find("[" + section + "]"), std::string::npos) << section;
  for (const RecipeKey& k : recipe_keys()) EXPECT_NE(docs.find("`" + k.name + "`"), std::string::npos) << k.name;
}

}  // namespace
}  // namespace hone

namespace hone {
namespace {

// Every training recipe shipped in recipes/ parses (sweep recipes are checked by the sweep tests) (with a dataset path set where it has a placeholder).
TEST(ShippedRecipes, EveryRecipeParses) {
  const std::filesystem::path dir = HONE_TEST_DATA_DIR "/../../recipes";
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    RecipeOptions options;
    const std::string name = entry.path().filename().string();
    if (name.rfind("scale_sweep", 0) == 0) continue;  // sweep recipes: tests/scaling/sweep_test.cpp
    // ul2r and flan recipes take the model from --init, as their commands do.
    if (name.rfind("ul2r", 0) == 0) options.defaults = {"objective.name=\"ul2r\""};
    if (name.rfind("flan", 0) == 0) options.defaults = {"objective.name=\"flan\""};
    EXPECT_NO_THROW(load_recipe(entry.path().string(), options)) << name;
    ++parsed;
  }
  EXPECT_GE(parsed, 5);
}

}  // namespace
}  // namespace hone
