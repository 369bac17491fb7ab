#pragma once
// Stage 5: Gopher document-wise quality rules (Rae et al. 2021, appendix A), as datatrove's
// GopherQualityFilter implements them. Over the tokens of split_words(); "words" are the tokens with at
// least one character that is not punctuation. A document is dropped when, in this order:
//   words < 50 / > 100,000                                   "gopher_short_doc" / "gopher_long_doc"
//   mean word length (chars) < 3 / > 10                      "gopher_below_avg_threshold" / "..._above_..."
//   count("#") / tokens > 0.1                                "gopher_too_many_hashes"
//   (count("...") + count("…")) / tokens > 0.1               "gopher_too_many_ellipsis"
//   lines starting with "•" or "-" / lines > 0.9             "gopher_too_many_bullets"
//   lines ending with "..." or "…" / lines > 0.3             "gopher_too_many_end_ellipsis"
//   tokens with a letter / tokens < 0.8                      "gopher_below_alpha_threshold"
//   distinct stop words present (the, be, to, of, and, that, have, with) < 2   "gopher_enough_stop_words"
// Lines are Python's str.splitlines(); bullets and ellipses are tested after stripping whitespace.
#include <string>
#include <string_view>
#include <vector>

#include "curate/filter_block.h"
#include "curate/word_split.h"

namespace hone::curate {

struct GopherQualityConfig {
  std::size_t min_words = 50;
  std::size_t max_words = 100000;
  double min_mean_word_length = 3;
  double max_mean_word_length = 10;
  double max_symbol_word_ratio = 0.1;
  double max_bullet_line_fraction = 0.9;
  double max_ellipsis_line_fraction = 0.3;
  double min_alpha_word_fraction = 0.8;
  std::size_t min_stop_words = 2;
  std::vector<std::string> stop_words = {"the", "be", "to", "of", "and", "that", "have", "with"};
};

struct QualityMeasures {
  std::size_t tokens = 0;
  std::size_t words = 0;  // tokens that are not pure punctuation
  double mean_word_length = 0;
  double hash_ratio = 0;
  double ellipsis_ratio = 0;
  double bullet_line_fraction = 0;
  double ellipsis_line_fraction = 0;
  double alpha_word_fraction = 0;
  std::size_t stop_words = 0;  // distinct stop words present
};

class GopherQualityFilter : public FilterBlock {
 public:
  explicit GopherQualityFilter(GopherQualityConfig config = {});

  // Measures everything (no early exit) and gives the verdict; text must be valid UTF-8.
  Verdict evaluate(std::string_view text, QualityMeasures* measures = nullptr);

 protected:
  Verdict apply(Document& doc) override;

 private:
  GopherQualityConfig config_;
  std::vector<WordSpan> words_;
};

}  // namespace hone::curate
