#include "curate/pipeline_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "core/error.h"

namespace hone::curate {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Typed access to one stage table; every key read is remembered so that the leftovers are reported as
// unknown (a typo must never be silently ignored).
class TableReader {
 public:
  TableReader(const toml::table& table, std::string where) : table_(table), where_(std::move(where)) {}

  const toml::node* find(const std::string& key) {
    seen_.insert(key);
    return table_.get(key);
  }
  void number(const std::string& key, double& value) {
    const toml::node* node = find(key);
    if (!node) return;
    if (node->is_integer()) value = static_cast<double>(*node->value<std::int64_t>());
    else if (node->is_floating_point()) value = *node->value<double>();
    else fail(where_, ".", key, " must be a number");
  }
  template <class Int>
  void integer(const std::string& key, Int& value) {
    const toml::node* node = find(key);
    if (!node) return;
    HONE_CHECK(node->is_integer() && *node->value<std::int64_t>() >= 0, where_, ".", key,
               " must be a non-negative integer");
    value = static_cast<Int>(*node->value<std::int64_t>());
  }
  void boolean(const std::string& key, bool& value) {
    const toml::node* node = find(key);
    if (!node) return;
    HONE_CHECK(node->is_boolean(), where_, ".", key, " must be true or false");
    value = *node->value<bool>();
  }
  void string(const std::string& key, std::string& value) {
    const toml::node* node = find(key);
    if (!node) return;
    HONE_CHECK(node->is_string(), where_, ".", key, " must be a string");
    value = *node->value<std::string>();
  }
  void strings(const std::string& key, std::vector<std::string>& value) {
    const toml::node* node = find(key);
    if (!node) return;
    const toml::array* array = node->as_array();
    HONE_CHECK(array != nullptr, where_, ".", key, " must be an array of strings");
    value.clear();
    for (const auto& item : *array) {
      HONE_CHECK(item.is_string(), where_, ".", key, " must be an array of strings");
      value.push_back(*item.value<std::string>());
    }
  }
  // { 2 = 0.20, 3 = 0.18 } -> [(2, 0.20), (3, 0.18)], n within [low, high].
  void ngram_fractions(const std::string& key, int low, int high, std::vector<std::pair<int, double>>& value) {
    const toml::node* node = find(key);
    if (!node) return;
    const toml::table* table = node->as_table();
    HONE_CHECK(table != nullptr, where_, ".", key, " must be a table of n = fraction, e.g. { 2 = 0.20, 3 = 0.18 }");
    value.clear();
    for (const auto& [n_key, fraction] : *table) {
      int n = 0;
      try {
        n = std::stoi(std::string(n_key.str()));
      } catch (...) {
        fail(where_, ".", key, ": '", n_key.str(), "' is not an n-gram size");
      }
      HONE_CHECK(n >= low && n <= high, where_, ".", key, ": n-gram size ", n, " is outside ", low, "..", high);
      HONE_CHECK(fraction.is_number(), where_, ".", key, ".", n, " must be a number");
      value.emplace_back(n, fraction.is_integer() ? static_cast<double>(*fraction.value<std::int64_t>())
                                                  : *fraction.value<double>());
    }
    std::sort(value.begin(), value.end());
  }
  void reject_unknown() const {
    std::vector<std::string> allowed(seen_.begin(), seen_.end());
    for (const auto& [key, node] : table_) {
      (void)node;
      const std::string name(key.str());
      if (!seen_.count(name)) fail(where_, ": unknown key '", name, "' (known: ", joined(allowed), ")");
    }
  }

