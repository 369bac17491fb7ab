// Throughput of the heuristic curation stages 4-6 on generated web-like text, one thread: MB/s per
// stage (target >= 20 MB/s per core) and the share of documents each stage keeps.
// Usage: curate_filters_bench [megabytes, default 32]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "curate/document.h"
#include "curate/gopher_quality.h"
#include "curate/gopher_repetition.h"
#include "curate/line_corrections.h"

namespace {

using hone::curate::Document;

struct Lcg {
  std::uint64_t state;
  std::uint32_t next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(state >> 33);
  }
  std::uint32_t below(std::uint32_t n) { return next() % n; }
};

// A Zipf-ish vocabulary of pronounceable words plus English function words, so word lengths, stop
// words and n-gram statistics look like prose.
std::vector<std::string> make_vocabulary(Lcg& rng) {
  std::vector<std::string> vocab = {"the", "of", "and", "to", "in", "a", "is", "that", "with", "for", "on", "as",
                                    "was", "be", "have", "it", "by", "from", "at", "or"};
  const char* syllables[] = {"ka", "lo", "mi", "ter", "san", "vel", "dor", "pri", "ne", "qua", "bra", "on",
                             "est", "ril", "mo", "tan", "ge", "fu", "lin", "zu", "cha", "ber", "wi", "sto"};
  while (vocab.size() < 5000) {
    std::string word;
    const std::uint32_t n = 1 + rng.below(4);
    for (std::uint32_t i = 0; i < n; ++i) word += syllables[rng.below(24)];
    vocab.push_back(word);
  }
  return vocab;
}

std::string make_document(Lcg& rng, const std::vector<std::string>& vocab) {
  std::string text;
  const std::uint32_t kind = rng.below(10);  // 0: navigation junk, 1: repeated spam, else prose
  if (kind == 0) {
    for (int i = 0; i < 30; ++i) text += (i % 3 ? "Home\n" : "SIGN IN | REGISTER\n") + std::string("12 likes\n");
  }
  const std::uint32_t paragraphs = 3 + rng.below(8);
  for (std::uint32_t p = 0; p < paragraphs; ++p) {
    const std::uint32_t sentences = 2 + rng.below(6);
    for (std::uint32_t s = 0; s < sentences; ++s) {
      const std::uint32_t words = 6 + rng.below(20);
      for (std::uint32_t w = 0; w < words; ++w) {
        // Squaring a uniform draw skews towards the frequent (low-index) words.
        const double u = rng.below(1u << 20) / double(1u << 20);
        std::string word = vocab[static_cast<std::size_t>(u * u * vocab.size())];
        if (w == 0) word[0] = static_cast<char>(word[0] - 32);
        text += word;
        text += w + 1 == words ? ". " : (rng.below(12) == 0 ? ", " : " ");
      }
    }
    if (kind == 1) text += "\n\nBuy cheap watches online now, free shipping!";
    if (rng.below(4) == 0) text += "\nRead more…";
    text += "\n\n";
  }
  return text;
}

template <class Block>
void bench_stage(const char* name, Block& block, const std::vector<Document>& corpus, double megabytes) {
  double best = 1e30;
  std::size_t kept = 0;
  for (int repeat = 0; repeat < 3; ++repeat) {
    std::vector<Document> docs = corpus;  // line corrections edits documents: work on a copy
    kept = 0;
    const auto start = std::chrono::steady_clock::now();
    for (Document& doc : docs) kept += block.process(doc).keep;
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::printf("{\"name\": \"curate/%s\", \"seconds\": %.4f, \"mb_per_s\": %.1f, \"docs_per_s\": %.0f, \"kept\": %.3f}\n",
              name, best, megabytes / best, corpus.size() / best, double(kept) / corpus.size());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const double target_mb = argc > 1 ? std::atof(argv[1]) : 32.0;
  Lcg rng{42};
  const auto vocab = make_vocabulary(rng);
  std::vector<Document> corpus;
  std::size_t bytes = 0;
  while (bytes < target_mb * 1e6) {
    Document doc;
    doc.id = "doc-" + std::to_string(corpus.size());
    doc.text = make_document(rng, vocab);
    bytes += doc.text.size();
    corpus.push_back(std::move(doc));
  }
  const double megabytes = bytes / 1e6;
  std::printf("# %zu generated documents, %.1f MB, one thread, best of 3\n", corpus.size(), megabytes);
  hone::curate::GopherRepetitionFilter repetition;
  hone::curate::GopherQualityFilter quality;
  hone::curate::LineCorrections lines;
  bench_stage("gopher_repetition", repetition, corpus, megabytes);
  bench_stage("gopher_quality", quality, corpus, megabytes);
  bench_stage("line_corrections", lines, corpus, megabytes);
  return 0;
}
