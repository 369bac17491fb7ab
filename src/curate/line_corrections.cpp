#include "curate/line_corrections.h"

#include <array>
#include <cstring>

#include "core/error.h"
#include "curate/text_chars.h"

namespace hone::curate {

namespace {

// Phrases are lower-case ASCII; lines are compared ASCII-case-insensitively.
constexpr std::array<std::string_view, 12> kStartPhrases = {
    "sign in", "sign up", "log in", "log out", "sign out", "subscribe", "share this", "follow us",
    "advertisement", "skip to main content", "skip to content", "back to top"};
constexpr std::array<std::string_view, 9> kEndPhrases = {"read more", "continue reading", "click here",
                                                          "learn more", "see more", "show more",
                                                          "load more", "view more", "back to top"};
constexpr std::array<std::string_view, 7> kAnywherePhrases = {
    "items in cart", "item in cart", "items in your cart", "your cart is empty", "add to cart", "add to wishlist",
    "all rights reserved"};
constexpr std::array<std::string_view, 30> kCounterWords = {
    "like",      "likes",      "liked",   "share",     "shares",    "shared",    "comment",    "comments",
    "retweet",   "retweets",   "repost",  "reposts",   "follower",  "followers", "following",  "view",
    "views",     "reply",      "replies", "favorite",  "favorites", "favourite", "favourites", "upvote",
    "upvotes",   "reaction",   "reactions", "subscriber", "subscribers", "claps"};

char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool is_word_char(char32_t c) { return is_letter(c) || is_digit(c); }

bool equals_lower(std::string_view text, std::string_view lower_phrase) {
  if (text.size() != lower_phrase.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (lower_ascii(text[i]) != lower_phrase[i]) return false;
  }
  return true;
}

// Position of `phrase` in `line` (case-insensitive) at word boundaries, from `from`; npos if absent.
std::size_t find_phrase(std::string_view line, std::string_view phrase, std::size_t from = 0) {
  for (std::size_t pos = from; pos + phrase.size() <= line.size(); ++pos) {
    if (lower_ascii(line[pos]) != phrase[0]) continue;
    if (!equals_lower(line.substr(pos, phrase.size()), phrase)) continue;
    std::size_t before = pos;
    const bool left_ok = pos == 0 || !is_word_char(decode_previous(line, before));
    std::size_t end = pos + phrase.size();
    const bool right_ok = end == line.size() || !is_word_char(decode_next(line, end));
    if (left_ok && right_ok) return pos;
  }
  return std::string_view::npos;
}

// Whitespace and punctuation-like separators around boilerplate ("Read more »", "Sign in |").
bool is_separator(char32_t c) {
  return is_space(c) || is_punctuation(c) || c == U'›' || c == U'‹' || c == U'→' || c == U'·' || c == U'•' ||
         c == U'|';
}

std::string_view trim_separators(std::string_view s) {
  std::size_t begin = 0;
  std::size_t end = s.size();
  while (begin < end) {
    std::size_t next = begin;
    if (!is_separator(decode_next(s, next))) break;
    begin = next;
  }
  while (end > begin) {
    std::size_t prev = end;
    if (!is_separator(decode_previous(s, prev))) break;
    end = prev;
  }
  return s.substr(begin, end - begin);
}

std::string_view trim_spaces(std::string_view s) {
  std::size_t begin = 0;
  std::size_t end = s.size();
  while (begin < end) {
    std::size_t next = begin;
    if (!is_space(decode_next(s, next))) break;
    begin = next;
  }
  while (end > begin) {
    std::size_t prev = end;
    if (!is_space(decode_previous(s, prev))) break;
    end = prev;
  }
  return s.substr(begin, end - begin);
}

std::size_t count_words(std::string_view s) {
  std::size_t words = 0;
  bool in_word = false;
  for (std::size_t pos = 0; pos < s.size();) {
    const bool space = is_space(decode_next(s, pos));
    words += !space && !in_word;
    in_word = !space;
  }
  return words;
}

bool is_number_token(std::string_view token) {
  std::size_t digits = 0;
  for (std::size_t i = 0; i < token.size(); ++i) {
    const char c = token[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if ((c == '.' || c == ',') && digits > 0 && i + 1 < token.size()) {
      continue;
    } else if ((c == 'k' || c == 'K' || c == 'm' || c == 'M') && digits > 0 && i + 1 == token.size()) {
      continue;
    } else {
      return false;
    }
  }
  return digits > 0;
}

bool is_counter_line(std::string_view line) {
  bool has_number = false;
  bool has_counter_word = false;
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r')) ++pos;
    if (pos == line.size()) break;
    std::size_t end = pos;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\r') ++end;
    std::string_view token = trim_separators(line.substr(pos, end - pos));
    pos = end;
    if (token.empty()) continue;  // a lone "·" or "|" between counters
    if (is_number_token(token)) {
      has_number = true;
      continue;
    }
    bool counter_word = false;
    for (std::string_view word : kCounterWords) counter_word |= equals_lower(token, word);
    if (!counter_word) return false;
    has_counter_word = true;
  }
  return has_number && has_counter_word;
}

}  // namespace

LineCorrections::LineCorrections(LineCorrectionsConfig config)
    : FilterBlock("line_corrections"), config_(config) {
  HONE_CHECK(config_.max_removed_word_fraction >= 0 && config_.max_removed_word_fraction <= 1,
             "line_corrections: max_removed_word_fraction is ", config_.max_removed_word_fraction,
             "; it must lie in [0, 1]");
}

Verdict LineCorrections::apply(Document& doc) {
  require_valid_utf8(doc.text, doc.id);
  LineCorrectionsMeasures measures;
  const Verdict verdict = correct(doc.text, &measures);
  mutable_stats().add_counter("lines_removed", measures.lines_removed);
  mutable_stats().add_counter("lines_edited", measures.lines_edited);
  mutable_stats().add_counter("words_removed", measures.words_removed);
  return verdict;
}

LineCorrections::LineAction LineCorrections::classify(std::string_view line, std::size_t words,
                                                      std::string& edited, std::size_t& edited_words,
                                                      std::string_view& reason) const {
  std::size_t letters = 0;
  std::size_t upper = 0;
  std::size_t digits = 0;
  for (std::size_t pos = 0; pos < line.size();) {
    const auto b = static_cast<unsigned char>(line[pos]);
    if (b < 0x80) {  // ASCII fast path
      const bool is_up = b >= 'A' && b <= 'Z';
      letters += is_up || (b >= 'a' && b <= 'z');
      upper += is_up;
      digits += b >= '0' && b <= '9';
      ++pos;
      continue;
    }
    const char32_t c = decode_next(line, pos);
    letters += is_letter(c);
    upper += is_upper(c);
    digits += is_digit(c);
  }
  if (letters > 0 && static_cast<double>(upper) > config_.max_uppercase_fraction * static_cast<double>(letters)) {
    reason = "uppercase";
    return LineAction::drop;
  }
  if (letters == 0 && digits > 0) {
    reason = "numeric";
    return LineAction::drop;
  }
  if (words <= config_.max_boilerplate_line_words && is_counter_line(line)) {
    reason = "counter";
    return LineAction::drop;
  }
  if (words < config_.min_line_words) {
    reason = "one_word";
    return LineAction::drop;
  }
  if (words > config_.max_boilerplate_line_words) return LineAction::keep;

  // Boilerplate: cut the first matching phrase out of the short line.
  const std::string_view body = trim_spaces(line);
  std::string_view before;
  std::string_view after;
  bool matched = false;
  for (std::string_view phrase : kStartPhrases) {
    if (find_phrase(body, phrase) == 0) {
      after = body.substr(phrase.size());
      matched = true;
      break;
    }
  }
  if (!matched) {
    for (std::string_view phrase : kEndPhrases) {
      for (std::size_t pos = find_phrase(body, phrase); pos != std::string_view::npos;
           pos = find_phrase(body, phrase, pos + 1)) {
        if (trim_separators(body.substr(pos + phrase.size())).empty()) {
          before = body.substr(0, pos);
          matched = true;
          break;
        }
      }
      if (matched) break;
    }
  }
  if (!matched) {
    for (std::string_view phrase : kAnywherePhrases) {
      const std::size_t pos = find_phrase(body, phrase);
      if (pos != std::string_view::npos) {
        before = body.substr(0, pos);
        after = body.substr(pos + phrase.size());
        matched = true;
        break;
      }
    }
  }
  if (!matched) return LineAction::keep;
  edited.clear();
  const std::string_view left = trim_separators(before);
  const std::string_view right = trim_separators(after);
  edited.append(left);
  if (!left.empty() && !right.empty()) edited += ' ';
  edited.append(right);
  edited_words = count_words(edited);
  reason = "boilerplate";
  return edited_words < config_.min_line_words ? LineAction::drop : LineAction::edit;
}

Verdict LineCorrections::correct(std::string& text, LineCorrectionsMeasures* measures) {
  LineCorrectionsMeasures m;
  output_.clear();
  bool changed = false;
  bool pending_blank = false;
  auto append_line = [&](std::string_view line) {
    if (!output_.empty()) output_ += pending_blank ? "\n\n" : "\n";
    pending_blank = false;
    output_.append(line);
  };
  const std::string_view all = text;
  std::size_t begin = 0;
  while (begin <= all.size()) {
    const void* hit = std::memchr(all.data() + begin, '\n', all.size() - begin);
    const std::size_t end = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - all.data()) : all.size();
    const std::string_view line = all.substr(begin, end - begin);
    begin = end + 1;
    const std::size_t words = count_words(line);
    m.words += words;
    if (words == 0) {
      pending_blank = !output_.empty();
      continue;
    }
    std::size_t edited_words = 0;
    std::string_view reason;
    switch (classify(line, words, edited_, edited_words, reason)) {
      case LineAction::keep:
        append_line(line);
        break;
      case LineAction::drop:
        m.lines_removed += 1;
        m.words_removed += words;
        changed = true;
        break;
      case LineAction::edit:
        m.lines_edited += 1;
        m.words_removed += words - edited_words;
        changed = true;
        append_line(edited_);
        break;
    }
  }
  if (measures) *measures = m;
  if (m.words == 0) return Verdict::dropped("empty");
  if (static_cast<double>(m.words_removed) > config_.max_removed_word_fraction * static_cast<double>(m.words)) {
    return Verdict::dropped("too_many_words_removed");
  }
  if (changed) text.swap(output_);
  return Verdict::kept();
}

}  // namespace hone::curate