 private:
  const toml::table& table_;
  std::string where_;
  std::set<std::string> seen_;
};

std::string resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

void read_url_filter(TableReader& t, PipelineConfig& c, const std::string& base_dir) {
  auto list = [&](const std::string& name, std::vector<std::string>& entries, std::vector<std::string>& files) {
    t.strings(name, entries);
    std::vector<std::string> file_names;
    if (const toml::node* node = t.find(name + "_file")) {
      HONE_CHECK(node->is_string(), "url_filter.", name, "_file must be a string (a path)");
      file_names.push_back(*node->value<std::string>());
    }
    for (const auto& f : file_names) {
      files.push_back(resolve(f, base_dir));
      for (auto& entry : read_list_file(files.back())) entries.push_back(std::move(entry));
    }
  };
  UrlFilterConfig& u = c.url_filter;
  UrlListSources& s = c.url_lists;
  list("blocked_domains", u.blocked_domains, s.blocked_domains_files);
  list("blocked_urls", u.blocked_urls, s.blocked_urls_files);
  list("hard_words", u.hard_words, s.hard_words_files);
  list("soft_words", u.soft_words, s.soft_words_files);
  list("strict_subwords", u.strict_subwords, s.strict_subwords_files);
  t.integer("soft_word_threshold", u.soft_word_threshold);
}

void read_html_extract(TableReader& t, HtmlExtractOptions& o) {
  t.integer("max_html_bytes", o.max_html_bytes);
  t.number("max_seconds", o.max_seconds);
  t.number("max_link_density", o.max_link_density);
  t.number("good_max_link_density", o.good_max_link_density);
  t.integer("good_min_chars", o.good_min_chars);
  t.integer("near_good_min_chars", o.near_good_min_chars);
  t.integer("max_heading_distance", o.max_heading_distance);
}

void read_language_filter(TableReader& t, LanguageFilterConfig& l, const std::string& base_dir) {
  t.strings("languages", l.languages);
  t.number("min_score", l.min_score);
  std::string backend = l.backend == LanguageIdBackend::FastText ? "fasttext" : "cld2";
  t.string("backend", backend);
  HONE_CHECK(backend == "cld2" || backend == "fasttext", "language_filter.backend must be \"cld2\" or \"fasttext\", got \"",
             backend, "\"");
  l.backend = backend == "fasttext" ? LanguageIdBackend::FastText : LanguageIdBackend::Cld2;
  std::string model = l.fasttext_model_path;
  t.string("fasttext_model", model);
  l.fasttext_model_path = resolve(model, base_dir);
  HONE_CHECK(l.min_score >= 0 && l.min_score <= 1, "language_filter.min_score must be in [0, 1], got ", l.min_score);
  HONE_CHECK(l.backend == LanguageIdBackend::Cld2 || !l.fasttext_model_path.empty(),
             "language_filter.backend = \"fasttext\" needs fasttext_model = \"path/to/lid.176.bin\"");
}

void read_gopher_repetition(TableReader& t, GopherRepetitionConfig& g) {
  t.number("max_duplicate_paragraph_fraction", g.max_duplicate_paragraph_fraction);
  t.number("max_duplicate_paragraph_char_fraction", g.max_duplicate_paragraph_char_fraction);
  t.number("max_duplicate_line_fraction", g.max_duplicate_line_fraction);
  t.number("max_duplicate_line_char_fraction", g.max_duplicate_line_char_fraction);
  t.ngram_fractions("top_ngram_max_char_fraction", 1, 4, g.top_ngram_max_char_fraction);
  t.ngram_fractions("duplicate_ngram_max_char_fraction", 5, 20, g.duplicate_ngram_max_char_fraction);
}

void read_gopher_quality(TableReader& t, GopherQualityConfig& g) {
  t.integer("min_words", g.min_words);
  t.integer("max_words", g.max_words);
  t.number("min_mean_word_length", g.min_mean_word_length);
  t.number("max_mean_word_length", g.max_mean_word_length);
  t.number("max_symbol_word_ratio", g.max_symbol_word_ratio);
  t.number("max_bullet_line_fraction", g.max_bullet_line_fraction);
  t.number("max_ellipsis_line_fraction", g.max_ellipsis_line_fraction);
  t.number("min_alpha_word_fraction", g.min_alpha_word_fraction);
  t.integer("min_stop_words", g.min_stop_words);
  t.strings("stop_words", g.stop_words);
}

void read_line_corrections(TableReader& t, LineCorrectionsConfig& l) {
  t.number("max_uppercase_fraction", l.max_uppercase_fraction);
  t.integer("min_line_words", l.min_line_words);
  t.integer("max_boilerplate_line_words", l.max_boilerplate_line_words);
  t.number("max_removed_word_fraction", l.max_removed_word_fraction);
}

void read_minhash(TableReader& t, MinhashConfig& m) {
  std::string preset;
  t.string("preset", preset);
  if (!preset.empty()) m = minhash_preset(preset);  // first, so explicit keys below override it
  t.integer("bands", m.bands);
  t.integer("rows", m.rows);
  t.integer("ngram_size", m.ngram_size);
  t.integer("seed", m.seed);
  t.number("verify_jaccard", m.verify_jaccard);
  m.validate();
}

void read_exact_dedup(TableReader& t, PipelineConfig& c) {
  ExactDedupConfig& e = c.exact_dedup;
  t.boolean("drop_duplicate_documents", e.drop_duplicate_documents);
  t.boolean("remove_duplicate_spans", e.remove_duplicate_spans);
  t.integer("min_span_bytes", e.min_span_bytes);
  t.integer("min_doc_chars", e.min_doc_chars);
  t.integer("batch_bytes", c.exact_dedup_batch_bytes);
  HONE_CHECK(e.min_span_bytes >= 1, "exact_dedup.min_span_bytes must be >= 1");
  HONE_CHECK(c.exact_dedup_batch_bytes >= 1, "exact_dedup.batch_bytes must be >= 1");
}

void validate_stage_order(const std::vector<std::string>& stages, const std::string& origin) {
  std::set<std::string> seen;
  bool corpus_stage_seen = false;
  for (const auto& stage : stages) {
    const auto& names = pipeline_stage_names();
    HONE_CHECK(std::find(names.begin(), names.end(), stage) != names.end(), origin, ": unknown stage '", stage,
               "' (known: ", joined(names), ")");
    HONE_CHECK(seen.insert(stage).second, origin, ": stage '", stage, "' is listed twice");
    if (is_document_stage(stage)) {
      HONE_CHECK(!corpus_stage_seen, origin, ": per-document stage '", stage,
                 "' comes after a dedup stage; list minhash_dedup and exact_dedup last");
    } else {
      corpus_stage_seen = true;
    }
  }
  HONE_CHECK(!stages.empty(), origin, ": the pipeline has no stages");
}

}  // namespace

