// `hone curate run` end to end on a planted WARC + JSONL corpus (tests/curate/pipeline_corpus.h): what
// must go goes (duplicates, near-duplicates, repeated passages, non-English pages, junk, boilerplate,
// a corrupt record), what must stay stays with its id and metadata, the stats add up, task i of N owns
// inputs[i::N], and a relaunch skips finished tasks and reproduces the same bytes (also with another N).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "curate/jsonl_writer.h"
#include "curate/pipeline_runner.h"
#include "pipeline_corpus.h"

namespace hone::curate {
namespace {

namespace fs = std::filesystem;
using testing::PlantedCorpus;
using testing::TempDir;

// RefinedWeb's eight stages; the URL list is inline so the test needs no list file.
const char* kPipeline = R"(
preset = "refinedweb"
[url_filter]
hard_words = ["casino"]
[output]
rejected = true
)";

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::map<std::string, Document> read_output(const PipelineRunner& runner) {
  std::map<std::string, Document> docs;
  for (std::size_t k = 0; k < runner.inputs().size(); ++k) {
    JsonlDocumentReader reader(runner.output_shard(k));
    Document doc;
    while (reader.next(doc)) {
      EXPECT_FALSE(docs.count(doc.id)) << "document " << doc.id << " written twice";
      docs[doc.id] = doc;
    }
  }
  return docs;
}

std::map<std::string, std::string> read_rejected(const fs::path& dir) {
  std::map<std::string, std::string> reasons;  // id -> "stage/reason"
  if (!fs::exists(dir / "rejected")) return reasons;
  for (const auto& entry : fs::recursive_directory_iterator(dir / "rejected")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".zst") continue;
    JsonlDocumentReader reader(entry.path().string());
    Document doc;
    while (reader.next(doc)) {
      reasons[doc.id] = doc.metadata["rejected"]["stage"].get<std::string>() + "/" +
                        doc.metadata["rejected"]["reason"].get<std::string>();
    }
  }
  return reasons;
}

std::map<std::string, std::string> output_bytes(const PipelineRunner& runner) {
  std::map<std::string, std::string> bytes;
  for (const auto& entry : fs::directory_iterator(runner.output_dir()))
    bytes[entry.path().filename().string()] = read_bytes(entry.path());
  return bytes;
}

class PipelineRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_ = new TempDir("hone_pipeline_run");
    fs::create_directories((*temp_) / "corpus");
    corpus_ = new PlantedCorpus(testing::build_planted_corpus((*temp_) / "corpus"));
    PipelineRunOptions options;
    options.inputs = {((*temp_) / "corpus").string()};
    options.output_dir = ((*temp_) / "out3").string();
    options.tasks = 3;
    options.threads = 2;
    runner_ = new PipelineRunner(parse_pipeline_toml(kPipeline, "test.toml"), options);
    runner_->run_all();
  }
  static void TearDownTestSuite() {
    delete runner_;
    delete corpus_;
    delete temp_;
  }
  static TempDir* temp_;
  static PlantedCorpus* corpus_;
  static PipelineRunner* runner_;
};
TempDir* PipelineRun::temp_ = nullptr;
PlantedCorpus* PipelineRun::corpus_ = nullptr;
PipelineRunner* PipelineRun::runner_ = nullptr;

TEST_F(PipelineRun, KeepsGoodPagesWithIdsAndMetadata) {
  const auto docs = read_output(*runner_);
  std::size_t kept = 0;
  const auto rejected = read_rejected((*temp_) / "out3");
  for (const auto& id : corpus_->good_ids) {
    kept += docs.count(id);
  }
  std::cout << (corpus_->real_docs ? "valgrind manual" : "generated") << " pages: " << kept << " of "
            << corpus_->good_ids.size() << " kept, " << docs.size() << " documents in the output\n";
  // A page may only be missing because its planted copy came first (and was kept instead).
  for (const auto& id : corpus_->good_ids) {
    if (docs.count(id)) continue;
    const bool lost_to_copy = std::any_of(corpus_->duplicate_pairs.begin(), corpus_->duplicate_pairs.end(),
                                          [&](const auto& pair) { return pair.first == id && docs.count(pair.second); });
    EXPECT_TRUE(lost_to_copy) << id << " dropped: " << rejected.at(id);
  }
  EXPECT_GE(kept, corpus_->good_ids.size() - corpus_->duplicate_pairs.size());
  const Document& page = docs.begin()->second;
  EXPECT_TRUE(page.metadata.contains("language"));
  ASSERT_TRUE(docs.count(corpus_->jsonl_id));
  const Document& jsonl = docs.at(corpus_->jsonl_id);
  EXPECT_EQ(jsonl.metadata["source"], "unit-test");
  EXPECT_EQ(jsonl.metadata["n"], 1);
  EXPECT_EQ(jsonl.metadata["language"], "en");
  EXPECT_GE(jsonl.metadata["language_score"].get<double>(), 0.65);
  for (const auto& [id, doc] : docs) {
    if (id.rfind("<urn:uuid:", 0) != 0) continue;
    EXPECT_EQ(doc.url.rfind("https://docs.example.org/", 0), 0u) << id;
    EXPECT_EQ(doc.metadata["warc_date"], "2024-03-01T12:00:00Z") << id;
  }
}

