#pragma once
// Stage 4: Gopher repetition removal (Rae et al. 2021, table A1), as datatrove's
// GopherRepetitionFilter implements it. A document is dropped when, in this order:
//   duplicate paragraphs / paragraphs            > 0.30   "dup_para_frac"
//   chars in duplicate paragraphs / chars        > 0.20   "dup_para_char_frac"
//   duplicate lines / lines                      > 0.30   "dup_line_frac"
//   chars in duplicate lines / chars             > 0.20   "dup_line_char_frac"
//   chars of the top n-gram x its count / chars  > 0.20, 0.18, 0.16 for n = 2, 3, 4   "top_<n>_gram"
//   chars in duplicate n-grams / chars           > 0.15 .. 0.10 for n = 5 .. 10   "duplicated_<n>_n_grams"
// Paragraphs are the stripped text split on runs of 2+ newlines, lines the text split on runs of
// newlines; a duplicate is an occurrence after the first. Duplicate n-grams are counted with the
// reference's skip-ahead: scanning left to right, an n-gram seen before adds its characters and the
// scan jumps n words ahead (so overlapping repeats are not counted twice), otherwise it is remembered
// and the scan moves one word. See docs/curate.md for where hone deliberately differs.
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "curate/filter_block.h"
#include "curate/word_split.h"

namespace hone::curate {

struct GopherRepetitionConfig {
  double max_duplicate_paragraph_fraction = 0.30;
  double max_duplicate_paragraph_char_fraction = 0.20;
  double max_duplicate_line_fraction = 0.30;
  double max_duplicate_line_char_fraction = 0.20;
  // (n, max fraction of characters covered by the most frequent n-gram), n in 2..4
  std::vector<std::pair<int, double>> top_ngram_max_char_fraction = {{2, 0.20}, {3, 0.18}, {4, 0.16}};
  // (n, max fraction of characters in duplicate n-grams), n in 5..10
  std::vector<std::pair<int, double>> duplicate_ngram_max_char_fraction = {
      {5, 0.15}, {6, 0.14}, {7, 0.13}, {8, 0.12}, {9, 0.11}, {10, 0.10}};
};

// The measurements behind the verdict, exposed so tests and reports can see how close a document came.
struct RepetitionMeasures {
  double duplicate_paragraph_fraction = 0;
  double duplicate_paragraph_char_fraction = 0;
  double duplicate_line_fraction = 0;
  double duplicate_line_char_fraction = 0;
  std::vector<std::pair<int, double>> top_ngram_char_fraction;        // filled up to the failing rule
  std::vector<std::pair<int, double>> duplicate_ngram_char_fraction;  // filled up to the failing rule
};

class GopherRepetitionFilter : public FilterBlock {
 public:
  explicit GopherRepetitionFilter(GopherRepetitionConfig config = {});

  // Like process() without stats; fills `measures` when given. Text must be valid UTF-8.
  Verdict evaluate(std::string_view text, RepetitionMeasures* measures = nullptr);

 protected:
  Verdict apply(Document& doc) override;

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t key = 0;    // first position (byte offset of a line/paragraph, word index of an n-gram)
    std::uint32_t length = 0;  // bytes of a line/paragraph
    std::uint32_t count = 0;  // 0 marks an empty slot
  };
  struct Duplicates {
    std::size_t elements = 0;
    std::size_t duplicate_elements = 0;
    std::size_t duplicate_chars = 0;
  };

  void reset_table(std::size_t expected_entries);
  Duplicates duplicate_paragraphs(std::string_view text);
  Duplicates duplicate_lines(std::string_view text);
  void add_span(std::string_view text, std::size_t begin, std::size_t end, Duplicates& out);
  void prepare_ngrams(std::string_view text);
  bool ngram_equal(std::uint32_t a, std::uint32_t b, int n) const;
  std::uint64_t ngram_hash(std::uint32_t start, int n) const;
  std::size_t top_ngram_chars(int n);
  std::size_t duplicate_ngram_chars(int n);

  GopherRepetitionConfig config_;
  // Scratch reused across documents.
  std::vector<Slot> table_;
  std::vector<WordSpan> words_;
  std::vector<std::uint64_t> word_hash_;
  std::vector<std::uint64_t> prefix_hash_;  // polynomial prefix hashes of word_hash_
  std::vector<std::uint64_t> base_power_;
  std::vector<std::uint64_t> prefix_chars_;
  std::string_view text_;
};

}  // namespace hone::curate