const std::vector<std::string>& pipeline_stage_names() {
  static const std::vector<std::string> names = {"url_filter",     "html_extract",     "language_filter",
                                                 "gopher_repetition", "gopher_quality", "line_corrections",
                                                 "minhash_dedup",  "exact_dedup"};
  return names;
}

bool is_document_stage(std::string_view stage) { return stage != "minhash_dedup" && stage != "exact_dedup"; }

bool PipelineConfig::has_stage(std::string_view stage) const {
  return std::find(stages.begin(), stages.end(), stage) != stages.end();
}

std::vector<std::string> PipelineConfig::document_stages() const {
  std::vector<std::string> out;
  for (const auto& s : stages)
    if (is_document_stage(s)) out.push_back(s);
  return out;
}

std::vector<std::string> PipelineConfig::corpus_stages() const {
  std::vector<std::string> out;
  for (const auto& s : stages)
    if (!is_document_stage(s)) out.push_back(s);
  return out;
}

std::vector<std::string> pipeline_preset_names() { return {"refinedweb", "gopher", "c4", "fineweb"}; }

// Each preset's differences from RefinedWeb and their sources are in docs/curate_pipeline.md.
PipelineConfig pipeline_preset(std::string_view name) {
  PipelineConfig c;
  c.preset = std::string(name);
  if (name == "refinedweb") {
    // Penedo et al. 2023, section 3 and appendix G: all eight stages with the blocks' defaults.
    c.stages = pipeline_stage_names();
    c.minhash_dedup = minhash_preset("refinedweb");
  } else if (name == "gopher") {
    // Rae et al. 2021, appendix A (MassiveWeb): quality filter, then repetition removal, then exact
    // document dedup and MinHash over 13-grams with 450 hashes at Jaccard ~0.8 (30 bands x 15 rows:
    // threshold (1/30)^(1/15) = 0.797). No URL word rules, no line-wise corrections, no span dedup.
    c.stages = {"html_extract", "language_filter", "gopher_quality", "gopher_repetition", "exact_dedup",
                "minhash_dedup"};
    c.minhash_dedup.bands = 30;
    c.minhash_dedup.rows = 15;
    c.minhash_dedup.ngram_size = 13;
    c.exact_dedup.remove_duplicate_spans = false;
  } else if (name == "c4") {
    // Raffel et al. 2020, section 2.2: English at probability >= 0.99 and removal of repeated spans
    // (C4 drops all but one copy of every repeated three-sentence span; approximated by exact_dedup's
    // repeated byte spans). C4's line rules are not stages of hone (see the docs).
    c.stages = {"html_extract", "language_filter", "exact_dedup"};
    c.language_filter.min_score = 0.99;
  } else if (name == "fineweb") {
    // Penedo et al. 2024 (FineWeb): URL filter, extraction, English >= 0.65, Gopher repetition and
    // quality, MinHash 5-grams with 14 bands x 8 rows (112 hashes); no line corrections, no exact
    // substring dedup.
    c.stages = {"url_filter",    "html_extract",  "language_filter",
                "gopher_repetition", "gopher_quality", "minhash_dedup"};
    c.minhash_dedup = minhash_preset("fineweb");
  } else {
    fail_usage("unknown curation preset '", name, "' (known: ", joined(pipeline_preset_names()), ")");
  }
  return c;
}

