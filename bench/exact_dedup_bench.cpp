// Stage 8 speed: exact dedup (document hashes, prefilter, divsufsort, neighbour comparisons, rewrite)
// on generated web-like text, one thread, in MB/s of input per phase and overall (target >= 20 MB/s
// per core), with the removal rates. Usage: exact_dedup_bench [MEGABYTES=64]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <xxhash.h>

#include "curate/exact_dedup.h"

using namespace hone::curate;

namespace {

// Documents of Zipf-distributed words from a 30k vocabulary; 10% of them also carry a 300-byte
// boilerplate paragraph from a pool of 50, 5% a 400-byte passage copied from an earlier document,
// and 2% are exact copies of an earlier document.
std::vector<Document> make_corpus(std::size_t target_bytes) {
  std::mt19937_64 rng(1234);
  std::vector<std::string> vocab;
  for (int i = 0; i < 30000; ++i) {
    std::string w;
    const int len = 2 + static_cast<int>(rng() % 9);
    for (int c = 0; c < len; ++c) w += static_cast<char>('a' + rng() % 26);
    vocab.push_back(w);
  }
  std::vector<double> weights(vocab.size());
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
  std::discrete_distribution<std::size_t> zipf(weights.begin(), weights.end());
  auto sentence_text = [&](std::size_t bytes) {
    std::string s;
    while (s.size() < bytes) {
      s += vocab[zipf(rng)];
      s += (rng() % 12 == 0) ? ". " : " ";
    }
    return s;
  };
  std::vector<std::string> boilerplate;
  for (int i = 0; i < 50; ++i) boilerplate.push_back(sentence_text(300));
  std::vector<Document> docs;
  std::size_t total = 0;
  while (total < target_bytes) {
    Document d{"doc" + std::to_string(docs.size()), "", "", {}};
    const auto roll = rng() % 100;
    if (roll < 2 && !docs.empty()) {
      d.text = docs[rng() % docs.size()].text;
    } else {
      d.text = sentence_text(1000 + rng() % 6000);
      if (roll < 12) d.text += "\n" + boilerplate[rng() % boilerplate.size()];
      if (roll >= 12 && roll < 17 && !docs.empty()) {
        const std::string& src = docs[rng() % docs.size()].text;
        if (src.size() > 500) d.text += "\n" + src.substr(50, 400);
      }
    }
    total += d.text.size();
    docs.push_back(std::move(d));
  }
  return docs;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t megabytes = argc > 1 ? static_cast<std::size_t>(std::atol(argv[1])) : 64;
  std::vector<Document> docs = make_corpus(megabytes << 20);
  std::size_t bytes = 0;
  for (const auto& d : docs) bytes += d.text.size();
  const double mb = static_cast<double>(bytes) / 1e6;

  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  const ExactDedupResult r = exact_dedup(docs);
  // CPU seconds as well as wall seconds: on a shared machine the wall clock includes time other
  // processes held the core, and the target is per core.
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  auto counter = [&](const char* name) { return r.stats.counters.contains(name) ? r.stats.counters.at(name) : 0; };
  auto drops = [&](const char* name) { return r.stats.drop_reasons.contains(name) ? r.stats.drop_reasons.at(name) : 0; };
  std::printf("exact_dedup: %zu docs, %.1f MB, 1 thread\n", docs.size(), mb);
  std::printf("  hashes        %7.3f s  %8.1f MB/s\n", r.seconds_hash, mb / r.seconds_hash);
  std::printf("  prefilter     %7.3f s  %8.1f MB/s (suffix array over %.1f%% of the bytes)\n", r.seconds_candidates,
              mb / r.seconds_candidates, 100.0 * static_cast<double>(r.suffix_array_bytes) / static_cast<double>(bytes));
  std::printf("  suffix array  %7.3f s  %8.1f MB/s\n", r.seconds_suffix_array, mb / r.seconds_suffix_array);
  std::printf("  runs + marks  %7.3f s  %8.1f MB/s\n", r.seconds_lcp, mb / r.seconds_lcp);
  std::printf("  merge + edit  %7.3f s  %8.1f MB/s\n", r.seconds_mark, mb / r.seconds_mark);
  std::printf("  total         %7.3f s  %8.1f MB/s wall, %.3f s  %.1f MB/s CPU\n", seconds, mb / seconds, cpu_seconds,
              mb / cpu_seconds);
  std::printf("  removed: %llu duplicate docs, %llu spans (%.2f%% of bytes) in %llu docs, %llu docs left too short\n",
              static_cast<unsigned long long>(drops("exact_duplicate_document")),
              static_cast<unsigned long long>(counter("duplicate_spans")),
              100.0 * static_cast<double>(counter("span_bytes_removed")) / static_cast<double>(bytes),
              static_cast<unsigned long long>(counter("docs_edited")),
              static_cast<unsigned long long>(drops("exact_dedup_too_short")));
  // A checksum of the output (kept texts and verdicts): equal across versions that must give equal results.
  XXH64_state_t* state = XXH64_createState();
  XXH64_reset(state, 0);
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const char keep = r.verdicts[i].keep ? 1 : 0;
    XXH64_update(state, &keep, 1);
    if (keep) XXH64_update(state, docs[i].text.data(), docs[i].text.size());
  }
  const unsigned long long checksum = XXH64_digest(state);
  XXH64_freeState(state);
  std::printf("{\"name\": \"exact_dedup\", \"mb\": %.1f, \"mb_per_s\": %.2f, \"mb_per_cpu_s\": %.2f, \"checksum\": \"%016llx\"}\n",
              mb, mb / seconds, mb / cpu_seconds, checksum);
  return 0;
}
