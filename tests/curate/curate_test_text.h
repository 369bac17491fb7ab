#pragma once
// Text builders shared by the curate tests.
#include <string>

#include "curate/text_chars.h"

namespace hone::curate::testing {

// Appends distinct filler words ("q0x", "q1x", ... and one run of 'y') until `text` has exactly
// `total_chars` code points. Every filler word is unique, so it adds no duplicate lines or n-grams.
inline std::string pad_to_chars(std::string text, std::size_t total_chars) {
  int i = 0;
  while (count_chars(text) + 20 < total_chars) {
    text.append(" q").append(std::to_string(i++)).append("x");
  }
  const std::size_t have = count_chars(text);
  if (have + 2 <= total_chars) text.append(" ").append(total_chars - have - 1, 'y');
  return text;
}

// `n` lines of ordinary distinct prose.
inline std::string distinct_lines(int n, const std::string& stem = "line") {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) out += "\n";
    out += "this is " + stem + " number " + std::to_string(i) + " of the text";
  }
  return out;
}

}  // namespace hone::curate::testing