PipelineConfig parse_pipeline_toml(const std::string& text, const std::string& origin, const std::string& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    fail(origin, ":", where.line, ":", where.column, ": invalid TOML: ", e.description());
  }
  TableReader top(root, origin);
  std::string preset = "refinedweb";
  top.string("preset", preset);
  PipelineConfig config = pipeline_preset(preset);
  top.strings("stages", config.stages);
  validate_stage_order(config.stages, origin);

  for (const auto& stage : pipeline_stage_names()) {
    const toml::node* node = top.find(stage);
    if (!node) continue;
    const toml::table* table = node->as_table();
    HONE_CHECK(table != nullptr, origin, ": '", stage, "' must be a table ([", stage, "])");
    HONE_CHECK(config.has_stage(stage), origin, ": [", stage, "] configures a stage that is not in the pipeline (stages: ",
               joined(config.stages), "); add it to 'stages' or remove the table");
    TableReader t(*table, origin + ": [" + stage + "]");
    if (stage == "url_filter") read_url_filter(t, config, base_dir);
    else if (stage == "html_extract") read_html_extract(t, config.html_extract);
    else if (stage == "language_filter") read_language_filter(t, config.language_filter, base_dir);
    else if (stage == "gopher_repetition") read_gopher_repetition(t, config.gopher_repetition);
    else if (stage == "gopher_quality") read_gopher_quality(t, config.gopher_quality);
    else if (stage == "line_corrections") read_line_corrections(t, config.line_corrections);
    else if (stage == "minhash_dedup") read_minhash(t, config.minhash_dedup);
    else if (stage == "exact_dedup") read_exact_dedup(t, config);
    t.reject_unknown();
  }
  if (const toml::node* node = top.find("output")) {
    const toml::table* table = node->as_table();
    HONE_CHECK(table != nullptr, origin, ": 'output' must be a table ([output])");
    TableReader t(*table, origin + ": [output]");
    t.boolean("rejected", config.write_rejected);
    t.integer("zstd_level", config.zstd_level);
    HONE_CHECK(config.zstd_level >= 1 && config.zstd_level <= 19, origin, ": [output] zstd_level must be in 1..19");
    t.reject_unknown();
  }
  top.reject_unknown();
  return config;
}

PipelineConfig load_pipeline_config(const std::string& path_or_preset) {
  const auto presets = pipeline_preset_names();
  if (std::find(presets.begin(), presets.end(), path_or_preset) != presets.end() &&
      !std::filesystem::exists(path_or_preset)) {
    return pipeline_preset(path_or_preset);
  }
  std::ifstream in(path_or_preset, std::ios::binary);
  HONE_CHECK(in.good(), "cannot read pipeline file '", path_or_preset, "': give a PIPELINE.toml path or a preset (",
             joined(presets), ")");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string base_dir = std::filesystem::path(path_or_preset).parent_path().string();
  return parse_pipeline_toml(text.str(), path_or_preset, base_dir.empty() ? "." : base_dir);
}

