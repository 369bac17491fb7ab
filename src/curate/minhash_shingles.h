#pragma once
// MinHash input: a document's normalised word n-grams ("shingles"), each hashed once to 64 bits.
//
// Normalisation (what makes near-duplicates match despite cosmetic edits), in one pass over UTF-8:
// - letters are lowercased (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic) and Latin-1 accented
//   letters lose their accent (é -> e), as datatrove's simplify_text does with unidecode;
// - punctuation (ASCII, Latin-1 symbols, General Punctuation, CJK and full-width punctuation) is
//   deleted, not turned into a space: "don't" -> "dont", "e-mail" -> "email";
// - every run of digits becomes one "0", also across deleted punctuation: "3.14", "1,000" and "2024"
//   all become "0", so dates, prices and counters do not break a match;
// - Unicode whitespace separates words; any other code point (CJK, ...) and any invalid UTF-8 byte is
//   kept as it is.
// A shingle is n consecutive normalised words joined by one space, hashed with XXH3-64. A document
// with fewer than n words (but at least one) gives one shingle of all its words; an empty one none.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hone::curate {

// Reusable buffers, so hashing many documents allocates nothing once they have grown.
class ShingleHasher {
 public:
  explicit ShingleHasher(int ngram_size = 5);

  // The normalised text: words separated by single spaces.
  std::string_view normalize(std::string_view text);
  // Appends nothing and clears `hashes`, then fills it with one hash per shingle, in text order
  // (duplicates kept: MinHash does not mind, and the order is useful in tests).
  void hash_shingles(std::string_view text, std::vector<uint64_t>& hashes);

  int ngram_size() const { return ngram_size_; }
  // Number of words of the last normalised text.
  size_t word_count() const { return word_begin_.size(); }

 private:
  int ngram_size_;
  std::string normalized_;
  std::vector<uint32_t> word_begin_;
};

// The distinct shingle hashes of `text`, sorted: the set that exact Jaccard similarity compares.
std::vector<uint64_t> shingle_set(std::string_view text, int ngram_size = 5);

// |a ∩ b| / |a ∪ b| of two sorted, duplicate-free hash sets; 0 when both are empty.
double jaccard_similarity(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);

}  // namespace hone::curate
