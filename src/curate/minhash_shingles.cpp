#include "curate/minhash_shingles.h"

#include <xxhash.h>

#include <algorithm>

#include "core/error.h"

namespace hone::curate {
namespace {

enum class CharClass { Letter, Digit, Space, Punct };

// Latin-1 letters U+00C0..U+00FF folded to lowercase ASCII ('*' marks × and ÷, which are symbols).
constexpr char kLatin1Fold[65] =
    "aaaaaaaceeeeiiiidnooooo*ouuuuyts"   // U+00C0..U+00DF (ß kept as 's')
    "aaaaaaaceeeeiiiidnooooo*ouuuuyty";  // U+00E0..U+00FF

bool is_unicode_space(uint32_t cp) {
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool is_unicode_punct(uint32_t cp) {
  if (cp >= 0x80 && cp <= 0x9F) return true;  // C1 controls
  if (cp >= 0xA1 && cp <= 0xBF) return cp != 0xAA && cp != 0xB5 && cp != 0xBA;  // ¡ « » ¿ © ° ...
  if (cp == 0xD7 || cp == 0xF7) return true;                                   // × ÷
  if (cp >= 0x2010 && cp <= 0x2027) return true;                               // dashes, quotes, …
  if (cp >= 0x2030 && cp <= 0x205E) return true;                               // ‰ ‹ › ⁂ ...
  if (cp >= 0x2E00 && cp <= 0x2E7F) return true;                               // supplemental punct.
  if ((cp >= 0x3001 && cp <= 0x3003) || (cp >= 0x3008 && cp <= 0x3011) || (cp >= 0x3014 && cp <= 0x301F))
    return true;  // 、。〈〉【】 ...
  if ((cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
      (cp >= 0xFF5B && cp <= 0xFF65))
    return true;  // full-width ！（），：？ ...
  return cp == 0xFEFF;  // byte-order mark
}

// Simple one-to-one lowercase for the scripts most web text uses; others are returned unchanged.
uint32_t to_lower(uint32_t cp) {
  if (cp >= 0x100 && cp <= 0x17F) {
    const bool even_upper = (cp <= 0x137) || (cp >= 0x14A && cp <= 0x177);
    const bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    if ((even_upper && cp % 2 == 0) || (odd_upper && cp % 2 == 1)) return cp + 1;
    return cp;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;  // Greek
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;                  // Cyrillic А..Я
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;                  // Cyrillic Ѐ..Џ
  return cp;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes one code point at text[i]; returns its length in bytes, or 0 for an invalid sequence.
size_t decode_utf8(std::string_view text, size_t i, uint32_t& cp) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
  return length;
}

}  // namespace

ShingleHasher::ShingleHasher(int ngram_size) : ngram_size_(ngram_size) {
  HONE_CHECK(ngram_size >= 1 && ngram_size <= 64, "MinHash n-gram size must be in 1..64, got ", ngram_size,
             ": use 5 (RefinedWeb, FineWeb)");
}

std::string_view ShingleHasher::normalize(std::string_view text) {
  normalized_.clear();
  word_begin_.clear();
  normalized_.reserve(text.size());
  bool in_word = false;
  bool digit_run = false;  // the last kept character was a digit run's "0"; punctuation keeps it alive
  const auto start_word = [&] {
    if (in_word) return;
    if (!normalized_.empty()) normalized_.push_back(' ');
    word_begin_.push_back(static_cast<uint32_t>(normalized_.size()));
    in_word = true;
  };
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {  // ASCII fast path
      ++i;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        start_word();
        normalized_.push_back(static_cast<char>(c | 0x20));
        digit_run = false;
      } else if (c >= '0' && c <= '9') {
        if (!digit_run) {
          start_word();
          normalized_.push_back('0');
          digit_run = true;
        }
      } else if (c == ' ' || (c >= '\t' && c <= '\r')) {
        in_word = false;
        digit_run = false;
      }
      // Everything else (punctuation, other controls) is deleted.
      continue;
    }
    uint32_t cp = 0;
    const size_t length = decode_utf8(text, i, cp);
    if (length == 0) {  // invalid UTF-8: keep the byte, it still identifies the text
      start_word();
      normalized_.push_back(static_cast<char>(c));
      digit_run = false;
      ++i;
      continue;
    }
    i += length;
    if (is_unicode_space(cp)) {
      in_word = false;
      digit_run = false;
    } else if (is_unicode_punct(cp)) {
      // deleted
    } else {
      start_word();
      digit_run = false;
      if (cp >= 0xC0 && cp <= 0xFF) {
        normalized_.push_back(kLatin1Fold[cp - 0xC0]);
      } else {
        append_utf8(normalized_, to_lower(cp));
      }
    }
  }
  return normalized_;
}

void ShingleHasher::hash_shingles(std::string_view text, std::vector<uint64_t>& hashes) {
  hashes.clear();
  normalize(text);
  const size_t words = word_begin_.size();
  if (words == 0) return;
  const size_t n = static_cast<size_t>(ngram_size_);
  if (words < n) {
    hashes.push_back(XXH3_64bits(normalized_.data(), normalized_.size()));
    return;
  }
  hashes.resize(words - n + 1);
  // Shingle i spans words i..i+n-1: from word i's start to the space before word i+n (or the end).
  for (size_t s = 0; s + n <= words; ++s) {
    const size_t begin = word_begin_[s];
    const size_t end = s + n < words ? word_begin_[s + n] - 1 : normalized_.size();
    hashes[s] = XXH3_64bits(normalized_.data() + begin, end - begin);
  }
}

std::vector<uint64_t> shingle_set(std::string_view text, int ngram_size) {
  ShingleHasher hasher(ngram_size);
  std::vector<uint64_t> hashes;
  hasher.hash_shingles(text, hashes);
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  return hashes;
}

double jaccard_similarity(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.empty() && b.empty()) return 0.0;
  size_t shared = 0, i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++shared, ++i, ++j;
    }
  }
  return static_cast<double>(shared) / static_cast<double>(a.size() + b.size() - shared);
}

}  // namespace hone::curate