TEST_F(PipelineRun, RemovesDuplicatesForeignPagesJunkAndBoilerplate) {
  const auto docs = read_output(*runner_);
  const auto rejected = read_rejected((*temp_) / "out3");
  for (const auto& [original, copy] : corpus_->duplicate_pairs) {
    const bool one_kept = docs.count(original) + docs.count(copy) == 1;
    EXPECT_TRUE(one_kept) << original << " / " << copy;
    const std::string& removed = docs.count(original) ? copy : original;
    ASSERT_TRUE(rejected.count(removed)) << removed;
    EXPECT_TRUE(rejected.at(removed) == "minhash_dedup/minhash_duplicate" ||
                rejected.at(removed) == "exact_dedup/exact_duplicate_document")
        << rejected.at(removed);
  }
  for (const auto& id : corpus_->foreign_ids) {
    EXPECT_FALSE(docs.count(id)) << id;
    ASSERT_TRUE(rejected.count(id)) << id;
    EXPECT_EQ(rejected.at(id), "language_filter/language_not_selected") << id;
  }
  for (const auto& id : corpus_->junk_ids) {
    EXPECT_FALSE(docs.count(id)) << id;
    EXPECT_TRUE(rejected.count(id)) << id;
  }
  EXPECT_EQ(rejected.at(corpus_->junk_ids[0]), "html_extract/no_main_text");
  EXPECT_EQ(rejected.at(corpus_->junk_ids[3]), "url_filter/url_hard_word");
  // The passage quoted by a second page survives once, in the page that came first.
  int copies = 0;
  for (const auto& [id, doc] : docs) {
    copies += doc.text.find(corpus_->repeated_passage) != std::string::npos;
    for (const auto& line : testing::planted_boilerplate())
      EXPECT_EQ(doc.text.find(line), std::string::npos) << "boilerplate kept in " << id << ": " << line;
  }
  EXPECT_EQ(copies, 1);
  ASSERT_TRUE(docs.count(corpus_->passage_copy_id));
  EXPECT_GT(docs.at(corpus_->passage_copy_id).metadata["exact_dedup_bytes_removed"].get<int>(), 100);
  // The record after the corrupt one was read.
  EXPECT_TRUE(docs.count(corpus_->after_corrupt_id));
}

TEST_F(PipelineRun, StatsAddUpAndCountTheCorruptRecords) {
  const PipelineStatsSummary summary = merge_pipeline_stats(((*temp_) / "out3").string());
  EXPECT_EQ(summary.tasks_done, summary.tasks_expected);
  EXPECT_EQ(summary.tasks_expected, 3 * 5 + 1);  // documents, 4 MinHash phases (clusters: 1), exact dedup
  ASSERT_EQ(summary.stages.size(), 9u);
  EXPECT_EQ(summary.stages[0].first, "reader");
  const FilterStats& reader = summary.stages[0].second;
  EXPECT_EQ(reader.drop_reasons.at("corrupt_record"), 2u);  // the WARC record and the JSONL line
  for (std::size_t s = 0; s < summary.stages.size(); ++s) {
    const auto& [name, stats] = summary.stages[s];
    std::uint64_t dropped = 0;
    for (const auto& [reason, count] : stats.drop_reasons) dropped += count;
    EXPECT_EQ(stats.docs_in, stats.docs_out + dropped) << name;
    if (s > 0) {
      EXPECT_EQ(stats.docs_in, summary.stages[s - 1].second.docs_out) << name;
    }
    EXPECT_GE(stats.bytes_in, stats.bytes_out) << name;
  }
  EXPECT_EQ(summary.stages.back().second.docs_out, read_output(*runner_).size());
  EXPECT_EQ(summary.stages[3].first, "language_filter");
  EXPECT_EQ(summary.stages[3].second.drop_reasons.at("language_not_selected"), corpus_->foreign_ids.size());
  const nlohmann::json json = summary.to_json();
  EXPECT_GT(json["stages"][2]["docs_per_second"].get<double>(), 0.0);
}

