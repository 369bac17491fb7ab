#include "curate/gopher_repetition.h"

#include <bit>
#include <cstring>

#include "core/error.h"
#include "curate/text_chars.h"

namespace hone::curate {

namespace {

constexpr int kMaxN = 10;
constexpr std::string_view kTopNames[kMaxN + 1] = {"",           "top_1_gram", "top_2_gram", "top_3_gram",
                                                   "top_4_gram", "top_5_gram", "top_6_gram", "top_7_gram",
                                                   "top_8_gram", "top_9_gram", "top_10_gram"};
constexpr std::string_view kDuplicateNames[kMaxN + 1] = {
    "",                      "duplicated_1_n_grams", "duplicated_2_n_grams", "duplicated_3_n_grams",
    "duplicated_4_n_grams",  "duplicated_5_n_grams", "duplicated_6_n_grams", "duplicated_7_n_grams",
    "duplicated_8_n_grams",  "duplicated_9_n_grams", "duplicated_10_n_grams"};
// Odd multiplier of the polynomial n-gram hash over 64-bit word hashes (arithmetic mod 2^64).
constexpr std::uint64_t kBase = 0x100000001B3ULL * 0x9E3779B97F4A7C15ULL | 1;

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  return h;
}

std::string_view strip(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end) {
    std::size_t next = begin;
    if (!is_space(decode_next(text, next))) break;
    begin = next;
  }
  while (end > begin) {
    std::size_t prev = end;
    if (!is_space(decode_previous(text, prev))) break;
    end = prev;
  }
  return text.substr(begin, end - begin);
}

}  // namespace

GopherRepetitionFilter::GopherRepetitionFilter(GopherRepetitionConfig config)
    : FilterBlock("gopher_repetition"), config_(std::move(config)) {
  for (const auto* rules : {&config_.top_ngram_max_char_fraction, &config_.duplicate_ngram_max_char_fraction}) {
    for (const auto& [n, fraction] : *rules) {
      HONE_CHECK(n >= 1 && n <= kMaxN, "gopher_repetition: n-gram size ", n, " is out of range; use 1..", kMaxN);
      HONE_CHECK(fraction >= 0, "gopher_repetition: the threshold for ", n, "-grams is ", fraction,
                 "; thresholds are fractions >= 0");
    }
  }
}

Verdict GopherRepetitionFilter::apply(Document& doc) {
  require_valid_utf8(doc.text, doc.id);
  return evaluate(doc.text);
}

void GopherRepetitionFilter::reset_table(std::size_t expected_entries) {
  // Load factor <= 1/2 keeps probe chains short.
  const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, 2 * expected_entries));
  table_.assign(capacity, Slot{});
}

void GopherRepetitionFilter::add_span(std::string_view text, std::size_t begin, std::size_t end,
                                      Duplicates& out) {
  const std::size_t length = end - begin;
  const std::uint64_t hash = hash_bytes(text.data() + begin, length);
  const std::size_t mask = table_.size() - 1;
  out.elements += 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = table_[i];
    if (slot.count == 0) {
      slot = {hash, static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(length), 1};
      return;
    }
    if (slot.hash == hash && slot.length == length &&
        std::memcmp(text.data() + slot.key, text.data() + begin, length) == 0) {
      slot.count += 1;
      out.duplicate_elements += 1;
      out.duplicate_chars += count_chars(text.substr(begin, length));
      return;
    }
  }
}

GopherRepetitionFilter::Duplicates GopherRepetitionFilter::duplicate_paragraphs(std::string_view text) {
  // Python: re.split(r"\n{2,}", text.strip()). Offsets stay relative to `text` for the table.
  const std::string_view body = strip(text);
  const std::size_t base = static_cast<std::size_t>(body.data() - text.data());
  std::size_t newlines = 0;
  for (char c : body) newlines += c == '\n';
  reset_table(newlines / 2 + 1);
  Duplicates out;
  std::size_t begin = 0;
  std::size_t pos = 0;
  while (true) {
    const void* hit = std::memchr(body.data() + pos, '\n', body.size() - pos);
    if (hit == nullptr) break;
    const std::size_t nl = static_cast<const char*>(hit) - body.data();
    std::size_t run_end = nl;
    while (run_end < body.size() && body[run_end] == '\n') ++run_end;
    if (run_end - nl >= 2) {
      add_span(text, base + begin, base + nl, out);
      begin = run_end;
    }
    pos = run_end;
  }
  add_span(text, base + begin, base + body.size(), out);
  return out;
}

