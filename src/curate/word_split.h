#pragma once
// Word splitting for the Gopher filters. datatrove splits English with a Treebank-style word
// tokenizer (NLTK / spaCy) that separates punctuation from words; hone uses this rule, which needs no
// model and no per-word allocation:
//   1. split on whitespace (is_space);
//   2. in each whitespace-separated chunk, peel punctuation characters (is_punctuation) off the front
//      and the back as tokens of their own, one character each, except that "..." stays one token;
//   3. what is left in the middle (letters, digits, inner punctuation as in "don't", "U.S.", "e-mail",
//      "3.14") is one token.
// It differs from NLTK/spaCy in not splitting contractions ("don't" is one token, not "do" + "n't") and
// hyphenated words; both affect n-gram boundaries only marginally.
#include <cstdint>
#include <string_view>
#include <vector>

namespace hone::curate {

struct WordSpan {
  std::uint32_t begin = 0;  // byte offset in the text
  std::uint32_t bytes = 0;
  std::uint32_t chars = 0;  // code points, the unit of the Gopher character fractions

  std::string_view in(std::string_view text) const { return text.substr(begin, bytes); }
};

// Replaces `words` with the tokens of `text` (valid UTF-8, at most 4 GiB). Reusing `words` across
// documents keeps the hot path free of allocations.
void split_words(std::string_view text, std::vector<WordSpan>& words);

}  // namespace hone::curate
