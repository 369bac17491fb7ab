#include "train/sweep_plan.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "model/shape_stats.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// A value as TOML text, for a "section.key=value" override.
std::string toml_text(const toml::node& node) {
  std::ostringstream out;
  node.visit([&out](const auto& v) { out << v; });
  return out.str();
}

std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Names become directory names and registry LIKE patterns: keep them plain.
bool plain_name(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '+';
  });
}

// Overlays `top` onto `base`, table by table (a key in top replaces base's).
void merge_into(toml::table& base, const toml::table& top) {
  for (const auto& [key, node] : top) {
    if (const toml::table* sub = node.as_table()) {
      if (toml::table* existing = base[key].as_table()) {
        merge_into(*existing, *sub);
        continue;
      }
    }
    base.insert_or_assign(key, node);
  }
}

std::vector<double> positive_numbers(const toml::node* node, const std::string& origin, const char* key) {
  std::vector<double> out;
  const toml::array* array = node ? node->as_array() : nullptr;
  if (!array || array->empty()) fail_usage(origin, ": [sweep] ", key, " must be a non-empty array of numbers");
  for (const auto& v : *array) {
    const std::optional<double> x = v.value<double>();
    if (!v.is_number() || !x || !(*x > 0) || !std::isfinite(*x)) {
      fail_usage(origin, ": [sweep] ", key, " must hold positive numbers, got ", toml_text(v));
    }
    out.push_back(*x);
  }
  return out;
}

struct ShapeSpec {
  std::string label;               // empty: from the resolved config
  std::vector<std::string> sets;   // model.key=value
  std::string description;         // for messages
};

std::vector<std::string> model_key_names() {
  std::vector<std::string> out;
  for (const RecipeKey& k : recipe_keys())
    if (k.section == "model") out.push_back(k.name);
  return out;
}

std::vector<ShapeSpec> parse_shapes(const toml::node* node, const std::string& origin) {
  const toml::array* array = node ? node->as_array() : nullptr;
  if (!array || array->empty()) {
    fail_usage(origin, ": [sweep] shapes must be a non-empty array of preset names or tables of [model] keys, e.g. "
               "shapes = [\"llama-tiny\", { d_model = 96, n_decoder_layers = 3 }]");
  }
  const std::vector<std::string> model_keys = model_key_names();
  std::vector<ShapeSpec> out;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    ShapeSpec spec;
    if (const auto preset = item.value<std::string>(); item.is_string()) {
      spec.sets.push_back("model.preset=" + toml_string(*preset));
      spec.description = *preset;
    } else if (const toml::table* table = item.as_table()) {
      for (const auto& [key, value] : *table) {
        const std::string name(key.str());
        if (name == "label") {
          if (!value.is_string()) fail_usage(origin, ": [sweep] shapes[", i, "] label must be a string");
          spec.label = *value.value<std::string>();
          continue;
        }
        if (std::find(model_keys.begin(), model_keys.end(), name) == model_keys.end()) {
          fail_usage(origin, ": unknown key '", name, "' in [sweep] shapes[", i, "] (valid keys: label, ", join(model_keys), ")");
        }
        spec.sets.push_back("model." + name + "=" + toml_text(value));
        spec.description += (spec.description.empty() ? "" : ", ") + name + " = " + toml_text(value);
      }
      if (spec.sets.empty()) fail_usage(origin, ": [sweep] shapes[", i, "] sets no [model] key");
    } else {
      fail_usage(origin, ": [sweep] shapes[", i, "] must be a preset name or a table of [model] keys, got ", toml_text(item));
    }
    out.push_back(std::move(spec));
  }
  return out;
}

// "d64_l2" (decoder-only) or "d64_l2x2" (encoder x decoder layers).
std::string shape_label(const ModelConfig& c) {
  std::string out = "d" + std::to_string(c.d_model) + "_l";
  if (c.is_encoder_decoder()) out += std::to_string(c.n_encoder_layers) + "x";
  return out + std::to_string(c.n_decoder_layers);
}

