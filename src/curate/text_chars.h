#pragma once
// Reading characters out of UTF-8 text and the character classes the heuristic filters use. The
// filters count "characters" as Python does (code points), because the Gopher thresholds are
// fractions of len(text) in the reference implementation.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hone::curate {

// Byte offset of the first byte that does not start a valid UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF are invalid), or npos when the whole text is valid.
std::size_t find_invalid_utf8(std::string_view text);

// Throws hone::Error naming the document and the byte offset when `text` is not valid UTF-8.
void require_valid_utf8(std::string_view text, std::string_view doc_id);

// The documented repair for readers: every invalid byte becomes U+FFFD, valid sequences are kept.
std::string replace_invalid_utf8(std::string_view text);

// Number of code points in valid UTF-8 (every byte that is not a continuation byte starts one).
std::size_t count_chars(std::string_view text);

// Decodes the code point starting at text[pos] of VALID UTF-8 and moves pos past it.
inline char32_t decode_next(std::string_view text, std::size_t& pos) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  if (b0 < 0x80) {
    pos += 1;
    return b0;
  }
  auto cont = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(text[pos + i]) & 0x3F); };
  char32_t cp;
  if (b0 < 0xE0) {
    cp = (static_cast<char32_t>(b0 & 0x1F) << 6) | cont(1);
    pos += 2;
  } else if (b0 < 0xF0) {
    cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2);
    pos += 3;
  } else {
    cp = (static_cast<char32_t>(b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
    pos += 4;
  }
  return cp;
}

// Decodes the code point that ENDS at text[end - 1] of valid UTF-8 and moves end to its first byte.
inline char32_t decode_previous(std::string_view text, std::size_t& end) {
  std::size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  std::size_t pos = start;
  const char32_t cp = decode_next(text, pos);
  end = start;
  return cp;
}

// Python's str.isspace() for the characters that occur in web text: ASCII whitespace, the
// separators U+001C..U+001F, NEL, NBSP and the Unicode space separators.
bool is_space(char32_t c);

// Punctuation as datatrove's PUNCTUATION string defines it (ASCII punctuation, the C0/C1 control
// characters and the common CJK/typographic marks), used to split punctuation off words and to
// decide which tokens are "symbols".
bool is_punctuation(char32_t c);

// Python's str.isalpha() approximated without Unicode tables: ASCII letters exactly, Latin-1 letters
// exactly, and above U+0100 every code point outside the digit, punctuation, symbol and space blocks
// counts as a letter (CJK, Cyrillic, Greek, Arabic, ... are letters; arrows, math, box drawing are not).
bool is_letter(char32_t c);

// Upper-case letters of the Latin (ASCII + Latin-1 + Latin Extended-A), Greek and Cyrillic alphabets.
bool is_upper(char32_t c);

// ASCII digits and the other decimal-digit blocks common on the web (Arabic-Indic, Devanagari,
// full-width).
bool is_digit(char32_t c);

// A 64-bit hash of bytes: fast on short strings (words) and long ones (lines, paragraphs).
std::uint64_t hash_bytes(const char* data, std::size_t size);

}  // namespace hone::curate
