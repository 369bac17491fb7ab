// Planted near-duplicates at controlled Jaccard levels: recall per similarity bucket against the LSH
// curve 1 - (1 - s^r)^b, precision, clustering rules, and the file stages (N tasks, resume, threads).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <unistd.h>

#include "core/error.h"
#include "curate/minhash_clusters.h"
#include "curate/minhash_shingles.h"
#include "curate/minhash_stages.h"

namespace hone::curate {
namespace {
namespace fs = std::filesystem;

class WordSource {
 public:
  explicit WordSource(uint64_t seed) : rng_(seed) {}
  // A fresh random word: a 120k-word vocabulary makes unrelated 5-grams practically never collide.
  std::string word() {
    std::string w;
    const int length = 3 + static_cast<int>(rng_() % 7);
    for (int c = 0; c < length; ++c) w.push_back(static_cast<char>('a' + rng_() % 26));
    return w;
  }
  std::vector<std::string> words(size_t n) {
    std::vector<std::string> out(n);
    for (auto& w : out) w = word();
    return out;
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) text += (i % 13 == 0) ? ". " : " ";
    text += words[i];
  }
  return text;
}

// Replaces k words whose 5-word windows do not overlap, so each edit breaks exactly 5 shingles of each
// copy: J = (n - 5k) / (n + 5k) for n shingles.
std::vector<std::string> edit_words(std::vector<std::string> words, size_t k, WordSource& source) {
  const size_t slots = (words.size() - 4) / 5;
  std::vector<size_t> chosen(slots);
  std::iota(chosen.begin(), chosen.end(), size_t{0});
  std::shuffle(chosen.begin(), chosen.end(), source.rng());
  for (size_t i = 0; i < k && i < slots; ++i) words[4 + 5 * chosen[i]] = source.word();
  return words;
}

struct PlantedCorpus {
  std::vector<std::string> texts;
  std::vector<std::pair<size_t, size_t>> pairs;  // planted near-duplicate pairs
  std::vector<double> jaccard;                   // their measured shingle Jaccard
};

// Pairs at target similarities 0.3 (topic siblings, never duplicates) up to 0.97, plus singletons.
PlantedCorpus planted_corpus(size_t pairs_per_level, size_t words_per_doc, uint64_t seed) {
  WordSource source(seed);
  PlantedCorpus corpus;
  const double n = static_cast<double>(words_per_doc - 4);
  for (const double target : {0.3, 0.55, 0.62, 0.68, 0.72, 0.75, 0.78, 0.82, 0.87, 0.97}) {
    const size_t k = static_cast<size_t>(std::lround(n * (1.0 - target) / (5.0 * (1.0 + target))));
    for (size_t p = 0; p < pairs_per_level; ++p) {
      const auto base = source.words(words_per_doc);
      const auto copy = edit_words(base, k, source);
      corpus.pairs.push_back({corpus.texts.size(), corpus.texts.size() + 1});
      corpus.texts.push_back(join(base));
      corpus.texts.push_back(join(copy));
      corpus.jaccard.push_back(jaccard_similarity(shingle_set(corpus.texts[corpus.texts.size() - 2]),
                                                  shingle_set(corpus.texts.back())));
    }
  }
  for (size_t s = 0; s < pairs_per_level; ++s) corpus.texts.push_back(join(source.words(words_per_doc)));
  return corpus;
}

struct BucketRecall {
  size_t pairs = 0;
  double found = 0, expected = 0;
};

void check_recall_curve(const MinhashConfig& config, const PlantedCorpus& corpus, double tolerance) {
  const auto roots = minhash_cluster_roots(corpus.texts, config);
  const std::vector<double> edges = {0.0, 0.5, 0.6, 0.65, 0.7, 0.74, 0.77, 0.8, 0.85, 0.9, 1.01};
  std::vector<BucketRecall> buckets(edges.size() - 1);
  for (size_t p = 0; p < corpus.pairs.size(); ++p) {
    const double s = corpus.jaccard[p];
    const size_t bucket = static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), s) - edges.begin()) - 1;
    buckets[bucket].pairs++;
    buckets[bucket].found += roots[corpus.pairs[p].first] == roots[corpus.pairs[p].second];
    buckets[bucket].expected += lsh_candidate_probability(s, config.bands, config.rows);
  }
  for (size_t b = 0; b < buckets.size(); ++b) {
    if (buckets[b].pairs < 40) continue;  // too few pairs for a stable rate
    const double recall = buckets[b].found / static_cast<double>(buckets[b].pairs);
    const double theory = buckets[b].expected / static_cast<double>(buckets[b].pairs);
    std::printf("  %dx%d  J in [%.2f, %.2f): %4zu pairs, recall %.3f, theory %.3f\n", config.bands, config.rows,
                edges[b], edges[b + 1], buckets[b].pairs, recall, theory);
    EXPECT_NEAR(recall, theory, tolerance) << "J bucket [" << edges[b] << ", " << edges[b + 1] << ")";
  }

  // Precision: every pair of documents put in one cluster should be a planted pair with J >= 0.5.
  std::map<uint64_t, std::vector<size_t>> clusters;
  for (size_t d = 0; d < roots.size(); ++d) clusters[roots[d]].push_back(d);
  std::map<std::pair<size_t, size_t>, double> planted;
  for (size_t p = 0; p < corpus.pairs.size(); ++p) planted[corpus.pairs[p]] = corpus.jaccard[p];
  size_t merged = 0, correct = 0;
  for (const auto& [root, members] : clusters) {
    for (size_t i = 0; i < members.size(); ++i) {
      for (size_t j = i + 1; j < members.size(); ++j) {
        ++merged;
        const auto it = planted.find({members[i], members[j]});
        correct += it != planted.end() && it->second >= 0.5;
      }
    }
  }
  ASSERT_GT(merged, 100u);
  const double precision = static_cast<double>(correct) / static_cast<double>(merged);
  std::printf("  %dx%d  precision %.4f over %zu merged pairs\n", config.bands, config.rows, precision, merged);
  EXPECT_GE(precision, 0.98);
}