GopherRepetitionFilter::Duplicates GopherRepetitionFilter::duplicate_lines(std::string_view text) {
  // Python: re.split(r"\n+", text), empty first/last pieces included.
  std::size_t newlines = 0;
  for (char c : text) newlines += c == '\n';
  reset_table(newlines + 1);
  Duplicates out;
  std::size_t begin = 0;
  std::size_t pos = 0;
  while (true) {
    const void* hit = std::memchr(text.data() + pos, '\n', text.size() - pos);
    if (hit == nullptr) break;
    const std::size_t nl = static_cast<const char*>(hit) - text.data();
    std::size_t run_end = nl;
    while (run_end < text.size() && text[run_end] == '\n') ++run_end;
    add_span(text, begin, nl, out);
    begin = pos = run_end;
  }
  add_span(text, begin, text.size(), out);
  return out;
}

void GopherRepetitionFilter::prepare_ngrams(std::string_view text) {
  split_words(text, words_);
  const std::size_t n_words = words_.size();
  word_hash_.resize(n_words);
  prefix_hash_.resize(n_words + 1);
  prefix_chars_.resize(n_words + 1);
  prefix_hash_[0] = 0;
  prefix_chars_[0] = 0;
  for (std::size_t i = 0; i < n_words; ++i) {
    word_hash_[i] = hash_bytes(text.data() + words_[i].begin, words_[i].bytes);
    prefix_hash_[i + 1] = prefix_hash_[i] * kBase + word_hash_[i];
    prefix_chars_[i + 1] = prefix_chars_[i] + words_[i].chars;
  }
  if (base_power_.empty()) {
    base_power_.resize(kMaxN + 1);
    base_power_[0] = 1;
    for (int n = 1; n <= kMaxN; ++n) base_power_[n] = base_power_[n - 1] * kBase;
  }
}

std::uint64_t GopherRepetitionFilter::ngram_hash(std::uint32_t start, int n) const {
  return mix(prefix_hash_[start + n] - prefix_hash_[start] * base_power_[n]);
}

bool GopherRepetitionFilter::ngram_equal(std::uint32_t a, std::uint32_t b, int n) const {
  for (int k = 0; k < n; ++k) {
    const WordSpan& wa = words_[a + k];
    const WordSpan& wb = words_[b + k];
    if (word_hash_[a + k] != word_hash_[b + k] || wa.bytes != wb.bytes ||
        std::memcmp(text_.data() + wa.begin, text_.data() + wb.begin, wa.bytes) != 0) {
      return false;
    }
  }
  return true;
}

std::size_t GopherRepetitionFilter::top_ngram_chars(int n) {
  const std::size_t starts = words_.size() - static_cast<std::size_t>(n) + 1;
  reset_table(starts);
  const std::size_t mask = table_.size() - 1;
  for (std::uint32_t i = 0; i < starts; ++i) {
    const std::uint64_t hash = ngram_hash(i, n);
    for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
      Slot& slot = table_[s];
      if (slot.count == 0) {
        slot = {hash, i, 0, 1};
        break;
      }
      if (slot.hash == hash && ngram_equal(slot.key, i, n)) {
        slot.count += 1;
        break;
      }
    }
  }
  // Counter.most_common(1): the highest count, ties going to the n-gram seen first.
  const Slot* best = nullptr;
  for (const Slot& slot : table_) {
    if (slot.count == 0) continue;
    if (best == nullptr || slot.count > best->count || (slot.count == best->count && slot.key < best->key)) {
      best = &slot;
    }
  }
  // The reference measures " ".join(n-gram): the words plus n - 1 spaces.
  const std::size_t chars = prefix_chars_[best->key + n] - prefix_chars_[best->key] + (n - 1);
  return chars * best->count;
}