nlohmann::json PipelineConfig::to_json() const {
  using nlohmann::json;
  json out = {{"preset", preset}, {"stages", stages}};
  for (const auto& stage : stages) {
    json s;
    if (stage == "url_filter") {
      s = {{"blocked_domains", url_filter.blocked_domains.size()},
           {"blocked_urls", url_filter.blocked_urls.size()},
           {"hard_words", url_filter.hard_words},
           {"soft_words", url_filter.soft_words},
           {"strict_subwords", url_filter.strict_subwords},
           {"soft_word_threshold", url_filter.soft_word_threshold},
           {"list_files", json::array()}};
      for (const auto* files : {&url_lists.blocked_domains_files, &url_lists.blocked_urls_files,
                                &url_lists.hard_words_files, &url_lists.soft_words_files,
                                &url_lists.strict_subwords_files})
        for (const auto& f : *files) s["list_files"].push_back(f);
    } else if (stage == "html_extract") {
      const auto& o = html_extract;
      s = {{"max_html_bytes", o.max_html_bytes},       {"max_seconds", o.max_seconds},
           {"max_link_density", o.max_link_density},   {"good_max_link_density", o.good_max_link_density},
           {"good_min_chars", o.good_min_chars},       {"near_good_min_chars", o.near_good_min_chars},
           {"max_heading_distance", o.max_heading_distance}};
    } else if (stage == "language_filter") {
      const auto& l = language_filter;
      s = {{"languages", l.languages},
           {"min_score", l.min_score},
           {"backend", l.backend == LanguageIdBackend::FastText ? "fasttext" : "cld2"},
           {"fasttext_model", l.fasttext_model_path}};
    } else if (stage == "gopher_repetition") {
      const auto& g = gopher_repetition;
      s = {{"max_duplicate_paragraph_fraction", g.max_duplicate_paragraph_fraction},
           {"max_duplicate_paragraph_char_fraction", g.max_duplicate_paragraph_char_fraction},
           {"max_duplicate_line_fraction", g.max_duplicate_line_fraction},
           {"max_duplicate_line_char_fraction", g.max_duplicate_line_char_fraction},
           {"top_ngram_max_char_fraction", json::object()},
           {"duplicate_ngram_max_char_fraction", json::object()}};
      for (const auto& [n, f] : g.top_ngram_max_char_fraction) s["top_ngram_max_char_fraction"][std::to_string(n)] = f;
      for (const auto& [n, f] : g.duplicate_ngram_max_char_fraction)
        s["duplicate_ngram_max_char_fraction"][std::to_string(n)] = f;
    } else if (stage == "gopher_quality") {
      const auto& g = gopher_quality;
      s = {{"min_words", g.min_words},
           {"max_words", g.max_words},
           {"min_mean_word_length", g.min_mean_word_length},
           {"max_mean_word_length", g.max_mean_word_length},
           {"max_symbol_word_ratio", g.max_symbol_word_ratio},
           {"max_bullet_line_fraction", g.max_bullet_line_fraction},
           {"max_ellipsis_line_fraction", g.max_ellipsis_line_fraction},
           {"min_alpha_word_fraction", g.min_alpha_word_fraction},
           {"min_stop_words", g.min_stop_words},
           {"stop_words", g.stop_words}};
    } else if (stage == "line_corrections") {
      const auto& l = line_corrections;
      s = {{"max_uppercase_fraction", l.max_uppercase_fraction},
           {"min_line_words", l.min_line_words},
           {"max_boilerplate_line_words", l.max_boilerplate_line_words},
           {"max_removed_word_fraction", l.max_removed_word_fraction}};
    } else if (stage == "minhash_dedup") {
      const auto& m = minhash_dedup;
      s = {{"bands", m.bands},          {"rows", m.rows}, {"ngram_size", m.ngram_size},
           {"seed", m.seed},            {"verify_jaccard", m.verify_jaccard},
           {"threshold", m.threshold()}};
    } else if (stage == "exact_dedup") {
      const auto& e = exact_dedup;
      s = {{"drop_duplicate_documents", e.drop_duplicate_documents},
           {"remove_duplicate_spans", e.remove_duplicate_spans},
           {"min_span_bytes", e.min_span_bytes},
           {"min_doc_chars", e.min_doc_chars},
           {"batch_bytes", exact_dedup_batch_bytes}};
    }
    out[stage] = s;
  }
  out["output"] = {{"rejected", write_rejected}, {"zstd_level", zstd_level}};
  return out;
}

}  // namespace hone::curate
