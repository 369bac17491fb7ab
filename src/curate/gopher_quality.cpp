#include "curate/gopher_quality.h"

#include <bit>
#include <cstdint>
#include <cstring>

#include "core/error.h"
#include "curate/text_chars.h"

namespace hone::curate {

namespace {

// Non-overlapping occurrences, like Python's str.count.
std::size_t count_occurrences(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  std::size_t pos = 0;
  const char first = needle[0];
  while (true) {
    const void* hit = std::memchr(text.data() + pos, first, text.size() - pos);
    if (hit == nullptr) return count;
    pos = static_cast<const char*>(hit) - text.data();
    if (text.compare(pos, needle.size(), needle) == 0) {
      ++count;
      pos += needle.size();
    } else {
      pos += 1;
    }
  }
}

// Length of the str.splitlines() line break at text[pos], 0 when there is none.
std::size_t line_break_length(std::string_view text, std::size_t pos) {
  const auto b = static_cast<unsigned char>(text[pos]);
  if (b == '\n' || b == '\v' || b == '\f' || (b >= 0x1C && b <= 0x1E)) return 1;
  if (b == '\r') return pos + 1 < text.size() && text[pos + 1] == '\n' ? 2 : 1;
  if (b == 0xC2 && pos + 1 < text.size() && static_cast<unsigned char>(text[pos + 1]) == 0x85) return 2;  // NEL
  if (b == 0xE2 && pos + 2 < text.size() && static_cast<unsigned char>(text[pos + 1]) == 0x80 &&
      (static_cast<unsigned char>(text[pos + 2]) == 0xA8 || static_cast<unsigned char>(text[pos + 2]) == 0xA9)) {
    return 3;  // U+2028, U+2029
  }
  return 0;
}

bool starts_with_bullet(std::string_view line) {
  std::size_t pos = 0;
  while (pos < line.size()) {
    std::size_t next = pos;
    const char32_t c = decode_next(line, next);
    if (!is_space(c)) return c == U'•' || c == U'-';
    pos = next;
  }
  return false;
}

bool ends_with_ellipsis(std::string_view line) {
  std::size_t end = line.size();
  while (end > 0) {
    std::size_t prev = end;
    const char32_t c = decode_previous(line, prev);
    if (!is_space(c)) {
      return c == U'…' || (c == '.' && end >= 3 && line.compare(end - 3, 3, "...") == 0);
    }
    end = prev;
  }
  return false;
}

}  // namespace

GopherQualityFilter::GopherQualityFilter(GopherQualityConfig config)
    : FilterBlock("gopher_quality"), config_(std::move(config)) {
  HONE_CHECK(config_.stop_words.size() <= 64, "gopher_quality: ", config_.stop_words.size(),
             " stop words given; at most 64 are supported");
  for (const auto& word : config_.stop_words) {
    HONE_CHECK(!word.empty(), "gopher_quality: an empty stop word was given; remove it from the list");
  }
}

Verdict GopherQualityFilter::apply(Document& doc) {
  require_valid_utf8(doc.text, doc.id);
  return evaluate(doc.text);
}

Verdict GopherQualityFilter::evaluate(std::string_view text, QualityMeasures* measures) {
  QualityMeasures m;
  split_words(text, words_);
  m.tokens = words_.size();
  std::size_t word_chars = 0;
  std::size_t alpha_tokens = 0;
  std::uint64_t stop_seen = 0;  // bit i: stop word i occurs
  for (const WordSpan& span : words_) {
    const std::string_view token = span.in(text);
    bool has_non_punctuation = false;
    bool has_letter = false;
    for (std::size_t pos = 0; pos < token.size();) {
      const char32_t c = decode_next(token, pos);
      has_non_punctuation |= !is_punctuation(c);
      has_letter |= is_letter(c);
      if (has_letter && has_non_punctuation) break;
    }
    if (has_non_punctuation) {
      m.words += 1;
      word_chars += span.chars;
    }
    alpha_tokens += has_letter;
    if (span.bytes <= 8) {  // stop words are short: skip the comparisons for everything else
      for (std::size_t i = 0; i < config_.stop_words.size(); ++i) {
        if (token == config_.stop_words[i]) stop_seen |= std::uint64_t{1} << i;
      }
    }
  }
  m.stop_words = static_cast<std::size_t>(std::popcount(stop_seen));
  m.mean_word_length = m.words ? static_cast<double>(word_chars) / static_cast<double>(m.words) : 0.0;
  const double tokens = static_cast<double>(m.tokens);
  m.hash_ratio = m.tokens ? static_cast<double>(count_occurrences(text, "#")) / tokens : 0.0;
  m.ellipsis_ratio =
      m.tokens ? static_cast<double>(count_occurrences(text, "...") + count_occurrences(text, "…")) / tokens : 0.0;
  m.alpha_word_fraction = m.tokens ? static_cast<double>(alpha_tokens) / tokens : 0.0;

  std::size_t lines = 0;
  std::size_t bullet_lines = 0;
  std::size_t ellipsis_lines = 0;
  std::size_t begin = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t br = line_break_length(text, pos);
    if (br == 0) {
      ++pos;
      continue;
    }
    const std::string_view line = text.substr(begin, pos - begin);
    ++lines;
    bullet_lines += starts_with_bullet(line);
    ellipsis_lines += ends_with_ellipsis(line);
    pos += br;
    begin = pos;
  }
  if (begin < text.size()) {  // splitlines() gives no empty piece after a final line break
    const std::string_view line = text.substr(begin);
    ++lines;
    bullet_lines += starts_with_bullet(line);
    ellipsis_lines += ends_with_ellipsis(line);
  }
  m.bullet_line_fraction = lines ? static_cast<double>(bullet_lines) / static_cast<double>(lines) : 0.0;
  m.ellipsis_line_fraction = lines ? static_cast<double>(ellipsis_lines) / static_cast<double>(lines) : 0.0;
  if (measures) *measures = m;

  if (m.words < config_.min_words) return Verdict::dropped("gopher_short_doc");
  if (m.words > config_.max_words) return Verdict::dropped("gopher_long_doc");
  if (m.mean_word_length < config_.min_mean_word_length) return Verdict::dropped("gopher_below_avg_threshold");
  if (m.mean_word_length > config_.max_mean_word_length) return Verdict::dropped("gopher_above_avg_threshold");
  if (m.hash_ratio > config_.max_symbol_word_ratio) return Verdict::dropped("gopher_too_many_hashes");
  if (m.ellipsis_ratio > config_.max_symbol_word_ratio) return Verdict::dropped("gopher_too_many_ellipsis");
  if (m.bullet_line_fraction > config_.max_bullet_line_fraction) return Verdict::dropped("gopher_too_many_bullets");
  if (m.ellipsis_line_fraction > config_.max_ellipsis_line_fraction) {
    return Verdict::dropped("gopher_too_many_end_ellipsis");
  }
  if (m.alpha_word_fraction < config_.min_alpha_word_fraction) return Verdict::dropped("gopher_below_alpha_threshold");
  if (m.stop_words < config_.min_stop_words) return Verdict::dropped("gopher_enough_stop_words");
  return Verdict::kept();
}

}  // namespace hone::curate