// Tokens a step trains on: the trainer's nominal batch shape (decoder-only rows are sequence_length long
// whatever the objective; encoder-decoder rows are inputs + targets).
BatchShape step_shape(const PretrainRecipe& r, const ModelConfig& c) {
  if (!c.is_encoder_decoder()) return {r.data.batch_size, 0, r.data.sequence_length};
  return {r.data.batch_size, r.objective.inputs_length, r.objective.targets_length};
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& sweep_keys() {
  static const std::vector<std::pair<std::string, std::string>> keys = {
      {"name", "the sweep's name; runs are named NAME/<shape>_<budget> (default: the file's stem)"},
      {"base", "base pretraining recipe file; this file's other sections override it (default: none, the sections here)"},
      {"mode", "grid (shapes x token budgets) or isoflop (FLOP budgets x shapes)"},
      {"shapes", "model shapes: preset names or tables of [model] keys (and an optional label)"},
      {"tokens", "grid: training-token budgets (rounded up to whole steps)"},
      {"flops", "isoflop: training-FLOP budgets"},
      {"flops_per_token", "isoflop: shape_stats (the trainer's FLOP count, with attention) or 6N"},
      {"run_root", "run directories are RUN_ROOT/NAME/<run> (default: runs)"},
      {"jobs", "runs at once; more than 1 starts `hone pretrain` subprocesses (default: 1, in this process)"},
      {"threads", "threads in all, split evenly between the jobs (default: 0, --threads or all cores)"},
  };
  return keys;
}

std::string budget_tag(double value) {
  HONE_CHECK(value > 0 && std::isfinite(value), "budget_tag: ", value, " is not a positive number");
  int exponent = static_cast<int>(std::floor(std::log10(value)));
  double mantissa = value / std::pow(10.0, exponent);
  // Three significant digits; rounding may carry into the next decade (9.999e5 -> 1e6).
  mantissa = std::round(mantissa * 100.0) / 100.0;
  if (mantissa >= 10.0) {
    mantissa /= 10.0;
    ++exponent;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%ge%d", mantissa, exponent);
  return text;
}

SweepPlan parse_sweep(const std::string& text, const std::string& origin, const SweepOptions& options) {
  toml::table file;
  try {
    file = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    fail_usage(origin, ":", where.line, ":", where.column, ": invalid TOML: ", e.description());
  }
  const toml::table* sweep = file["sweep"].as_table();
  if (!sweep) fail_usage(origin, ": no [sweep] section (a sweep recipe is a pretraining recipe plus [sweep]; see docs/scaling.md)");
  std::vector<std::string> valid;
  for (const auto& [key, meaning] : sweep_keys()) valid.push_back(key);
  for (const auto& [key, node] : *sweep) {
    if (std::find(valid.begin(), valid.end(), std::string(key.str())) == valid.end()) {
      fail_usage(origin, ": unknown key '", key.str(), "' in [sweep] (valid keys: ", join(valid), ")");
    }
  }
  auto string_key = [&](const char* key, const std::string& fallback) {
    const toml::node* node = sweep->get(key);
    if (!node) return fallback;
    if (!node->is_string()) fail_usage(origin, ": [sweep] ", key, " must be a string, got ", toml_text(*node));
    return *node->value<std::string>();
  };
  auto integer_key = [&](const char* key, int64_t fallback, int64_t low, int64_t high) {
    const toml::node* node = sweep->get(key);
    if (!node) return fallback;
    if (!node->is_integer()) fail_usage(origin, ": [sweep] ", key, " must be an integer, got ", toml_text(*node));
    const int64_t v = *node->value<int64_t>();
    if (v < low || v > high) fail_usage(origin, ": [sweep] ", key, " must lie in [", low, ", ", high, "], got ", v);
    return v;
  };

  SweepPlan plan;
  plan.origin = origin;
  plan.name = string_key("name", fs::path(origin).stem().string());
  if (!plain_name(plan.name)) {
    fail_usage(origin, ": [sweep] name '", plan.name, "' must be letters, digits, '.', '-', '_' or '+' (it names directories "
               "and registry runs)");
  }
  const std::string mode = string_key("mode", "grid");
  if (mode != "grid" && mode != "isoflop") fail_usage(origin, ": [sweep] mode must be grid or isoflop, got '", mode, "'");
  plan.mode = mode == "grid" ? SweepMode::Grid : SweepMode::IsoFlop;
  const std::string per_token = string_key("flops_per_token", "shape_stats");
  if (per_token != "shape_stats" && per_token != "6N") {
    fail_usage(origin, ": [sweep] flops_per_token must be shape_stats or 6N, got '", per_token, "'");
  }
  plan.flops_per_token = per_token == "6N" ? SweepFlopsPerToken::SixN : SweepFlopsPerToken::ShapeStats;
  plan.run_root = options.run_root.empty() ? string_key("run_root", "runs") : options.run_root;
  plan.jobs = integer_key("jobs", 1, 1, 256);
  plan.threads = integer_key("threads", 0, 0, 4096);

  std::vector<double> budgets;
  if (plan.mode == SweepMode::Grid) {
    if (sweep->contains("flops")) fail_usage(origin, ": [sweep] flops is for mode = \"isoflop\"; a grid takes tokens");
    budgets = positive_numbers(sweep->get("tokens"), origin, "tokens");
  } else {
    if (sweep->contains("tokens")) fail_usage(origin, ": [sweep] tokens is for mode = \"grid\"; IsoFLOP profiles take flops");
    budgets = positive_numbers(sweep->get("flops"), origin, "flops");
  }
  const std::vector<ShapeSpec> shapes = parse_shapes(sweep->get("shapes"), origin);

  // The base recipe: the base file overlaid with this file's own sections.
  toml::table base_table;
  std::string base_origin = origin;
  const std::string base_path = string_key("base", "");
  if (!base_path.empty()) {
    try {
      base_table = toml::parse_file(base_path);
    } catch (const toml::parse_error& e) {
      fail_usage(origin, ": [sweep] base '", base_path, "': ", e.description(),
                 " (paths are relative to the working directory)");
    }
    base_origin = base_path;
  }
  toml::table own = file;
  own.erase("sweep");
  merge_into(base_table, own);
  std::ostringstream base_text;
  base_text << base_table;

  std::vector<std::pair<double, size_t>> order;  // (budget, shape) in run order
  if (plan.mode == SweepMode::Grid) {
    for (size_t s = 0; s < shapes.size(); ++s)
      for (double b : budgets) order.emplace_back(b, s);
  } else {
    for (double b : budgets)
      for (size_t s = 0; s < shapes.size(); ++s) order.emplace_back(b, s);
  }

  std::map<std::string, std::string> seen;  // label -> shape description
  for (const auto& [budget, s] : order) {
    const ShapeSpec& shape = shapes[s];
    RecipeOptions recipe_options;
    recipe_options.sets = options.sets;
    recipe_options.sets.insert(recipe_options.sets.end(), shape.sets.begin(), shape.sets.end());
    // A placeholder budget to resolve the model; the real one is set below.
    recipe_options.sets.insert(recipe_options.sets.end(), {"train.max_steps=1", "train.max_tokens=0", "train.flops_fraction=0"});
    PretrainRecipe probe = parse_recipe(base_text.str(), base_origin, recipe_options);
    if (!probe.model) fail_usage(origin, ": the base recipe has no [model] section: add one (e.g. preset = \"llama-tiny\")");
    const ModelConfig& config = *probe.model;

    SweepRun run;
    const BatchShape batch = step_shape(probe, config);
    run.tokens_per_step = batch.batch * probe.data.grad_accumulation * (batch.source_length + batch.target_length);
    const FlopsEstimate flops = estimate_flops(config, batch);
    const double step_flops = static_cast<double>(flops.training_per_step) * static_cast<double>(probe.data.grad_accumulation);
    run.params = count_parameters(config).total;
    run.budget = budget;
    if (plan.mode == SweepMode::Grid) {
      run.steps = static_cast<int64_t>(std::ceil(budget / static_cast<double>(run.tokens_per_step)));
    } else {
      const double per_token = plan.flops_per_token == SweepFlopsPerToken::SixN ? 6.0 * static_cast<double>(run.params)
                                                                                : flops.training_per_token;
      run.steps = std::max<int64_t>(1, std::llround(budget / per_token / static_cast<double>(run.tokens_per_step)));
    }
    run.tokens = run.steps * run.tokens_per_step;
    run.flops = static_cast<double>(run.steps) * step_flops;

    const std::string shape_part = shape.label.empty() ? shape_label(config) : shape.label;
    if (!plain_name(shape_part)) {
      fail_usage(origin, ": [sweep] shape label '", shape_part, "' must be letters, digits, '.', '-', '_' or '+'");
    }
    if (auto it = seen.find(shape_part); it != seen.end() && it->second != shape.description) {
      fail_usage(origin, ": [sweep] shapes '", it->second, "' and '", shape.description, "' would both be named '", shape_part,
                 "': give one a label = \"...\"");
    }
    seen[shape_part] = shape.description;
    run.label = shape_part + "_" + (plan.mode == SweepMode::Grid ? "t" : "c") + budget_tag(budget);
    run.name = plan.name + "/" + run.label;
    run.run_dir = plan.run_root / plan.name / run.label;

    recipe_options.sets.resize(recipe_options.sets.size() - 3);
    recipe_options.sets.insert(recipe_options.sets.end(),
                               {"train.max_steps=" + std::to_string(run.steps), "train.max_tokens=0", "train.flops_fraction=0",
                                "train.name=" + toml_string(run.name), "train.run_dir=" + toml_string(run.run_dir.string()),
                                "train.sweep=" + toml_string(plan.name)});
    run.recipe = parse_recipe(base_text.str(), base_origin, recipe_options);
    plan.runs.push_back(std::move(run));
  }
  std::set<std::string> labels;
  for (const SweepRun& run : plan.runs) {
    if (!labels.insert(run.label).second) {
      fail_usage(origin, ": [sweep] run '", run.label, "' appears twice: remove the repeated shape or budget");
    }
  }
  return plan;
}

SweepPlan load_sweep(const std::string& path, const SweepOptions& options) {
  std::ifstream in(path);
  if (!in) fail_usage("cannot read sweep recipe '", path, "': check the path");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_sweep(text.str(), path, options);
}

}  // namespace hone
