// MinHash signature throughput on one core: shingling (normalise + XXH3 per 5-gram), the signature and
// the band keys, on generated English-like documents of ~4 KB. Targets: >= 1 MB/s at 9000 hashes
// (refinedweb), >= 10 MB/s at 112 (fineweb).
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "curate/minhash_shingles.h"
#include "curate/minhash_signature.h"

using namespace hone::curate;

namespace {

std::vector<std::string> make_documents(size_t count, size_t words_per_doc) {
  std::mt19937_64 rng(7);
  std::vector<std::string> vocabulary;
  for (int w = 0; w < 20000; ++w) {
    std::string word;
    const int length = 2 + static_cast<int>(rng() % 8);
    for (int c = 0; c < length; ++c) word.push_back(static_cast<char>('a' + rng() % 26));
    if (w % 7 == 0) word[0] = static_cast<char>(word[0] - 32);  // some capitals
    vocabulary.push_back(word);
  }
  std::vector<std::string> docs(count);
  for (auto& doc : docs) {
    for (size_t w = 0; w < words_per_doc; ++w) {
      doc += vocabulary[rng() % vocabulary.size()];
      doc += (w % 12 == 11) ? ". " : (w % 40 == 39 ? "\n" : " ");
    }
  }
  return docs;
}

void measure(const char* preset, const std::vector<std::string>& docs, size_t bytes) {
  const MinhashConfig config = minhash_preset(preset);
  const MinhashFunctions functions(config);
  ShingleHasher hasher(config.ngram_size);
  std::vector<uint64_t> hashes, keys(static_cast<size_t>(config.bands));
  std::vector<uint32_t> signature(static_cast<size_t>(config.num_hashes()));
  uint64_t checksum = 0;
  double best = 1e30;
  for (int repeat = 0; repeat < 3; ++repeat) {
    const auto start = std::chrono::steady_clock::now();
    for (const auto& doc : docs) {
      hasher.hash_shingles(doc, hashes);
      functions.signature(hashes, signature);
      functions.band_keys(signature, keys);
      checksum ^= keys[0];
    }
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::printf("{\"bench\": \"minhash_signature\", \"preset\": \"%s\", \"hashes\": %d, \"docs\": %zu, "
              "\"MB_per_s_per_core\": %.2f, \"docs_per_s_per_core\": %.0f, \"checksum\": %llu}\n",
              preset, config.num_hashes(), docs.size(), static_cast<double>(bytes) / best / 1e6,
              static_cast<double>(docs.size()) / best, static_cast<unsigned long long>(checksum & 0xFFFF));
}

}  // namespace

int main() {
  const auto docs = make_documents(400, 700);
  size_t bytes = 0;
  for (const auto& doc : docs) bytes += doc.size();
  std::printf("# MinHash signatures, one core, %zu docs, %.1f MB\n", docs.size(), static_cast<double>(bytes) / 1e6);
  measure("refinedweb", docs, bytes);
  measure("fineweb", docs, bytes);
  return 0;
}