std::size_t GopherRepetitionFilter::duplicate_ngram_chars(int n) {
  const std::size_t n_words = words_.size();
  reset_table(n_words - static_cast<std::size_t>(n) + 1);
  const std::size_t mask = table_.size() - 1;
  std::size_t repeated_chars = 0;
  std::size_t i = 0;
  while (i + static_cast<std::size_t>(n) <= n_words) {
    const auto start = static_cast<std::uint32_t>(i);
    const std::uint64_t hash = ngram_hash(start, n);
    bool seen = false;
    for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
      Slot& slot = table_[s];
      if (slot.count == 0) {
        slot = {hash, start, 0, 1};
        break;
      }
      if (slot.hash == hash && ngram_equal(slot.key, start, n)) {
        seen = true;
        break;
      }
    }
    if (seen) {
      // The reference measures "".join(n-gram): the words without separators.
      repeated_chars += prefix_chars_[i + n] - prefix_chars_[i];
      i += static_cast<std::size_t>(n);  // skip ahead past the repeat
    } else {
      i += 1;
    }
  }
  return repeated_chars;
}

Verdict GopherRepetitionFilter::evaluate(std::string_view text, RepetitionMeasures* measures) {
  if (text.empty()) return Verdict::dropped("empty");
  text_ = text;
  const double total_chars = static_cast<double>(count_chars(text));

  const Duplicates paragraphs = duplicate_paragraphs(text);
  const double para_fraction = static_cast<double>(paragraphs.duplicate_elements) / paragraphs.elements;
  const double para_char_fraction = static_cast<double>(paragraphs.duplicate_chars) / total_chars;
  if (measures) {
    measures->duplicate_paragraph_fraction = para_fraction;
    measures->duplicate_paragraph_char_fraction = para_char_fraction;
  }
  if (para_fraction > config_.max_duplicate_paragraph_fraction) return Verdict::dropped("dup_para_frac");
  if (para_char_fraction > config_.max_duplicate_paragraph_char_fraction) return Verdict::dropped("dup_para_char_frac");

  const Duplicates lines = duplicate_lines(text);
  const double line_fraction = static_cast<double>(lines.duplicate_elements) / lines.elements;
  const double line_char_fraction = static_cast<double>(lines.duplicate_chars) / total_chars;
  if (measures) {
    measures->duplicate_line_fraction = line_fraction;
    measures->duplicate_line_char_fraction = line_char_fraction;
  }
  if (line_fraction > config_.max_duplicate_line_fraction) return Verdict::dropped("dup_line_frac");
  if (line_char_fraction > config_.max_duplicate_line_char_fraction) return Verdict::dropped("dup_line_char_frac");

  prepare_ngrams(text);
  const std::size_t n_words = words_.size();
  for (const auto& [n, max_fraction] : config_.top_ngram_max_char_fraction) {
    if (n_words < static_cast<std::size_t>(n)) continue;
    const double fraction = static_cast<double>(top_ngram_chars(n)) / total_chars;
    if (measures) measures->top_ngram_char_fraction.emplace_back(n, fraction);
    if (fraction > max_fraction) return Verdict::dropped(kTopNames[n]);
  }
  for (const auto& [n, max_fraction] : config_.duplicate_ngram_max_char_fraction) {
    if (n_words < static_cast<std::size_t>(n)) continue;
    const double fraction = static_cast<double>(duplicate_ngram_chars(n)) / total_chars;
    if (measures) measures->duplicate_ngram_char_fraction.emplace_back(n, fraction);
    if (fraction > max_fraction) return Verdict::dropped(kDuplicateNames[n]);
  }
  return Verdict::kept();
}

}  // namespace hone::curate