TEST_F(PipelineRun, TaskIOfNOwnsEveryNthInput) {
  std::multiset<std::string> seen;
  for (int task = 0; task < 3; ++task) {
    char name[64];
    std::snprintf(name, sizeof name, "documents-%05d-of-%05d.json", task, 3);
    std::ifstream in((*temp_) / "out3" / "stats" / name);
    const nlohmann::json stats = nlohmann::json::parse(in);
    std::vector<std::string> expected;
    for (std::size_t k = static_cast<std::size_t>(task); k < runner_->inputs().size(); k += 3) expected.push_back(runner_->inputs()[k]);
    EXPECT_EQ(stats["inputs"].get<std::vector<std::string>>(), expected) << "task " << task;
    for (const auto& input : stats["inputs"]) seen.insert(input.get<std::string>());
  }
  EXPECT_EQ(seen, std::multiset<std::string>(runner_->inputs().begin(), runner_->inputs().end()));
}

TEST_F(PipelineRun, RelaunchSkipsFinishedTasksAndOtherTaskCountsGiveTheSameBytes) {
  const auto before = output_bytes(*runner_);
  EXPECT_EQ(before.size(), runner_->inputs().size());
  PipelineRunOptions options;
  options.inputs = {((*temp_) / "corpus").string()};
  options.output_dir = ((*temp_) / "out3").string();
  options.tasks = 3;
  options.threads = 2;
  PipelineRunner again(parse_pipeline_toml(kPipeline, "test.toml"), options);
  int ran = 0;
  again.run_all([&](const PipelineTaskReport& r) { ran += !r.skipped; });
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(output_bytes(again), before);

  // A task killed before its marker: only it runs again, and writes the same shards.
  fs::remove((*temp_) / "out3" / "done" / "documents-00001-of-00003");
  fs::remove((*temp_) / "out3" / "work" / "documents" / "00001.jsonl.zst");
  PipelineRunner relaunch(parse_pipeline_toml(kPipeline, "test.toml"), options);
  std::vector<std::string> rerun;
  relaunch.run_all([&](const PipelineTaskReport& r) {
    if (!r.skipped) rerun.push_back(r.phase + "/" + std::to_string(r.task));
  });
  EXPECT_EQ(rerun, std::vector<std::string>{"documents/1"});
  EXPECT_TRUE(fs::exists((*temp_) / "out3" / "work" / "documents" / "00001.jsonl.zst"));

  // Another task count in a fresh directory: the same curated bytes.
  options.output_dir = ((*temp_) / "out1").string();
  options.tasks = 1;
  PipelineRunner single(parse_pipeline_toml(kPipeline, "test.toml"), options);
  single.run_all();
  EXPECT_EQ(output_bytes(single), before);

  // A relaunch with other settings is refused instead of mixing shards.
  options.tasks = 2;
  EXPECT_THROW(PipelineRunner(parse_pipeline_toml(kPipeline, "test.toml"), options), Error);
}

TEST_F(PipelineRun, OneTaskAtATimeAsAnArrayJobWould) {
  PipelineRunOptions options;
  options.inputs = {((*temp_) / "corpus").string()};
  options.output_dir = ((*temp_) / "array").string();
  options.tasks = 2;
  PipelineRunner runner(parse_pipeline_toml(kPipeline, "test.toml"), options);
  for (const auto& phase : runner.phases()) {
    EXPECT_FALSE(runner.phase_done(phase)) << phase;
    for (int task = 0; task < 2; ++task) runner.run_task(phase, task);
    EXPECT_TRUE(runner.phase_done(phase)) << phase;
  }
  EXPECT_EQ(output_bytes(runner), output_bytes(*runner_));
}

// The same pipeline on the generated corpus that machines without Debian's HTML docs get.
TEST(PipelineRunGenerated, GeneratedCorpusKeepsEnglishAndDropsThePlantedRest) {
  TempDir temp("hone_pipeline_generated");
  fs::create_directories(temp / "corpus");
  const PlantedCorpus corpus = testing::build_planted_corpus(temp / "corpus", /*allow_real_docs=*/false, 20);
  ASSERT_FALSE(corpus.real_docs);
  PipelineRunOptions options;
  options.inputs = corpus.inputs;
  options.output_dir = (temp / "out").string();
  options.tasks = 2;
  options.threads = 2;
  PipelineRunner runner(parse_pipeline_toml(kPipeline, "test.toml"), options);
  runner.run_all();
  const auto docs = read_output(runner);
  std::size_t kept = 0;
  for (const auto& id : corpus.good_ids) kept += docs.count(id);
  EXPECT_GE(kept, corpus.good_ids.size() - corpus.duplicate_pairs.size());
  for (const auto& [original, copy] : corpus.duplicate_pairs) EXPECT_EQ(docs.count(original) + docs.count(copy), 1u) << copy;
  for (const auto& id : corpus.foreign_ids) EXPECT_FALSE(docs.count(id)) << id;
  for (const auto& id : corpus.junk_ids) EXPECT_FALSE(docs.count(id)) << id;
  EXPECT_TRUE(docs.count(corpus.jsonl_id));
  EXPECT_TRUE(docs.count(corpus.after_corrupt_id));
}

}  // namespace
}  // namespace hone::curate
