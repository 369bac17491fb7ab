#include "curate/text_chars.h"

#include <cstring>

#include "core/error.h"

namespace hone::curate {

namespace {

// Length of the valid UTF-8 sequence starting at text[pos], or 0 when it is invalid.
std::size_t valid_sequence_length(std::string_view text, std::size_t pos) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t left = text.size() - pos;
  const unsigned char b0 = s[pos];
  auto is_cont = [&](std::size_t i) { return (s[pos + i] & 0xC0) == 0x80; };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return left >= 2 && is_cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3 || !is_cont(1) || !is_cont(2)) return 0;
    if (b0 == 0xE0 && s[pos + 1] < 0xA0) return 0;   // overlong
    if (b0 == 0xED && s[pos + 1] >= 0xA0) return 0;  // UTF-16 surrogates
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4 || !is_cont(1) || !is_cont(2) || !is_cont(3)) return 0;
    if (b0 == 0xF0 && s[pos + 1] < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && s[pos + 1] >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;  // continuation byte without a lead, C0/C1 overlong leads, F5..FF
}

bool in(char32_t c, char32_t lo, char32_t hi) { return c >= lo && c <= hi; }

}  // namespace

std::size_t find_invalid_utf8(std::string_view text) {
  std::size_t pos = 0;
  const std::size_t n = text.size();
  while (pos < n) {
    // ASCII runs dominate web text: check eight bytes at once.
    while (pos + 8 <= n) {
      std::uint64_t chunk;
      std::memcpy(&chunk, text.data() + pos, 8);
      if (chunk & 0x8080808080808080ULL) break;
      pos += 8;
    }
    if (pos >= n) break;
    const std::size_t len = valid_sequence_length(text, pos);
    if (len == 0) return pos;
    pos += len;
  }
  return std::string_view::npos;
}

void require_valid_utf8(std::string_view text, std::string_view doc_id) {
  const std::size_t bad = find_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    fail("document '", doc_id, "' is not valid UTF-8 (first bad byte 0x", std::hex,
         static_cast<int>(static_cast<unsigned char>(text[bad])), std::dec, " at byte offset ", bad,
         "): decode the source charset to UTF-8, or repair the text with replace_invalid_utf8 (bad bytes "
         "become U+FFFD), before the curation filters");
  }
}

std::string replace_invalid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t len = valid_sequence_length(text, pos);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      pos += 1;
    } else {
      out.append(text.data() + pos, len);
      pos += len;
    }
  }
  return out;
}

std::size_t count_chars(std::string_view text) {
  std::size_t continuation = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
#pragma omp simd reduction(+ : continuation)
  for (std::size_t i = 0; i < text.size(); ++i) continuation += (s[i] & 0xC0) == 0x80;
  return text.size() - continuation;
}

bool is_space(char32_t c) {
  if (c < 0x80) return c == ' ' || in(c, 0x09, 0x0D) || in(c, 0x1C, 0x1F);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || in(c, 0x2000, 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_punctuation(char32_t c) {
  if (c < 0x80) {
    // ASCII punctuation and the control characters except tab and newline (datatrove's set).
    return in(c, 0x21, 0x2F) || in(c, 0x3A, 0x40) || in(c, 0x5B, 0x60) || in(c, 0x7B, 0x7E) || c == 0x7F ||
           (c < 0x20 && c != 0x09 && c != 0x0A);
  }
  if (c < 0xA0) return true;  // C1 controls
  switch (c) {
    case 0x00AB: case 0x00B4: case 0x00BB:                            // « ´ »
    case 0x2013: case 0x2014: case 0x2019: case 0x201C: case 0x201D:  // – — ’ “ ”
    case 0x201E: case 0x2026: case 0x2236: case 0x2501: case 0x25BA:  // „ … ∶ ━ ►
    case 0x3001: case 0x3002: case 0x3008: case 0x3009: case 0x300A:  // 、 。 〈 〉 《
    case 0x300B: case 0x300C: case 0x300D: case 0x3010: case 0x3011:  // 》 「 」 【 】
    case 0xFF01: case 0xFF05: case 0xFF08: case 0xFF09: case 0xFF0C:  // ！ ％ （ ） ，
    case 0xFF0E: case 0xFF11: case 0xFF1A: case 0xFF1B: case 0xFF1F:  // ． １ ： ； ？
    case 0xFF5E: case 0xFF61:                                         // ～ ｡
    case 0x061F: case 0x06D4: case 0x0964: case 0x0965: case 0x1362:  // terminal marks: ؟ ۔ । ॥ ።
      return true;
    default:
      return false;
  }
}

bool is_digit(char32_t c) {
  return in(c, '0', '9') || in(c, 0x0660, 0x0669) || in(c, 0x06F0, 0x06F9) || in(c, 0x0966, 0x096F) ||
         in(c, 0xFF10, 0xFF19);
}

bool is_letter(char32_t c) {
  if (c < 0x80) return in(c | 0x20, 'a', 'z');
  if (c < 0x100) return c == 0xAA || c == 0xB5 || c == 0xBA || (c >= 0xC0 && c != 0xD7 && c != 0xF7);
  if (is_space(c) || is_punctuation(c) || is_digit(c)) return false;
  return !(in(c, 0x0300, 0x036F) ||    // combining marks
           in(c, 0x2000, 0x2BFF) ||    // punctuation, currency, arrows, math, box drawing, shapes
           in(c, 0x2E00, 0x2E7F) ||    // supplemental punctuation
           in(c, 0x3000, 0x303F) ||    // CJK symbols and punctuation
           in(c, 0xE000, 0xF8FF) ||    // private use
           in(c, 0xFE30, 0xFE6F) ||    // CJK compatibility and small forms
           in(c, 0xFF00, 0xFF20) || in(c, 0xFF3B, 0xFF40) || in(c, 0xFF5B, 0xFF65) ||  // full-width symbols
           in(c, 0xFFF0, 0xFFFF) ||    // specials, U+FFFD
           in(c, 0x1F000, 0x1FAFF));   // emoji and pictographs
}

bool is_upper(char32_t c) {
  if (c < 0x80) return in(c, 'A', 'Z');
  if (c < 0x100) return in(c, 0xC0, 0xDE) && c != 0xD7;
  if (c < 0x180) {  // Latin Extended-A alternates upper/lower, with the parity flipping twice
    if (c <= 0x137 || in(c, 0x14A, 0x177)) return c % 2 == 0;
    if (in(c, 0x139, 0x148)) return c % 2 == 1;
    return c == 0x178 || c == 0x179 || c == 0x17B || c == 0x17D;
  }
  return (in(c, 0x0391, 0x03A9) && c != 0x03A2) || in(c, 0x0400, 0x042F);
}

std::uint64_t hash_bytes(const char* data, std::size_t size) {
  constexpr std::uint64_t k1 = 0x9E3779B97F4A7C15ULL;
  constexpr std::uint64_t k2 = 0xC2B2AE3D27D4EB4FULL;
  std::uint64_t h = k1 ^ (size * k2);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, data + i, 8);
    h = (h ^ (chunk * k2)) * k1;
    h ^= h >> 29;
  }
  if (i < size) {
    std::uint64_t chunk = 0;
    std::memcpy(&chunk, data + i, size - i);
    h = (h ^ (chunk * k2)) * k1;
  }
  // Murmur3's finaliser: every input bit reaches every output bit, so low bits index tables well.
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace hone::curate