TEST(MinhashDedup, RecallFollowsTheLshCurveRefinedweb) {
  check_recall_curve(minhash_preset("refinedweb"), planted_corpus(150, 300, 11), 0.06);
}

TEST(MinhashDedup, RecallFollowsTheLshCurveFineweb) {
  check_recall_curve(minhash_preset("fineweb"), planted_corpus(300, 300, 12), 0.06);
}

TEST(MinhashDedup, CandidatePairsAreStarsAroundTheSmallestId) {
  std::vector<BandEntry> entries = {{7, 30}, {9, 4}, {7, 12}, {7, 25}, {9, 8}, {5, 1}, {7, 12}};
  std::vector<DocPair> pairs;
  append_candidate_pairs(entries, pairs);
  sort_unique(pairs);
  EXPECT_EQ(pairs, (std::vector<DocPair>{{4, 8}, {12, 25}, {12, 30}}));
}

TEST(MinhashDedup, UnionFindKeepsTheSmallestIdOfEachCluster) {
  // 9-5-7 chain and 3-8 via 8: clusters {5, 7, 9} and {3, 8, 11}; 20-21 alone.
  const std::vector<DocPair> pairs = {{7, 9}, {5, 9}, {8, 11}, {3, 11}, {20, 21}};
  const ClusterResult result = cluster_pairs(pairs);
  EXPECT_EQ(result.clusters, 3u);
  EXPECT_EQ(result.removed, (std::vector<uint64_t>{7, 8, 9, 11, 21}));
  EXPECT_TRUE(cluster_pairs({}).removed.empty());
}

