#pragma once
// Stage 6: RefinedWeb's line-wise corrections (Penedo et al. 2023, appendix G.2). Each line is
// looked at on its own (lines are split on '\n'; words are whitespace-separated):
//   drop  "uppercase":   more than 50% of its letters are upper case
//   drop  "numeric":     no letters and at least one digit ("2023-01-05", "1,234")
//   drop  "counter":     only numbers and social-counter words ("12 likes", "1.2K retweets 40 shares")
//   drop  "one_word":    fewer than 2 words
//   edit  "boilerplate": in a short line (<= 10 words) a boilerplate phrase is cut out: at the start
//                        ("Sign in", ...), at the end ("Read more…", ...) or anywhere ("items in cart",
//                        ...); if fewer than 2 words remain the line is dropped
// Blank lines are kept (they separate paragraphs) but runs of them collapse to one and none lead or
// trail. The document is dropped ("too_many_words_removed") when the removed words exceed 5% of its
// words, otherwise its text is replaced by the corrected text.
#include <string>
#include <string_view>

#include "curate/filter_block.h"

namespace hone::curate {

struct LineCorrectionsConfig {
  double max_uppercase_fraction = 0.5;
  std::size_t min_line_words = 2;
  std::size_t max_boilerplate_line_words = 10;
  double max_removed_word_fraction = 0.05;
};

struct LineCorrectionsMeasures {
  std::size_t lines_removed = 0;
  std::size_t lines_edited = 0;
  std::size_t words = 0;
  std::size_t words_removed = 0;
};

class LineCorrections : public FilterBlock {
 public:
  explicit LineCorrections(LineCorrectionsConfig config = {});

  // Corrects `text` in place when the document is kept (it is left as it was when dropped).
  Verdict correct(std::string& text, LineCorrectionsMeasures* measures = nullptr);

 protected:
  Verdict apply(Document& doc) override;

 private:
  enum class LineAction { keep, drop, edit };
  LineAction classify(std::string_view line, std::size_t words, std::string& edited, std::size_t& edited_words,
                      std::string_view& reason) const;

  LineCorrectionsConfig config_;
  std::string output_;  // scratch: the corrected text
  std::string edited_;  // scratch: one edited line
};

}  // namespace hone::curate
