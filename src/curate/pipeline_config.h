#pragma once
// A curation pipeline as `hone curate run` executes it: the ordered list of stages and every stage's
// parameters, read from a PIPELINE.toml or taken from a preset. A file may start from a preset
// (`preset = "refinedweb"`) and override single parameters in per-stage tables; unknown keys and
// unknown stage names are errors that name them. See docs/curate_pipeline.md for the reference.
//
// Stage names (also the names in the stats):
//   per document:  url_filter, html_extract, language_filter, gopher_repetition, gopher_quality,
//                  line_corrections   (any order, before the dedup stages)
//   over the corpus: minhash_dedup, exact_dedup   (after the per-document stages, in the order given)
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "curate/exact_dedup.h"
#include "curate/gopher_quality.h"
#include "curate/gopher_repetition.h"
#include "curate/html_extract.h"
#include "curate/language_filter.h"
#include "curate/line_corrections.h"
#include "curate/minhash_signature.h"
#include "curate/url_filter.h"

namespace hone::curate {

// Where the URL filter's lists come from: inline entries plus list files (read when the pipeline is
// loaded, so a missing file fails before any work starts).
struct UrlListSources {
  std::vector<std::string> blocked_domains_files, blocked_urls_files, hard_words_files, soft_words_files,
      strict_subwords_files;
};

struct PipelineConfig {
  std::string preset;               // the preset it started from, "" for none
  std::vector<std::string> stages;  // in execution order
  UrlFilterConfig url_filter;
  UrlListSources url_lists;
  HtmlExtractOptions html_extract;
  LanguageFilterConfig language_filter;
  GopherRepetitionConfig gopher_repetition;
  GopherQualityConfig gopher_quality;
  LineCorrectionsConfig line_corrections;
  MinhashConfig minhash_dedup;
  ExactDedupConfig exact_dedup;
  // Exact dedup holds a batch in memory (its documents plus about 2 bytes per text byte; the 32-bit
  // suffix array covers only the regions that can repeat):
  // consecutive shards are grouped until their compressed size passes this, each group deduplicated
  // on its own. Groups depend on the data only, never on the task count.
  std::uint64_t exact_dedup_batch_bytes = std::uint64_t{256} << 20;
  bool write_rejected = false;  // [output] rejected: also write dropped documents, per stage, with the reason
  int zstd_level = 3;

  bool has_stage(std::string_view stage) const;
  // The per-document stages, then the corpus stages, as listed.
  std::vector<std::string> document_stages() const;
  std::vector<std::string> corpus_stages() const;
  // The resolved pipeline (every parameter), recorded in the output directory.
  nlohmann::json to_json() const;
};

// All stage names in the canonical (RefinedWeb) order.
const std::vector<std::string>& pipeline_stage_names();
bool is_document_stage(std::string_view stage);

// "refinedweb" (default), "gopher", "c4", "fineweb". Throws a usage error for other names.
PipelineConfig pipeline_preset(std::string_view name);
std::vector<std::string> pipeline_preset_names();

// Parses PIPELINE.toml text; relative list-file paths resolve against `base_dir`. `origin` names the
// file in error messages.
PipelineConfig parse_pipeline_toml(const std::string& text, const std::string& origin, const std::string& base_dir = ".");
// Reads a PIPELINE.toml file, or a preset when `path_or_preset` is a preset name.
PipelineConfig load_pipeline_config(const std::string& path_or_preset);

}  // namespace hone::curate