TEST(MinhashDedup, JaccardVerificationDropsDissimilarCandidates) {
  // 60 bands of one row: pairs at J ~ 0.3 are almost surely candidates; verification decides.
  WordSource source(5);
  std::vector<std::string> texts;
  for (int p = 0; p < 20; ++p) {
    const auto base = source.words(200);
    texts.push_back(join(base));
    texts.push_back(join(edit_words(base, 20, source)));  // J = (196 - 100) / (196 + 100) ~ 0.32
  }
  MinhashConfig config;
  config.bands = 60;
  config.rows = 1;
  const auto merged_pairs = [&](double verify) {
    config.verify_jaccard = verify;
    const auto roots = minhash_cluster_roots(texts, config);
    size_t merged = 0;
    for (size_t d = 0; d < texts.size(); d += 2) merged += roots[d + 1] == d;
    return merged;
  };
  EXPECT_EQ(merged_pairs(0.0), 20u);
  EXPECT_EQ(merged_pairs(0.3), 20u);
  EXPECT_EQ(merged_pairs(0.5), 0u);
}

// ---- the file stages ----

class MinhashStages : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("hone_minhash_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "in");
    // 5 inputs x 30 documents; planted: input 3 doc 4 copies input 0 doc 2 with a few edits, input 4
    // doc 0 copies it exactly, input 1 doc 7 repeats input 1 doc 1, input 2 doc 5 is empty.
    WordSource source(21);
    std::vector<std::vector<std::string>> docs(5);
    for (auto& file : docs) {
      for (int d = 0; d < 30; ++d) file.push_back(join(source.words(120)));
    }
    std::istringstream words(docs[0][2]);
    std::vector<std::string> base;
    for (std::string w; words >> w;) base.push_back(w);
    docs[3][4] = join(edit_words(base, 1, source));
    docs[4][0] = docs[0][2];
    docs[1][7] = "Breaking: " + docs[1][1];
    docs[2][5] = "";
    for (size_t f = 0; f < docs.size(); ++f) {
      const fs::path path = root_ / "in" / ("part" + std::to_string(f) + ".jsonl");
      std::ofstream out(path);
      for (size_t d = 0; d < docs[f].size(); ++d) {
        out << nlohmann_line(f, d, docs[f][d]) << "\n";
      }
      inputs_.push_back(path.string());
    }
  }
  void TearDown() override { fs::remove_all(root_); }

  static std::string nlohmann_line(size_t f, size_t d, const std::string& text) {
    return "{\"id\": \"doc-" + std::to_string(f) + "-" + std::to_string(d) + "\", \"text\": \"" + text + "\"}";
  }

  MinhashJob job(const std::string& name, int tasks, double verify = 0.0) const {
    MinhashJob job;
    job.inputs = inputs_;
    job.work_dir = (root_ / name / "work").string();
    job.output_dir = (root_ / name / "out").string();
    job.config = minhash_preset("refinedweb");
    job.config.verify_jaccard = verify;
    job.tasks = tasks;
    return job;
  }

  static std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }

  fs::path root_;
  std::vector<std::string> inputs_;
};

uint64_t id(uint64_t input, uint64_t line) { return (input << 32) | line; }

TEST_F(MinhashStages, RemovesPlantedDuplicatesKeepingTheSmallestId) {
  const MinhashJob one = job("one", 1);
  const auto reports = run_minhash_dedup(one);
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_EQ(read_removed_ids(one), (std::vector<uint64_t>{id(1, 7), id(3, 4), id(4, 0)}));
  const std::string out0 = read_all(minhash_output_path(one, 0)), out1 = read_all(minhash_output_path(one, 1));
  EXPECT_NE(out0.find("\"doc-0-2\""), std::string::npos);
  EXPECT_NE(out1.find("\"doc-1-1\""), std::string::npos);
  EXPECT_EQ(out1.find("\"doc-1-7\""), std::string::npos);
  EXPECT_NE(read_all(minhash_output_path(one, 2)).find("\"doc-2-5\""), std::string::npos);  // empty: kept
  EXPECT_EQ(reports.back().docs_in, 150u);  // the one filter task reads every input
  EXPECT_EQ(reports.back().docs_out, 147u);
}

