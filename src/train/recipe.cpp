#include "train/recipe.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "model/presets.h"

namespace hone {
namespace {

using Kind = RecipeValueKind;

// The ModelConfig fields a recipe may set. Getters return TOML values; setters take checked values.
struct ModelFieldAccess {
  const char* name;
  Kind kind;
  const char* meaning;
  std::function<void(ModelConfig&, const toml::node&)> set;
  std::function<void(const ModelConfig&, toml::table&, const char*)> get;
};

template <class Member>
ModelFieldAccess int_field(const char* name, Member ModelConfig::*m, const char* meaning) {
  return {name, Kind::Integer, meaning, [m](ModelConfig& c, const toml::node& n) { c.*m = *n.value<int64_t>(); },
          [m](const ModelConfig& c, toml::table& t, const char* key) { t.insert_or_assign(key, static_cast<int64_t>(c.*m)); }};
}
ModelFieldAccess float_field(const char* name, double ModelConfig::*m, const char* meaning) {
  return {name, Kind::Float, meaning, [m](ModelConfig& c, const toml::node& n) { c.*m = *n.value<double>(); },
          [m](const ModelConfig& c, toml::table& t, const char* key) { t.insert_or_assign(key, c.*m); }};
}
ModelFieldAccess bool_field(const char* name, bool ModelConfig::*m, const char* meaning) {
  return {name, Kind::Bool, meaning, [m](ModelConfig& c, const toml::node& n) { c.*m = *n.value<bool>(); },
          [m](const ModelConfig& c, toml::table& t, const char* key) { t.insert_or_assign(key, c.*m); }};
}
template <class Enum, class Parse, class Print>
ModelFieldAccess enum_field(const char* name, Enum ModelConfig::*m, Parse parse, Print print, const char* meaning) {
  return {name, Kind::String, meaning,
          [m, parse](ModelConfig& c, const toml::node& n) { c.*m = parse(*n.value<std::string>()); },
          [m, print](const ModelConfig& c, toml::table& t, const char* key) { t.insert_or_assign(key, print(c.*m)); }};
}

const std::vector<ModelFieldAccess>& model_field_table() {
  static const std::vector<ModelFieldAccess> fields = [] {
    std::vector<ModelFieldAccess> f;
    f.push_back(enum_field("family", &ModelConfig::family, parse_model_family,
                           [](ModelFamily v) { return to_string(v); }, "decoder_only or encoder_decoder"));
    f.push_back(enum_field("style", &ModelConfig::style, parse_model_style, [](ModelStyle v) { return to_string(v); },
                           "llama, gpt2 or t5 (without a preset: the style's conventions are the base)"));
    f.push_back(int_field("vocab_size", &ModelConfig::vocab_size, "embedding rows; at least the dataset's vocabulary"));
    f.push_back(int_field("d_model", &ModelConfig::d_model, "residual width"));
    f.push_back(int_field("d_ff", &ModelConfig::d_ff, "FFN inner width"));
    f.push_back(int_field("n_heads", &ModelConfig::n_heads, "attention heads"));
    f.push_back(int_field("d_kv", &ModelConfig::d_kv, "per-head width of q, k, v"));
    f.push_back(int_field("n_kv_heads", &ModelConfig::n_kv_heads, "key/value heads (grouped-query attention)"));
    f.push_back(int_field("n_encoder_layers", &ModelConfig::n_encoder_layers, "encoder layers (0 for decoder-only)"));
    f.push_back(int_field("n_decoder_layers", &ModelConfig::n_decoder_layers, "decoder layers"));
    f.push_back(int_field("max_positions", &ModelConfig::max_positions, "longest sequence (GPT-2: position table size)"));
    f.push_back(enum_field("norm", &ModelConfig::norm, parse_norm_kind, [](NormKind v) { return to_string(v); },
                           "rms or layer"));
    f.push_back(float_field("norm_eps", &ModelConfig::norm_eps, "norm epsilon"));
    f.push_back(enum_field("activation", &ModelConfig::activation, parse_activation_kind,
                           [](Activation v) { return to_string(v); }, "relu, gelu_tanh, gelu or silu"));
    f.push_back(bool_field("gated", &ModelConfig::gated, "gated FFN (SwiGLU, gated-GELU)"));
    f.push_back(bool_field("tie_embeddings", &ModelConfig::tie_embeddings, "LM head tied to the token embedding"));
    f.push_back(bool_field("attention_bias", &ModelConfig::attention_bias, "biases on q, k, v, o"));
    f.push_back(int_field("relative_attention_num_buckets", &ModelConfig::relative_attention_num_buckets, "T5 buckets"));
    f.push_back(int_field("relative_attention_max_distance", &ModelConfig::relative_attention_max_distance, "T5 distance"));
    f.push_back(float_field("rope_theta", &ModelConfig::rope_theta, "RoPE base (llama)"));
    f.push_back(float_field("dropout", &ModelConfig::dropout, "dropout rate"));
    f.push_back(bool_field("prefix_lm", &ModelConfig::prefix_lm, "decoder-only prefix-LM attention"));
    f.push_back(int_field("pad_token_id", &ModelConfig::pad_token_id, "pad id written to config.json (-1: none)"));
    f.push_back(int_field("bos_token_id", &ModelConfig::bos_token_id, "bos id written to config.json (-1: none)"));
    f.push_back(int_field("eos_token_id", &ModelConfig::eos_token_id, "eos id written to config.json (-1: none)"));
    f.push_back(int_field("decoder_start_token_id", &ModelConfig::decoder_start_token_id, "T5 decoder start id"));
    return f;
  }();
  return fields;
}

const ModelFieldAccess* find_model_field(const std::string& name) {
  for (const auto& f : model_field_table())
    if (name == f.name) return &f;
  return nullptr;
}

std::vector<RecipeKey> build_keys() {
  std::vector<RecipeKey> k = {
      {"model", "preset", Kind::String, "\"\"", "a preset name (`hone shapes` lists them); other [model] keys override it"},
  };
  for (const auto& f : model_field_table()) k.push_back({"model", f.name, f.kind, "", f.meaning});
  const std::vector<RecipeKey> rest = {
      {"data", "train", Kind::String, "\"\"", "training dataset directory written by `hone tokenize` (required)"},
      {"data", "eval", Kind::String, "\"\"", "held-out dataset directory; empty: no held-out loss"},
      {"data", "tokenizer", Kind::String, "\"\"",
       "tokenizer directory copied into checkpoints; empty: the one the train dataset names, if it exists"},
      {"data", "sequence_length", Kind::Integer, "512", "tokens per sequence (causal objective)"},
      {"data", "batch_size", Kind::Integer, "8", "sequences per micro-batch"},
      {"data", "grad_accumulation", Kind::Integer, "1", "micro-batches per optimizer step"},
      {"data", "shuffle", Kind::Bool, "true", "visit documents in a seeded shuffled order each epoch"},
      {"data", "segment_masks", Kind::Bool, "false",
       "attention stays within each packed document (GPT-2/llm.c attend across documents)"},
      {"objective", "name", Kind::String, "\"causal\"", "causal, t5, ul2, ul2r or flan"},
      {"objective", "rates", Kind::FloatArray, "[]", "mixture rates of the denoisers (ul2/ul2r); empty: the preset's"},
      {"objective", "inputs_length", Kind::Integer, "512", "encoder/input length of denoising objectives"},
      {"objective", "targets_length", Kind::Integer, "114", "target length of denoising objectives"},
      {"objective", "mode_tokens", Kind::String, "\"text\"", "text, reserved or none: how UL2 mode tokens are written"},
      {"objective", "sentinel_overflow", Kind::String, "\"error\"", "error or wrap when spans outnumber sentinels"},
      {"flan", "tasks", Kind::StringArray, "[]",
       "tasks of the instruction mixture (names or .toml files); empty: every bundled task outside held_out_clusters"},
      {"flan", "held_out_clusters", Kind::StringArray, "[]", "task clusters kept out of training (for evaluation)"},
      {"flan", "cap", Kind::Integer, "3000", "examples-proportional mixing cap per task"},
      {"flan", "zero_shot", Kind::Float, "0.5", "share of zero-shot renderings"},
      {"flan", "few_shot", Kind::Float, "0.25", "share of few-shot renderings"},
      {"flan", "chain_of_thought", Kind::Float, "0.25", "share of chain-of-thought renderings (tasks with rationales)"},
      {"flan", "shots", Kind::Integer, "3", "exemplars per few-shot rendering"},
      {"flan", "prefix_attention", Kind::Bool, "true",
       "decoder-only: bidirectional attention over the prompt (prefix LM); false: causal with a loss mask"},
      {"flan", "split_seed", Kind::Integer, "0",
       "seed of the tasks' train/validation/test splits; keep it equal to hone eval's --split-seed (default 0)"},
      {"optimizer", "name", Kind::String, "\"adamw\"", "adamw or adafactor"},
      {"optimizer", "weight_decay", Kind::Float, "0.0", "AdamW: decoupled decay of matrices; Adafactor: of every parameter"},
      {"optimizer", "max_grad_norm", Kind::Float, "1.0", "global gradient-norm clipping threshold; 0 disables"},
      {"optimizer.adamw", "beta1", Kind::Float, "0.9", "first-moment decay"},
      {"optimizer.adamw", "beta2", Kind::Float, "0.999", "second-moment decay"},
      {"optimizer.adamw", "eps", Kind::Float, "1e-8", "denominator epsilon"},
      {"optimizer.adafactor", "semantics", Kind::String, "\"hugging_face\"",
       "hugging_face (transformers' Adafactor) or torch (torch.optim.Adafactor)"},
      {"optimizer.adafactor", "relative_step", Kind::Bool, "true",
       "step size min(1e-2, 1/sqrt(t)) instead of the [schedule] (hugging_face)"},
      {"optimizer.adafactor", "scale_parameter", Kind::Bool, "true", "scale the step by the parameter RMS"},
      {"optimizer.adafactor", "warmup_init", Kind::Bool, "false", "relative step min(1e-6 t, 1/sqrt(t))"},
      {"optimizer.adafactor", "beta1", Kind::Float, "0.0", "first moment of the update; 0: none (the T5 default)"},
      {"optimizer.adafactor", "eps1", Kind::Float, "0.0", "added to g^2; 0: the variant's default (1e-30 / machine eps)"},
      {"optimizer.adafactor", "eps2", Kind::Float, "1e-3", "floor of the parameter scale"},
      {"optimizer.adafactor", "clip_threshold", Kind::Float, "1.0", "update clipping threshold"},
      {"optimizer.adafactor", "decay_rate", Kind::Float, "-0.8", "second-moment decay exponent"},
      {"schedule", "kind", Kind::String, "\"cosine\"", "constant, cosine, linear or inverse_sqrt"},
      {"schedule", "peak_lr", Kind::Float, "3e-4", "learning rate after warmup"},
      {"schedule", "warmup_steps", Kind::Integer, "0", "linear warmup steps"},
      {"schedule", "min_ratio", Kind::Float, "0.1", "cosine/linear floor as a fraction of peak_lr"},
      {"schedule", "total_steps", Kind::Integer, "0", "end of the cosine/linear decay; 0: the run's length"},
      {"train", "max_steps", Kind::Integer, "0", "budget in optimizer steps"},
      {"train", "max_tokens", Kind::Integer, "0", "budget in training tokens (rounded up to whole steps)"},
      {"train", "flops_fraction", Kind::Float, "0.0",
       "budget as a fraction of the --init model's pretraining FLOPs (hone ul2r: 0.01)"},
      {"train", "pretraining_flops", Kind::Float, "0.0",
       "pretraining FLOPs for flops_fraction; 0: from the --init checkpoint's trainer state"},
      {"train", "seed", Kind::Integer, "1234", "seed of initialisation and data order"},
      {"train", "eval_every", Kind::Integer, "100", "steps between held-out evaluations (and at the end); 0: end only"},
      {"train", "eval_batches", Kind::Integer, "8", "held-out batches per evaluation"},
      {"train", "checkpoint_every", Kind::Integer, "500", "steps between checkpoints (and at the end); 0: end only"},
      {"train", "log_every", Kind::Integer, "10", "steps between progress lines and registry curve points"},
      {"train", "run_dir", Kind::String, "\"\"", "run directory; empty: runs/<name>"},
      {"train", "registry", Kind::String, "\"\"", "run registry path; empty: the default; \"none\": do not record"},
      {"train", "name", Kind::String, "\"\"", "run name; empty: the recipe file's stem"},
      {"train", "threads", Kind::Integer, "0", "threads; 0: --threads, HONE_THREADS or all cores"},
      {"train", "sweep", Kind::String, "\"\"", "the sweep this run belongs to (set by `hone scale sweep`); empty: none"},
  };
  k.insert(k.end(), rest.begin(), rest.end());
  return k;
}

// Values compare by their TOML text (toml++ nodes of different types do not compare).
std::string node_text(const toml::node& node) {
  std::ostringstream out;
  node.visit([&out](const auto& v) { out << v; });
  return out.str();
}

std::string kind_name(Kind kind) {
  switch (kind) {
    case Kind::Bool: return "a boolean";
    case Kind::Integer: return "an integer";
    case Kind::Float: return "a number";
    case Kind::String: return "a string";
    case Kind::FloatArray: return "an array of numbers";
    case Kind::StringArray: return "an array of strings";
  }
  return "?";
}

std::string describe_node(const toml::node& node) {
  std::ostringstream out;
  if (node.is_table()) return "a table";
  if (node.is_array()) out << "array ";
  else if (node.is_string()) out << "string ";
  else if (node.is_boolean()) out << "boolean ";
  else if (node.is_integer()) out << "integer ";
  else if (node.is_floating_point()) out << "number ";
  node.visit([&out](const auto& v) { out << v; });
  return out.str();
}

// The value converted to the key's kind (integers are accepted for numbers), or nullopt.
std::optional<toml::table> coerce(const RecipeKey& key, const toml::node& node) {
  toml::table out;
  const char* k = "v";
  switch (key.kind) {
    case Kind::Bool:
      if (!node.is_boolean()) return std::nullopt;
      out.insert(k, *node.value<bool>());
      break;
    case Kind::Integer:
      if (!node.is_integer()) return std::nullopt;
      out.insert(k, *node.value<int64_t>());
      break;
    case Kind::Float:
      if (!node.is_number()) return std::nullopt;
      out.insert(k, *node.value<double>());
      break;
    case Kind::String:
      if (!node.is_string()) return std::nullopt;
      out.insert(k, *node.value<std::string>());
      break;
    case Kind::FloatArray: {
      const toml::array* a = node.as_array();
      if (!a) return std::nullopt;
      toml::array values;
      for (const auto& e : *a) {
        if (!e.is_number()) return std::nullopt;
        values.push_back(*e.value<double>());
      }
      out.insert(k, std::move(values));
      break;
    }
    case Kind::StringArray: {
      const toml::array* a = node.as_array();
      if (!a) return std::nullopt;
      toml::array values;
      for (const auto& e : *a) {
        if (!e.is_string()) return std::nullopt;
        values.push_back(*e.value<std::string>());
      }
      out.insert(k, std::move(values));
      break;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The schema as a map "section" -> key -> spec.
const std::map<std::string, std::map<std::string, const RecipeKey*>>& schema() {
  static const auto map = [] {
    std::map<std::string, std::map<std::string, const RecipeKey*>> m;
    for (const RecipeKey& k : recipe_keys()) m[k.section][k.name] = &k;
    return m;
  }();
  return map;
}

std::vector<std::string> keys_of(const std::string& section) {
  std::vector<std::string> out;
  for (const RecipeKey& k : recipe_keys())
    if (k.section == section) out.push_back(k.name);
  return out;
}

// Collects every leaf of a parsed TOML table as ("section", "key", node), checking names against the
// schema; nested tables form dotted section names ("optimizer.adamw").
void collect(const toml::table& table, const std::string& section, const std::string& origin,
             std::vector<std::tuple<std::string, std::string, const toml::node*>>& out) {
  const auto sections = recipe_sections();
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    const std::string path = section.empty() ? name : section + "." + name;
    if (const toml::table* sub = node.as_table()) {
      if (!schema().count(path)) {
        fail_usage(origin, ": unknown section [", path, "] (valid sections: ", join(sections), ")");
      }
      collect(*sub, path, origin, out);
      continue;
    }
    if (section.empty()) {
      fail_usage(origin, ": key '", name, "' must be inside a section (valid sections: ", join(sections), ")");
    }
    const auto& keys = schema().at(section);
    if (!keys.count(name)) {
      fail_usage(origin, ": unknown key '", name, "' in [", section, "] (valid keys: ", join(keys_of(section)), ")");
    }
    out.emplace_back(section, name, &node);
  }
}

// Sets resolved[section][key] = the checked value.
void assign(toml::table& resolved, const std::string& section, const std::string& name, const toml::node& node,
            const std::string& origin) {
  const RecipeKey& key = *schema().at(section).at(name);
  std::optional<toml::table> value = coerce(key, node);
  if (!value) {
    fail_usage(origin, ": [", section, "] ", name, " must be ", kind_name(key.kind), ", got ", describe_node(node));
  }
  toml::table* target = &resolved;
  std::string rest = section;
  while (!rest.empty()) {
    const size_t dot = rest.find('.');
    const std::string part = rest.substr(0, dot);
    rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
    if (!target->contains(part)) target->insert(part, toml::table{});
    target = (*target)[part].as_table();
  }
  target->insert_or_assign(name, *value->get("v"));
}

const toml::node& at(const toml::table& resolved, const std::string& section, const std::string& name) {
  const toml::node* node = resolved.at_path(section + "." + name).node();
  HONE_CHECK(node != nullptr, "internal: recipe key ", section, ".", name, " has no value");
  return *node;
}

// "section.key=value" -> (section, key, parsed node held in a table).
struct Assignment {
  std::string section, name;
  toml::table holder;
};
Assignment parse_assignment(const std::string& text, const std::string& what) {
  const size_t eq = text.find('=');
  const std::string path = text.substr(0, eq);
  const size_t dot = path.rfind('.');
  if (eq == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 == path.size()) {
    fail_usage(what, " '", text, "' must look like section.key=value (e.g. train.max_steps=100)");
  }
  Assignment a{path.substr(0, dot), path.substr(dot + 1), {}};
  if (!schema().count(a.section)) {
    fail_usage(what, " '", text, "': unknown section [", a.section, "] (valid sections: ", join(recipe_sections()), ")");
  }
  if (!schema().at(a.section).count(a.name)) {
    fail_usage(what, " '", text, "': unknown key '", a.name, "' in [", a.section,
               "] (valid keys: ", join(keys_of(a.section)), ")");
  }
  const std::string value = text.substr(eq + 1);
  try {
    toml::table parsed = toml::parse("v = " + value);
    a.holder.insert("v", *parsed.get("v"));
  } catch (const toml::parse_error&) {
    // A bare word (--set model.preset=llama-tiny) is a string when the key wants one.
    if (schema().at(a.section).at(a.name)->kind != Kind::String) {
      fail_usage(what, " '", text, "': '", value, "' is not a TOML value (", a.section, ".", a.name, " must be ",
                 kind_name(schema().at(a.section).at(a.name)->kind), ")");
    }
    a.holder.insert("v", value);
  }
  return a;
}

template <class Check>
void require(bool ok, const std::string& origin, const std::string& key, const Check& what) {
  if (!ok) fail_usage(origin, ": ", key, " ", what);
}

ModelConfig resolve_model(const PretrainRecipe& r, const std::vector<std::pair<std::string, const toml::node*>>& fields) {
  ModelConfig config;
  if (!r.model_preset.empty()) {
    config = preset_config(r.model_preset);
  } else {
    const toml::node* style = nullptr;
    for (const auto& [name, node] : fields)
      if (name == "style") style = node;
    if (!style) {
      fail_usage(r.origin, ": [model] needs preset = \"NAME\" (see `hone shapes`) or a style (llama, gpt2, t5) with "
                 "the sizes");
    }
    config = style_defaults(parse_model_style(*style->value<std::string>()));
  }
  for (const auto& [name, node] : fields) find_model_field(name)->set(config, *node);
  if (!fields.empty() || !r.model_preset.empty()) {
    const std::vector<std::string> problems = config.problems();
    if (!problems.empty()) fail_usage(r.origin, ": [model] is not a valid model: ", join(problems));
  }
  return config;
}

}  // namespace

const std::vector<RecipeKey>& recipe_keys() {
  static const std::vector<RecipeKey> keys = build_keys();
  return keys;
}

std::vector<std::string> recipe_sections() {
  std::vector<std::string> out;
  for (const RecipeKey& k : recipe_keys())
    if (std::find(out.begin(), out.end(), k.section) == out.end()) out.push_back(k.section);
  return out;
}

toml::table model_fields(const ModelConfig& config) {
  toml::table t;
  for (const auto& f : model_field_table()) f.get(config, t, f.name);
  return t;
}

std::vector<std::string> model_differences(const ModelConfig& a, const ModelConfig& b,
                                           const std::vector<std::string>& only) {
  const toml::table ta = model_fields(a), tb = model_fields(b);
  std::vector<std::string> out;
  for (const auto& f : model_field_table()) {
    if (!only.empty() && std::find(only.begin(), only.end(), f.name) == only.end()) continue;
    if (node_text(*ta.get(f.name)) != node_text(*tb.get(f.name))) out.push_back(f.name);
  }
  return out;
}

std::string PretrainRecipe::to_toml() const {
  std::ostringstream out;
  out << "# The resolved recipe: every key with its value (defaults filled in).\n" << resolved << "\n";
  return out.str();
}

std::string PretrainRecipe::run_dir() const {
  if (!train.run_dir.empty()) return train.run_dir;
  return (std::filesystem::path("runs") / train.name).string();
}

PretrainRecipe parse_recipe(const std::string& text, const std::string& origin, const RecipeOptions& options) {
  PretrainRecipe r;
  r.origin = origin;
  toml::table user;
  try {
    user = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    fail_usage(origin, ":", where.line, ":", where.column, ": invalid TOML: ", e.description());
  }

  // Defaults, then the command's defaults, the file, and --set, each checked against the schema.
  toml::table resolved;
  for (const RecipeKey& k : recipe_keys()) {
    if (k.section == "model") continue;
    toml::table parsed = toml::parse("v = " + k.default_value);
    assign(resolved, k.section, k.name, *parsed.get("v"), "built-in default");
  }
  for (const std::string& d : options.defaults) {
    Assignment a = parse_assignment(d, "default");
    assign(resolved, a.section, a.name, *a.holder.get("v"), "default " + d);
  }
  std::vector<std::tuple<std::string, std::string, const toml::node*>> given;
  collect(user, "", origin, given);
  std::vector<Assignment> sets;
  for (const std::string& s : options.sets) sets.push_back(parse_assignment(s, "--set"));
  for (const Assignment& a : sets) given.emplace_back(a.section, a.name, a.holder.get("v"));

  std::set<std::string> explicit_keys;
  std::vector<std::pair<std::string, const toml::node*>> model_given;
  for (const auto& [section, name, node] : given) {
    explicit_keys.insert(section + "." + name);
    if (section == "model") {
      const RecipeKey& key = *schema().at(section).at(name);
      if (!coerce(key, *node)) {
        fail_usage(origin, ": [model] ", name, " must be ", kind_name(key.kind), ", got ", describe_node(*node));
      }
      if (name == "preset") {
        r.model_preset = *node->value<std::string>();
      } else {
        std::erase_if(model_given, [&](const auto& p) { return p.first == name; });
        model_given.emplace_back(name, node);
      }
      r.model_given = true;
      continue;
    }
    assign(resolved, section, name, *node, origin);
  }
  for (const auto& [name, node] : model_given) r.model_keys_given.push_back(name);

  // Typed values.
  auto str = [&](const char* s, const char* k) { return *at(resolved, s, k).value<std::string>(); };
  auto integer = [&](const char* s, const char* k) { return *at(resolved, s, k).value<int64_t>(); };
  auto number = [&](const char* s, const char* k) { return *at(resolved, s, k).value<double>(); };
  auto boolean = [&](const char* s, const char* k) { return *at(resolved, s, k).value<bool>(); };

  RecipeData& d = r.data;
  d.train = str("data", "train");
  d.eval = str("data", "eval");
  d.tokenizer = str("data", "tokenizer");
  d.sequence_length = integer("data", "sequence_length");
  d.batch_size = integer("data", "batch_size");
  d.grad_accumulation = integer("data", "grad_accumulation");
  d.shuffle = boolean("data", "shuffle");
  d.segment_masks = boolean("data", "segment_masks");
  // The Flan mixture generates its examples; every other objective reads a dataset.
  require(!d.train.empty() || str("objective", "name") == "flan", origin, "[data] train",
          "is required: the dataset directory written by `hone tokenize`");
  require(d.sequence_length >= 1, origin, "[data] sequence_length", "must be at least 1");
  require(d.batch_size >= 1, origin, "[data] batch_size", "must be at least 1");
  require(d.grad_accumulation >= 1, origin, "[data] grad_accumulation", "must be at least 1");

  RecipeObjective& o = r.objective;
  o.name = str("objective", "name");
  for (const auto& v : *at(resolved, "objective", "rates").as_array()) o.rates.push_back(*v.value<double>());
  o.inputs_length = integer("objective", "inputs_length");
  o.targets_length = integer("objective", "targets_length");
  o.mode_tokens = str("objective", "mode_tokens");
  o.sentinel_overflow = str("objective", "sentinel_overflow");
  const std::set<std::string> objectives{"causal", "t5", "ul2", "ul2r", "flan"};
  require(objectives.count(o.name) > 0, origin, "[objective] name",
          "must be causal, t5, ul2, ul2r or flan, got '" + o.name + "'");
  require(o.inputs_length >= 1 && o.targets_length >= 1, origin, "[objective] inputs_length and targets_length",
          "must be at least 1");
  require(o.mode_tokens == "text" || o.mode_tokens == "reserved" || o.mode_tokens == "none", origin,
          "[objective] mode_tokens", "must be text, reserved or none, got '" + o.mode_tokens + "'");
  require(o.sentinel_overflow == "error" || o.sentinel_overflow == "wrap", origin, "[objective] sentinel_overflow",
          "must be error or wrap, got '" + o.sentinel_overflow + "'");
  for (double rate : o.rates) require(rate >= 0 && std::isfinite(rate), origin, "[objective] rates", "must be >= 0");

  RecipeOptimizer& opt = r.optimizer;
  opt.name = str("optimizer", "name");
  opt.weight_decay = number("optimizer", "weight_decay");
  opt.max_grad_norm = number("optimizer", "max_grad_norm");
  require(opt.name == "adamw" || opt.name == "adafactor", origin, "[optimizer] name",
          "must be adamw or adafactor, got '" + opt.name + "'");
  require(opt.weight_decay >= 0, origin, "[optimizer] weight_decay", "must be >= 0");
  require(opt.max_grad_norm >= 0, origin, "[optimizer] max_grad_norm", "must be >= 0 (0 disables clipping)");
  opt.adamw = AdamWConfig{number("optimizer.adamw", "beta1"), number("optimizer.adamw", "beta2"),
                          number("optimizer.adamw", "eps"), opt.weight_decay, 0.0};
  require(opt.adamw.beta1 >= 0 && opt.adamw.beta1 < 1 && opt.adamw.beta2 >= 0 && opt.adamw.beta2 < 1, origin,
          "[optimizer.adamw] beta1 and beta2", "must lie in [0, 1)");
  require(opt.adamw.eps > 0, origin, "[optimizer.adamw] eps", "must be > 0");
  AdafactorConfig& af = opt.adafactor;
  const std::string semantics = str("optimizer.adafactor", "semantics");
  require(semantics == "hugging_face" || semantics == "torch", origin, "[optimizer.adafactor] semantics",
          "must be hugging_face or torch, got '" + semantics + "'");
  af.semantics = semantics == "torch" ? AdafactorVariant::torch : AdafactorVariant::hugging_face;
  af.relative_step = boolean("optimizer.adafactor", "relative_step");
  af.scale_parameter = boolean("optimizer.adafactor", "scale_parameter");
  af.warmup_init = boolean("optimizer.adafactor", "warmup_init");
  const double beta1 = number("optimizer.adafactor", "beta1");
  if (beta1 > 0) af.beta1 = beta1;
  const double eps1 = number("optimizer.adafactor", "eps1");
  if (eps1 > 0) af.eps1 = eps1;
  af.eps2 = number("optimizer.adafactor", "eps2");
  af.clip_threshold = number("optimizer.adafactor", "clip_threshold");
  af.decay_rate = number("optimizer.adafactor", "decay_rate");
  af.weight_decay = opt.weight_decay;

  LearningRateSchedule& s = r.schedule;
  s.kind = parse_schedule_kind(str("schedule", "kind"));
  s.peak_lr = number("schedule", "peak_lr");
  s.warmup_steps = integer("schedule", "warmup_steps");
  s.min_ratio = number("schedule", "min_ratio");
  s.total_steps = integer("schedule", "total_steps");
  require(s.peak_lr >= 0 && std::isfinite(s.peak_lr), origin, "[schedule] peak_lr", "must be a finite number >= 0");
  require(s.warmup_steps >= 0 && s.total_steps >= 0, origin, "[schedule] warmup_steps and total_steps", "must be >= 0");
  require(s.min_ratio >= 0 && s.min_ratio <= 1, origin, "[schedule] min_ratio", "must lie in [0, 1]");

  RecipeFlan& f = r.flan;
  for (const auto& v : *at(resolved, "flan", "tasks").as_array()) f.tasks.push_back(*v.value<std::string>());
  for (const auto& v : *at(resolved, "flan", "held_out_clusters").as_array())
    f.held_out_clusters.push_back(*v.value<std::string>());
  f.cap = integer("flan", "cap");
  f.zero_shot = number("flan", "zero_shot");
  f.few_shot = number("flan", "few_shot");
  f.chain_of_thought = number("flan", "chain_of_thought");
  f.shots = integer("flan", "shots");
  f.prefix_attention = boolean("flan", "prefix_attention");
  const int64_t split_seed = integer("flan", "split_seed");
  require(split_seed >= 0, origin, "[flan] split_seed", "must be >= 0");
  f.split_seed = static_cast<uint64_t>(split_seed);
  require(f.cap >= 1, origin, "[flan] cap", "must be >= 1");
  require(f.shots >= 0, origin, "[flan] shots", "must be >= 0");
  for (double share : {f.zero_shot, f.few_shot, f.chain_of_thought})
    require(share >= 0 && std::isfinite(share), origin, "[flan] zero_shot, few_shot and chain_of_thought", "must be >= 0");
  require(f.zero_shot + f.few_shot + f.chain_of_thought > 0, origin, "[flan] zero_shot, few_shot and chain_of_thought",
          "must not all be 0");

  RecipeTrain& t = r.train;
  // Exactly one budget. Keys set by the user win over a command's default budget (hone ul2r's
  // flops_fraction), so `--set train.max_steps=100` alone is enough there.
  const char* budget_keys[] = {"max_steps", "max_tokens", "flops_fraction"};
  std::vector<std::string> explicit_budgets;
  for (const char* b : budget_keys)
    if (explicit_keys.count(std::string("train.") + b)) explicit_budgets.push_back(b);
  if (!explicit_budgets.empty()) {
    for (const char* b : budget_keys) {
      if (std::find(explicit_budgets.begin(), explicit_budgets.end(), b) != explicit_budgets.end()) continue;
      toml::table zero;
      if (std::string(b) == "flops_fraction") zero.insert("v", 0.0);
      else zero.insert("v", int64_t{0});
      assign(resolved, "train", b, *zero.get("v"), origin);
    }
  }
  t.max_steps = integer("train", "max_steps");
  t.max_tokens = integer("train", "max_tokens");
  t.flops_fraction = number("train", "flops_fraction");
  t.pretraining_flops = number("train", "pretraining_flops");
  require(t.max_steps >= 0 && t.max_tokens >= 0 && t.flops_fraction >= 0 && t.pretraining_flops >= 0, origin,
          "[train] max_steps, max_tokens, flops_fraction and pretraining_flops", "must be >= 0");
  const int budgets = (t.max_steps > 0) + (t.max_tokens > 0) + (t.flops_fraction > 0);
  require(budgets == 1, origin, "[train]",
          budgets == 0 ? "needs a budget: set one of max_steps, max_tokens or flops_fraction"
                       : "sets more than one budget: set only one of max_steps, max_tokens and flops_fraction");
  t.budget = t.max_steps > 0 ? BudgetKind::Steps : t.max_tokens > 0 ? BudgetKind::Tokens : BudgetKind::FlopsFraction;
  const int64_t seed = integer("train", "seed");
  require(seed >= 0, origin, "[train] seed", "must be >= 0");
  t.seed = static_cast<uint64_t>(seed);
  t.eval_every = integer("train", "eval_every");
  t.eval_batches = integer("train", "eval_batches");
  t.checkpoint_every = integer("train", "checkpoint_every");
  t.log_every = integer("train", "log_every");
  require(t.eval_every >= 0 && t.checkpoint_every >= 0, origin, "[train] eval_every and checkpoint_every",
          "must be >= 0 (0: only at the end)");
  require(t.eval_batches >= 1 && t.log_every >= 1, origin, "[train] eval_batches and log_every", "must be at least 1");
  t.run_dir = str("train", "run_dir");
  t.registry = str("train", "registry");
  t.name = str("train", "name");
  t.threads = integer("train", "threads");
  require(t.threads >= 0 && t.threads <= 4096, origin, "[train] threads", "must lie in [0, 4096]");
  if (t.name.empty()) {
    t.name = std::filesystem::path(origin).stem().string();
    if (t.name.empty()) t.name = "run";
    toml::table holder;
    holder.insert("v", t.name);
    assign(resolved, "train", "name", *holder.get("v"), origin);
  }

  if (r.model_given) {
    r.model = resolve_model(r, model_given);
    toml::table model = model_fields(*r.model);
    model.insert("preset", r.model_preset);
    resolved.insert("model", std::move(model));
  }
  r.resolved = std::move(resolved);
  return r;
}

PretrainRecipe load_recipe(const std::string& path, const RecipeOptions& options) {
  std::ifstream in(path);
  if (!in) fail_usage("cannot read recipe '", path, "': check the path");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_recipe(text.str(), path, options);
}

std::vector<std::string> recipe_differences(const toml::table& saved, const toml::table& current) {
  static const std::set<std::string> may_change{
      "train.max_steps",  "train.max_tokens", "train.flops_fraction", "train.pretraining_flops",
      "train.eval_every", "train.eval_batches", "train.checkpoint_every", "train.log_every",
      "train.run_dir",    "train.registry",     "train.name",             "train.threads"};
  std::vector<std::string> out;
  std::set<std::string> paths;
  for (const RecipeKey& k : recipe_keys()) paths.insert(k.section + "." + k.name);
  for (const std::string& path : paths) {
    if (may_change.count(path)) continue;
    const toml::node* a = saved.at_path(path).node();
    const toml::node* b = current.at_path(path).node();
    if ((a == nullptr) != (b == nullptr) || (a && node_text(*a) != node_text(*b))) out.push_back(path);
  }
  return out;
}

}  // namespace hone
