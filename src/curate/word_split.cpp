#include "curate/word_split.h"

#include <algorithm>

#include "core/error.h"
#include "curate/text_chars.h"

namespace hone::curate {

namespace {

bool is_three_dots(std::string_view text, std::size_t pos, std::size_t end) {
  return pos + 3 <= end && text[pos] == '.' && text[pos + 1] == '.' && text[pos + 2] == '.';
}

// Splits the whitespace-free chunk [begin, end) into front punctuation, core and back punctuation.
void split_chunk(std::string_view text, std::size_t begin, std::size_t end, std::uint32_t chars_in_chunk,
                 std::vector<WordSpan>& words) {
  auto emit = [&](std::size_t b, std::size_t e, std::uint32_t chars) {
    words.push_back({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(e - b), chars});
  };
  std::uint32_t chars_left = chars_in_chunk;
  // Front punctuation.
  while (begin < end) {
    if (is_three_dots(text, begin, end)) {
      emit(begin, begin + 3, 3);
      begin += 3;
      chars_left -= 3;
      continue;
    }
    std::size_t next = begin;
    if (!is_punctuation(decode_next(text, next))) break;
    emit(begin, next, 1);
    begin = next;
    chars_left -= 1;
  }
  if (begin == end) return;
  // Back punctuation: collected in reverse, flipped after the core is emitted.
  std::size_t back_tokens = 0;
  const std::size_t back_first = words.size();
  std::size_t core_end = end;
  while (core_end > begin) {
    if (core_end - begin >= 3 && is_three_dots(text, core_end - 3, core_end)) {
      emit(core_end - 3, core_end, 3);
      core_end -= 3;
      chars_left -= 3;
      ++back_tokens;
      continue;
    }
    std::size_t prev = core_end;
    if (!is_punctuation(decode_previous(text, prev))) break;
    emit(prev, core_end, 1);
    core_end = prev;
    chars_left -= 1;
    ++back_tokens;
  }
  if (core_end > begin) {
    emit(begin, core_end, chars_left);
    // The core belongs before the back punctuation.
    std::rotate(words.begin() + static_cast<std::ptrdiff_t>(back_first), words.end() - 1, words.end());
  }
  std::reverse(words.end() - static_cast<std::ptrdiff_t>(back_tokens), words.end());
}

}  // namespace

void split_words(std::string_view text, std::vector<WordSpan>& words) {
  HONE_CHECK(text.size() < (std::size_t{1} << 32), "a document of ", text.size(),
             " bytes is too large for the word splitter (4 GiB at most): split it first");
  words.clear();
  std::size_t pos = 0;
  const std::size_t n = text.size();
  while (pos < n) {
    std::size_t next = pos;
    if (is_space(decode_next(text, next))) {
      pos = next;
      continue;
    }
    // A chunk runs to the next whitespace; count its characters as we go.
    const std::size_t chunk_begin = pos;
    std::uint32_t chars = 1;
    pos = next;
    while (pos < n) {
      const auto byte = static_cast<unsigned char>(text[pos]);
      if (byte < 0x80) {
        if (byte == ' ' || (byte >= 0x09 && byte <= 0x0D) || (byte >= 0x1C && byte <= 0x1F)) break;
        ++pos;
        ++chars;
        continue;
      }
      next = pos;
      if (is_space(decode_next(text, next))) break;
      pos = next;
      ++chars;
    }
    split_chunk(text, chunk_begin, pos, chars, words);
  }
}

}  // namespace hone::curate