TEST_F(MinhashStages, ManyTasksThreadsAndVerificationGiveTheSameResult) {
  const MinhashJob one = job("one", 1);
  run_minhash_dedup(one);
  const MinhashJob three = job("three", 3);
  const auto reports = run_minhash_dedup(three);
  EXPECT_EQ(reports.size(), 3u + 3u + 1u + 3u);
  const MinhashJob verified = job("verified", 2, 0.7);
  run_minhash_dedup(verified);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const MinhashJob single_thread = job("single", 4);
  run_minhash_dedup(single_thread);
  omp_set_num_threads(threads);
  for (const MinhashJob* other : {&three, &verified, &single_thread}) {
    EXPECT_EQ(read_removed_ids(*other), read_removed_ids(one));
    for (size_t f = 0; f < inputs_.size(); ++f) {
      EXPECT_EQ(read_all(minhash_output_path(*other, f)), read_all(minhash_output_path(one, f)));
    }
  }
  // A strict verification threshold keeps the edited copy (J = 111/121) apart from its original but
  // still merges the exact copy and the one with a one-word prefix (J = 116/117).
  const MinhashJob strict = job("strict", 2, 0.99);
  run_minhash_dedup(strict);
  EXPECT_EQ(read_removed_ids(strict), (std::vector<uint64_t>{id(1, 7), id(4, 0)}));
}

TEST_F(MinhashStages, ARelaunchSkipsFinishedWork) {
  const MinhashJob two = job("two", 2);
  run_minhash_dedup(two);
  const auto removed = read_removed_ids(two);
  const auto stamp = fs::last_write_time(minhash_output_path(two, 0));
  for (const StageReport& report : run_minhash_dedup(two)) {
    EXPECT_TRUE(report.skipped) << report.stage << " task " << report.task;
  }
  EXPECT_EQ(fs::last_write_time(minhash_output_path(two, 0)), stamp);

  // A task killed half-way leaves only a temporary file: the relaunch redoes that task alone.
  const fs::path pairs = fs::path(two.work_dir) / "pairs" / "00001-of-00002.pairs";
  ASSERT_TRUE(fs::exists(pairs));
  fs::rename(pairs, pairs.string() + ".tmp");
  fs::remove(fs::path(two.work_dir) / "clusters" / "removed.ids");
  fs::remove(minhash_output_path(two, 3));
  const auto reports = run_minhash_dedup(two);
  std::map<std::string, int> redone;
  for (const StageReport& report : reports) {
    if (!report.skipped) redone[report.stage + std::to_string(report.task)]++;
  }
  EXPECT_EQ(redone, (std::map<std::string, int>{{"minhash-buckets1", 1}, {"minhash-clusters0", 1},
                                                 {"minhash-filter1", 1}}));
  EXPECT_EQ(read_removed_ids(two), removed);
  EXPECT_TRUE(fs::exists(fs::path(two.work_dir) / "stats" / "minhash-filter-00001.json"));
}

TEST_F(MinhashStages, ClearErrors) {
  MinhashJob bad = job("bad", 2);
  EXPECT_THROW(run_minhash_signatures(bad, 2), Error);
  EXPECT_THROW(run_minhash_buckets(bad, 0), Error);  // no signatures yet
  run_minhash_signatures(bad, 0);
  run_minhash_signatures(bad, 1);
  MinhashJob other_config = bad;
  other_config.config.seed = 9;
  EXPECT_THROW(run_minhash_buckets(other_config, 0), Error);
  std::ofstream(inputs_[0], std::ios::app) << "not json\n";
  MinhashJob fresh = job("fresh", 1);
  EXPECT_THROW(run_minhash_signatures(fresh, 0), Error);
}

}  // namespace
}  // namespace hone::curate
