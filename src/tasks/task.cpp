#include "tasks/task.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "core/error.h"

namespace hone::tasks {

const std::string& Example::field(const std::string& name) const {
  for (const auto& [key, value] : fields)
    if (key == name) return value;
  fail("example has no input field '", name, "': the template refers to {", name,
       "}; fix the template or add the field to the examples");
}

bool Example::has_field(const std::string& name) const {
  for (const auto& entry : fields)
    if (entry.first == name) return true;
  return false;
}

void Example::set(const std::string& name, std::string value) {
  for (auto& [key, existing] : fields)
    if (key == name) {
      existing = std::move(value);
      return;
    }
  fields.emplace_back(name, std::move(value));
}

const std::vector<Example>& Splits::get(const std::string& split) const {
  if (split == "train") return train;
  if (split == "validation") return validation;
  if (split == "test") return test;
  fail_usage("unknown split '", split, "': use train, validation or test");
}

namespace {

void reject_unknown_keys(const toml::table& table, const std::set<std::string>& allowed, const std::string& where) {
  for (const auto& [key, value] : table) {
    (void)value;
    const std::string name(key.str());
    if (!allowed.count(name)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(where, ": unknown key '", name, "' (allowed: ", list, ")");
    }
  }
}

std::string required_string(const toml::table& table, const std::string& key, const std::string& where) {
  const toml::node* node = table.get(key);
  HONE_CHECK(node != nullptr, where, ": missing key '", key, "'");
  const auto value = node->value<std::string>();
  HONE_CHECK(value.has_value() && node->is_string(), where, ": key '", key, "' must be a string");
  return *value;
}

std::string optional_string(const toml::table& table, const std::string& key, const std::string& where,
                            std::string fallback) {
  if (!table.contains(key)) return fallback;
  return required_string(table, key, where);
}

}  // namespace

TaskTemplates parse_task_toml(const std::string& text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    fail(origin, ":", where.line, ":", where.column, ": invalid TOML: ", e.description());
  }
  reject_unknown_keys(root, {"name", "cluster", "description", "examples", "templates"}, origin);
  TaskTemplates task;
  task.name = required_string(root, "name", origin);
  task.cluster = required_string(root, "cluster", origin);
  task.description = optional_string(root, "description", origin, "");
  task.examples_file = optional_string(root, "examples", origin, "");
  const toml::array* templates = root["templates"].as_array();
  HONE_CHECK(templates != nullptr && !templates->empty(), origin,
             ": needs at least one [[templates]] table with an 'inputs' string");
  for (size_t i = 0; i < templates->size(); ++i) {
    const std::string where = origin + ": templates[" + std::to_string(i) + "]";
    const toml::table* entry = (*templates)[i].as_table();
    HONE_CHECK(entry != nullptr, where, " must be a table ([[templates]])");
    reject_unknown_keys(*entry, {"inputs", "targets", "cot_targets"}, where);
    Template t;
    t.inputs = required_string(*entry, "inputs", where);
    t.targets = optional_string(*entry, "targets", where, "{answer}");
    t.cot_targets = optional_string(*entry, "cot_targets", where, "");
    task.templates.push_back(std::move(t));
  }
  HONE_CHECK(!task.name.empty(), origin, ": 'name' must not be empty");
  return task;
}

TaskTemplates load_task_toml(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HONE_CHECK(in.good(), "cannot read task file ", path, ": check the path");
  std::ostringstream text;
  text << in.rdbuf();
  TaskTemplates task = parse_task_toml(text.str(), path);
  if (!task.examples_file.empty() && task.examples_file.front() != '/') {
    const auto slash = path.find_last_of('/');
    if (slash != std::string::npos) task.examples_file = path.substr(0, slash + 1) + task.examples_file;
  }
  return task;
}

namespace {

std::vector<std::string> string_list(const nlohmann::json& value, const std::string& key, const std::string& where) {
  HONE_CHECK(value.is_array(), where, ": '", key, "' must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : value) {
    HONE_CHECK(item.is_string(), where, ": '", key, "' must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

Example parse_example_json(const std::string& line, const std::string& origin) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    fail(origin, ": invalid JSON: ", e.what());
  }
  HONE_CHECK(json.is_object(), origin, ": an example must be a JSON object");
  Example example;
  bool has_target = false;
  for (const auto& [key, value] : json.items()) {
    if (key == "inputs") {
      HONE_CHECK(value.is_object(), origin, ": 'inputs' must be an object of string fields");
      // nlohmann sorts object keys; the order of fields does not matter to templates.
      for (const auto& [name, text] : value.items()) {
        HONE_CHECK(text.is_string(), origin, ": input field '", name, "' must be a string");
        example.fields.emplace_back(name, text.get<std::string>());
      }
    } else if (key == "target") {
      HONE_CHECK(value.is_string(), origin, ": 'target' must be a string");
      example.target = value.get<std::string>();
      has_target = true;
    } else if (key == "rationale") {
      HONE_CHECK(value.is_string(), origin, ": 'rationale' must be a string");
      example.rationale = value.get<std::string>();
    } else if (key == "options") {
      example.options = string_list(value, key, origin);
    } else if (key == "accepted") {
      example.accepted = string_list(value, key, origin);
    } else {
      fail(origin, ": unknown key '", key, "' (allowed: inputs, target, options, rationale, accepted)");
    }
  }
  HONE_CHECK(has_target, origin, ": missing 'target'");
  if (!example.options.empty()) {
    bool found = false;
    for (const auto& option : example.options) found = found || option == example.target;
    HONE_CHECK(found, origin, ": the target '", example.target, "' is not one of the options");
  }
  return example;
}

std::string example_json(const Example& example) {
  nlohmann::ordered_json json;
  json["inputs"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : example.fields) json["inputs"][name] = value;
  json["target"] = example.target;
  if (!example.options.empty()) json["options"] = example.options;
  if (!example.rationale.empty()) json["rationale"] = example.rationale;
  if (!example.accepted.empty()) json["accepted"] = example.accepted;
  return json.dump();
}

std::vector<Example> load_examples_jsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HONE_CHECK(in.good(), "cannot read examples file ", path, ": check the path");
  std::vector<Example> examples;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    examples.push_back(parse_example_json(line, path + ":" + std::to_string(number)));
  }
  return examples;
}

void save_examples_jsonl(const std::string& path, const std::vector<Example>& examples) {
  std::ofstream out(path, std::ios::binary);
  HONE_CHECK(out.good(), "cannot write ", path, ": check the directory exists and is writable");
  for (const auto& example : examples) out << example_json(example) << '\n';
  HONE_CHECK(out.good(), "writing ", path, " failed: is the disk full?");
}

}  // namespace hone::tasks
