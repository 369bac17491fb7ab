// PIPELINE.toml: presets, per-stage overrides, and errors that name the unknown key or stage.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "curate/pipeline_config.h"

namespace hone::curate {
namespace {

std::string error_of(const std::string& toml) {
  try {
    parse_pipeline_toml(toml, "p.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(PipelineConfig, RefinedWebPresetHasTheEightStagesWithTheIssueDefaults) {
  const PipelineConfig c = parse_pipeline_toml("", "empty.toml");  // no preset: refinedweb
  EXPECT_EQ(c.preset, "refinedweb");
  EXPECT_EQ(c.stages, pipeline_stage_names());
  EXPECT_EQ(c.stages.size(), 8u);
  EXPECT_EQ(c.language_filter.languages, std::vector<std::string>{"en"});
  EXPECT_DOUBLE_EQ(c.language_filter.min_score, 0.65);
  EXPECT_EQ(c.minhash_dedup.bands, 450);
  EXPECT_EQ(c.minhash_dedup.rows, 20);
  EXPECT_EQ(c.minhash_dedup.ngram_size, 5);
  EXPECT_EQ(c.exact_dedup.min_span_bytes, 100u);
  EXPECT_TRUE(c.exact_dedup.remove_duplicate_spans);
  EXPECT_EQ(c.gopher_quality.min_words, 50u);
  EXPECT_DOUBLE_EQ(c.line_corrections.max_removed_word_fraction, 0.05);
  EXPECT_EQ(c.document_stages().size(), 6u);
  EXPECT_EQ(c.corpus_stages(), (std::vector<std::string>{"minhash_dedup", "exact_dedup"}));
}

TEST(PipelineConfig, PresetsDifferWhereTheirPipelinesDo) {
  const PipelineConfig gopher = pipeline_preset("gopher");
  EXPECT_FALSE(gopher.has_stage("url_filter"));
  EXPECT_FALSE(gopher.has_stage("line_corrections"));
  EXPECT_EQ(gopher.minhash_dedup.ngram_size, 13);
  EXPECT_EQ(gopher.minhash_dedup.num_hashes(), 450);
  EXPECT_NEAR(gopher.minhash_dedup.threshold(), 0.8, 0.01);
  EXPECT_FALSE(gopher.exact_dedup.remove_duplicate_spans);
  EXPECT_EQ(gopher.corpus_stages(), (std::vector<std::string>{"exact_dedup", "minhash_dedup"}));
  const PipelineConfig c4 = pipeline_preset("c4");
  EXPECT_DOUBLE_EQ(c4.language_filter.min_score, 0.99);
  EXPECT_FALSE(c4.has_stage("minhash_dedup"));
  EXPECT_FALSE(c4.has_stage("gopher_quality"));
  const PipelineConfig fineweb = pipeline_preset("fineweb");
  EXPECT_EQ(fineweb.minhash_dedup.num_hashes(), 112);
  EXPECT_FALSE(fineweb.has_stage("exact_dedup"));
  EXPECT_FALSE(fineweb.has_stage("line_corrections"));
  EXPECT_TRUE(fineweb.has_stage("gopher_repetition"));
  EXPECT_THROW(pipeline_preset("dolma"), Error);
}

TEST(PipelineConfig, OverridesPerStage) {
  const PipelineConfig c = parse_pipeline_toml(R"(
preset = "fineweb"
stages = ["html_extract", "language_filter", "gopher_repetition", "minhash_dedup"]
[language_filter]
languages = ["de", "fr"]
min_score = 0.5
[gopher_repetition]
max_duplicate_line_fraction = 0.25
top_ngram_max_char_fraction = { 2 = 0.3, 3 = 0.25 }
[minhash_dedup]
bands = 20
rows = 10
verify_jaccard = 0.7
[output]
rejected = true
zstd_level = 9
)",
                                               "p.toml");
  EXPECT_EQ(c.preset, "fineweb");
  EXPECT_EQ(c.stages.size(), 4u);
  EXPECT_EQ(c.language_filter.languages, (std::vector<std::string>{"de", "fr"}));
  EXPECT_DOUBLE_EQ(c.language_filter.min_score, 0.5);
  EXPECT_DOUBLE_EQ(c.gopher_repetition.max_duplicate_line_fraction, 0.25);
  EXPECT_DOUBLE_EQ(c.gopher_repetition.max_duplicate_line_char_fraction, 0.20);  // untouched default
  ASSERT_EQ(c.gopher_repetition.top_ngram_max_char_fraction.size(), 2u);
  EXPECT_DOUBLE_EQ(c.gopher_repetition.top_ngram_max_char_fraction[1].second, 0.25);
  EXPECT_EQ(c.minhash_dedup.num_hashes(), 200);
  EXPECT_EQ(c.minhash_dedup.ngram_size, 5);
  EXPECT_DOUBLE_EQ(c.minhash_dedup.verify_jaccard, 0.7);
  EXPECT_TRUE(c.write_rejected);
  EXPECT_EQ(c.zstd_level, 9);
  EXPECT_EQ(c.to_json()["minhash_dedup"]["bands"], 20);
}

TEST(PipelineConfig, UrlListsComeFromFilesAndInlineEntries) {
  const std::string dir = HONE_TEST_DATA_DIR "/../../recipes/curate";
  const PipelineConfig c = parse_pipeline_toml(R"(
[url_filter]
hard_words = ["casino"]
hard_words_file = "url_hard_words.example.txt"
soft_word_threshold = 3
)",
                                               "p.toml", dir);
  EXPECT_GT(c.url_filter.hard_words.size(), 1u);
  EXPECT_EQ(c.url_filter.hard_words.front(), "casino");
  EXPECT_EQ(c.url_filter.soft_word_threshold, 3u);
  EXPECT_NE(error_of("[url_filter]\nhard_words_file = \"no-such-list.txt\"\n").find("no-such-list.txt"), std::string::npos);
}

TEST(PipelineConfig, ErrorsNameWhatIsWrong) {
  EXPECT_NE(error_of("[gopher_quality]\nmin_wrods = 10\n").find("unknown key 'min_wrods'"), std::string::npos);
  EXPECT_NE(error_of("colour = 1\n").find("unknown key 'colour'"), std::string::npos);
  EXPECT_NE(error_of("stages = [\"html_extract\", \"perplexity\"]\n").find("unknown stage 'perplexity'"), std::string::npos);
  EXPECT_NE(error_of("preset = \"c4\"\n[gopher_quality]\nmin_words = 10\n").find("not in the pipeline"), std::string::npos);
  EXPECT_NE(error_of("stages = [\"minhash_dedup\", \"language_filter\"]\n").find("after a dedup stage"), std::string::npos);
  EXPECT_NE(error_of("stages = [\"html_extract\", \"html_extract\"]\n").find("listed twice"), std::string::npos);
  EXPECT_NE(error_of("[language_filter]\nmin_score = \"high\"\n").find("min_score must be a number"), std::string::npos);
  EXPECT_NE(error_of("[language_filter]\nbackend = \"fasttext\"\n").find("fasttext_model"), std::string::npos);
  EXPECT_NE(error_of("[minhash_dedup]\nbands = -3\n").find("bands must be a non-negative integer"), std::string::npos);
  EXPECT_NE(error_of("preset = \"dolma\"\n").find("unknown curation preset 'dolma'"), std::string::npos);
  EXPECT_NE(error_of("[output\n").find("invalid TOML"), std::string::npos);
}

TEST(PipelineConfig, ShippedRecipesParse) {
  const std::filesystem::path dir = HONE_TEST_DATA_DIR "/../../recipes/curate";
  int recipes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    const PipelineConfig c = load_pipeline_config(entry.path().string());
    // A preset's own file is named after it; others (the demo's) start from a preset.
    const std::string stem = entry.path().stem().string();
    if (stem == "refinedweb" || stem == "gopher" || stem == "c4" || stem == "fineweb") {
      EXPECT_EQ(c.preset, stem) << entry.path();
      ++recipes;
    }
  }
  EXPECT_EQ(recipes, 4);
  EXPECT_EQ(load_pipeline_config("gopher").preset, "gopher");
}

}  // namespace
}  // namespace hone::curate
