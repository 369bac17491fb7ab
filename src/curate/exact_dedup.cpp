#include "curate/exact_dedup.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <limits>
#include <string_view>
#include <unordered_set>

#include <divsufsort.h>
#include <xxhash.h>

#include "core/error.h"
#include "curate/repeat_candidates.h"
#include "curate/text_chars.h"

namespace hone::curate {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

constexpr std::int64_t kMaxSuffixArrayBytes = std::numeric_limits<std::int32_t>::max() - 1;

struct Hash128 {
  std::size_t operator()(const XXH128_hash_t& h) const { return static_cast<std::size_t>(h.low64); }
};
struct Equal128 {
  bool operator()(const XXH128_hash_t& a, const XXH128_hash_t& b) const { return XXH128_isEqual(a, b); }
};

// Step 1: validates every document and drops later copies of identical texts. Returns which
// documents take part in the span search.
std::vector<bool> drop_duplicate_documents(std::vector<Document>& docs, const ExactDedupConfig& config,
                                           ExactDedupResult& result) {
  const auto start = Clock::now();
  std::vector<bool> active(docs.size(), true);
  std::unordered_set<XXH128_hash_t, Hash128, Equal128> seen;
  seen.reserve(docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) {
    require_valid_utf8(docs[i].text, docs[i].id);
    result.stats.docs_in += 1;
    result.stats.bytes_in += docs[i].text.size();
    if (!config.drop_duplicate_documents) continue;
    if (!seen.insert(XXH3_128bits(docs[i].text.data(), docs[i].text.size())).second) {
      active[i] = false;
      result.verdicts[i] = Verdict::dropped("exact_duplicate_document");
      result.stats.add_drop("exact_duplicate_document");
    }
  }
  result.seconds_hash += seconds_since(start);
  return active;
}

// True when the k symbols at a and b are equal and none is the separator, i.e. lcp(a, b) >= k with
// matches stopping at document ends. Token mode compares symbol by symbol.
template <class Symbol>
bool same_window(const Symbol* text, std::int64_t a, std::int64_t b, std::int64_t k, Symbol separator) {
  for (std::int64_t l = 0; l < k; ++l) {
    if (text[a + l] != text[b + l] || text[a + l] == separator) return false;
  }
  return true;
}

// Byte mode compares 8 bytes at a time (the corpus carries kWordPadding readable bytes after its end).
// A word with a 0xFF byte (the separator) inside the window ends the comparison: it either differs or
// puts a document end inside the window. Both sides are read only up to the first separator of `a`'s
// window, which lies at or before the corpus end, so reads stay within the padding.
constexpr std::int64_t kWordPadding = 8;
static_assert(std::endian::native == std::endian::little, "the word comparison masks assume little-endian loads");
template <>
bool same_window<std::uint8_t>(const std::uint8_t* text, std::int64_t a, std::int64_t b, std::int64_t k,
                               std::uint8_t /*separator 0xFF*/) {
  constexpr std::uint64_t kLow = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  for (std::int64_t l = 0; l < k; l += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, text + a + l, 8);
    std::memcpy(&y, text + b + l, 8);
    // Only the bytes inside the window count in the last word (little-endian: low bytes come first).
    const std::uint64_t mask = k - l >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * (k - l))) - 1;
    const std::uint64_t inverted = ~x;  // 0xFF bytes of x become zero bytes
    const std::uint64_t separators = (inverted - kLow) & ~inverted & kHigh;
    if (((x ^ y) & mask) != 0 || (separators & mask) != 0) return false;
  }
  return true;
}

// Steps 2-3 over a symbol string whose documents each end with `separator` (so text[n - 1] is one),
// given its suffix array `sa` (positions in symbols). Returns, per symbol, 1 when it lies in a
// non-first occurrence of a window of k symbols that occurs more than once.
//
// Suffixes that share their first k symbols are one run of the suffix array, so only "lcp >= k" of
// neighbours matters, never the LCP value: each neighbour pair is compared directly, at most k symbols
// and usually a few (adjacent suffixes of text differ early). This reads the text at two random places
// per suffix, prefetched ahead along the suffix array, and needs no Phi/PLCP arrays (Kasai's bound
// would save comparisons only inside long repeats, at the price of a random scatter and gather over
// 4 bytes per symbol).
template <class Symbol>
std::vector<std::uint8_t> mark_repeated_windows(const Symbol* text, std::int64_t n, const std::int32_t* sa,
                                                Symbol separator, std::size_t k, ExactDedupResult& result) {
  auto start = Clock::now();
  std::vector<std::uint8_t> marked(static_cast<std::size_t>(n), 0);
  const auto k64 = static_cast<std::int64_t>(k);
  constexpr std::int64_t kPrefetchDistance = 16;
  // The run's smallest position is the first occurrence in corpus order; every other member starts a
  // window to remove.
  auto close_run = [&](std::int64_t begin, std::int64_t end) {
    if (end - begin < 2) return;
    const std::int32_t first = *std::min_element(sa + begin, sa + end);
    for (std::int64_t t = begin; t < end; ++t) {
      if (sa[t] != first) marked[static_cast<std::size_t>(sa[t])] = 1;
    }
  };
  std::int64_t run_begin = 0;
  for (std::int64_t r = 1; r < n; ++r) {
    if (r + kPrefetchDistance < n) __builtin_prefetch(text + sa[r + kPrefetchDistance]);
    if (!same_window(text, sa[r - 1], sa[r], k64, separator)) {
      close_run(run_begin, r);
      run_begin = r;
    }
  }
  close_run(run_begin, n);
  result.seconds_lcp += seconds_since(start);

  start = Clock::now();
  // Merge the windows [start, start + k) in one sweep: a symbol is removed while some window covers it.
  std::int64_t covered_until = 0;
  for (std::int64_t p = 0; p < n; ++p) {
    if (marked[static_cast<std::size_t>(p)]) covered_until = std::max(covered_until, p + k64);
    marked[static_cast<std::size_t>(p)] = p < covered_until ? 1 : 0;
  }
  result.seconds_mark += seconds_since(start);
  return marked;
}

// Removes the marked bytes of doc.text (removed[b] for byte b), whole UTF-8 characters at a time: a
// character goes when its first byte is marked. Returns the number of bytes removed and counts ranges.
std::size_t remove_marked_bytes(Document& doc, const std::uint8_t* removed, ExactDedupResult& result) {
  const std::string& text = doc.text;
  // Most documents lose nothing: find that out with a fast scan instead of copying them.
  if (std::memchr(removed, 1, text.size()) == nullptr) return 0;
  std::string kept;
  kept.reserve(text.size());
  bool removing = false;
  std::size_t ranges = 0;
  for (std::size_t b = 0; b < text.size(); ++b) {
    const bool lead = (static_cast<unsigned char>(text[b]) & 0xC0) != 0x80;
    if (lead) {
      if (removed[b] && !removing) ++ranges;
      removing = removed[b] != 0;
    }
    if (!removing) kept += text[b];
  }
  const std::size_t bytes_removed = text.size() - kept.size();
  if (bytes_removed > 0) {
    doc.text = std::move(kept);
    doc.metadata["exact_dedup_bytes_removed"] = bytes_removed;
    result.stats.add_counter("duplicate_spans", ranges);
    result.stats.add_counter("span_bytes_removed", bytes_removed);
    result.stats.add_counter("docs_edited", 1);
  }
  return bytes_removed;
}

// Step 4 and the output stats for one document that took part in the span search.
void finish_document(Document& doc, std::size_t bytes_removed, const ExactDedupConfig& config,
                     ExactDedupResult& result, std::size_t index) {
  if (bytes_removed > 0 && count_chars(doc.text) < config.min_doc_chars) {
    result.verdicts[index] = Verdict::dropped("exact_dedup_too_short");
    result.stats.add_drop("exact_dedup_too_short");
    return;
  }
  result.stats.docs_out += 1;
  result.stats.bytes_out += doc.text.size();
}

void check_size(std::int64_t bytes) {
  HONE_CHECK(bytes <= kMaxSuffixArrayBytes, "exact dedup: this batch needs a suffix array over ", bytes,
             " bytes, more than the 32-bit limit of ", kMaxSuffixArrayBytes,
             "; split the corpus into smaller batches");
}

void check_min_span(std::size_t min_span) {
  HONE_CHECK(min_span >= 1 && min_span <= static_cast<std::size_t>(kMaxSuffixArrayBytes),
             "exact dedup: the minimum span length must be >= 1, got ", min_span);
}

}  // namespace

ExactDedupResult exact_dedup(std::vector<Document>& docs, const ExactDedupConfig& config) {
  check_min_span(config.min_span_bytes);
  const auto total_start = Clock::now();
  ExactDedupResult result;
  result.verdicts.assign(docs.size(), Verdict::kept());
  const std::vector<bool> active = drop_duplicate_documents(docs, config, result);

  auto start = Clock::now();
  std::int64_t n = 0;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (active[i]) n += static_cast<std::int64_t>(docs[i].text.size()) + 1;
  }
  if (!config.remove_duplicate_spans) {
    for (std::size_t i = 0; i < docs.size(); ++i) {
      if (active[i]) finish_document(docs[i], 0, config, result, i);
    }
    n = 0;
  }
  if (n == 0) {
    result.stats.seconds = seconds_since(total_start);
    return result;
  }
  // Only the regions that can hold a repeated window go into the suffix array (an exact prefilter,
  // see repeat_candidates.h), in corpus order, each followed by the separator. Positions keep their
  // order, so the smallest suffix-array position of a run is still the first occurrence in the corpus.
  std::vector<std::size_t> active_docs;
  std::vector<std::string_view> texts;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (!active[i]) continue;
    active_docs.push_back(i);
    texts.push_back(docs[i].text);
  }
  const std::vector<ByteRegion> regions = repeat_candidate_regions(texts, config.min_span_bytes);
  result.seconds_candidates += seconds_since(start);
  start = Clock::now();
  std::int64_t m = 0;
  for (const ByteRegion& r : regions) m += static_cast<std::int64_t>(r.end - r.begin) + 1;
  check_size(m);
  result.suffix_array_bytes = static_cast<std::uint64_t>(m);
  std::vector<std::uint8_t> reduced(static_cast<std::size_t>(m + kWordPadding), 0xFF);
  std::vector<std::int64_t> region_at(regions.size());  // where each region starts in `reduced`
  std::int64_t pos = 0;
  for (std::size_t r = 0; r < regions.size(); ++r) {
    region_at[r] = pos;
    const std::string& text = docs[active_docs[regions[r].text]].text;
    std::copy(text.begin() + static_cast<std::ptrdiff_t>(regions[r].begin),
              text.begin() + static_cast<std::ptrdiff_t>(regions[r].end), reduced.begin() + pos);
    pos += static_cast<std::int64_t>(regions[r].end - regions[r].begin);
    reduced[static_cast<std::size_t>(pos++)] = 0xFF;  // never in valid UTF-8: a separator no match crosses
  }
  std::vector<std::int32_t> sa(static_cast<std::size_t>(m));
  if (m > 0) {
    HONE_CHECK(divsufsort(reduced.data(), sa.data(), static_cast<std::int32_t>(m)) == 0,
               "exact dedup: divsufsort failed on ", m, " bytes (out of memory?)");
  }
  result.seconds_suffix_array += seconds_since(start);

  const std::vector<std::uint8_t> removed =
      m > 0 ? mark_repeated_windows<std::uint8_t>(reduced.data(), m, sa.data(), 0xFF, config.min_span_bytes, result)
            : std::vector<std::uint8_t>();

  start = Clock::now();
  std::vector<std::uint8_t> removed_in_doc;
  std::size_t r = 0;
  for (std::size_t a = 0; a < active_docs.size(); ++a) {
    Document& doc = docs[active_docs[a]];
    std::size_t bytes_removed = 0;
    if (r < regions.size() && regions[r].text == a) {
      // Marks never leave their region: a window does not cross the separator after it.
      removed_in_doc.assign(doc.text.size(), 0);
      for (; r < regions.size() && regions[r].text == a; ++r) {
        std::copy(removed.begin() + region_at[r],
                  removed.begin() + region_at[r] + static_cast<std::int64_t>(regions[r].end - regions[r].begin),
                  removed_in_doc.begin() + static_cast<std::ptrdiff_t>(regions[r].begin));
      }
      bytes_removed = remove_marked_bytes(doc, removed_in_doc.data(), result);
    }
    finish_document(doc, bytes_removed, config, result, active_docs[a]);
  }
  result.seconds_mark += seconds_since(start);
  result.stats.seconds = seconds_since(total_start);
  return result;
}

ExactDedupResult exact_dedup_tokens(std::vector<Document>& docs, const std::vector<DocumentTokens>& tokens,
                                    const ExactDedupConfig& config) {
  check_min_span(config.min_span_tokens);
  HONE_CHECK(tokens.size() == docs.size(), "exact dedup: got ", tokens.size(), " token lists for ", docs.size(),
             " documents; give one per document");
  constexpr std::uint32_t kSeparator = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t max_id = 0;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const DocumentTokens& t = tokens[i];
    HONE_CHECK(t.ids.size() == t.byte_offsets.size(), "exact dedup: document ", docs[i].id, " has ",
               t.ids.size(), " token ids but ", t.byte_offsets.size(), " byte offsets");
    for (std::size_t j = 0; j < t.ids.size(); ++j) {
      HONE_CHECK(t.ids[j] != kSeparator, "exact dedup: token id 0xFFFFFFFF is reserved as the separator");
      HONE_CHECK(t.byte_offsets[j] <= docs[i].text.size() && (j == 0 || t.byte_offsets[j] >= t.byte_offsets[j - 1]),
                 "exact dedup: document ", docs[i].id, " token ", j, " has byte offset ", t.byte_offsets[j],
                 " out of order or past the text's ", docs[i].text.size(), " bytes");
      max_id = std::max(max_id, t.ids[j]);
    }
  }
  const auto total_start = Clock::now();
  ExactDedupResult result;
  result.verdicts.assign(docs.size(), Verdict::kept());
  const std::vector<bool> active = drop_duplicate_documents(docs, config, result);

  auto start = Clock::now();
  // Tokens go to divsufsort as fixed-width big-endian codes, the separator as the all-0xFF code: byte
  // order then equals token order, and the suffixes that start on a code boundary are the token suffixes.
  const int width = max_id < 0xFFFFu ? 2 : (max_id < 0xFFFFFFu ? 3 : 4);
  std::int64_t n = 0;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (active[i]) n += static_cast<std::int64_t>(tokens[i].ids.size()) + 1;
  }
  check_size(n * width);
  if (n == 0) {
    result.stats.seconds = seconds_since(total_start);
    return result;
  }
  std::vector<std::uint32_t> symbols(static_cast<std::size_t>(n));
  std::vector<std::int64_t> offsets(docs.size(), -1);
  std::int64_t pos = 0;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (!active[i]) continue;
    offsets[i] = pos;
    for (std::uint32_t id : tokens[i].ids) symbols[static_cast<std::size_t>(pos++)] = id;
    symbols[static_cast<std::size_t>(pos++)] = kSeparator;
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(n * width));
  for (std::int64_t s = 0; s < n; ++s) {
    const std::uint32_t code = symbols[static_cast<std::size_t>(s)];
    for (int b = 0; b < width; ++b) {
      bytes[static_cast<std::size_t>(s * width + b)] = static_cast<std::uint8_t>(code >> (8 * (width - 1 - b)));
    }
  }
  std::vector<std::int32_t> sa(static_cast<std::size_t>(n * width));
  HONE_CHECK(divsufsort(bytes.data(), sa.data(), static_cast<std::int32_t>(n * width)) == 0,
             "exact dedup: divsufsort failed on ", n * width, " bytes (out of memory?)");
  std::int64_t aligned = 0;  // keep the code-aligned suffixes, in token units, in place
  for (std::int32_t p : sa) {
    if (p % width == 0) sa[static_cast<std::size_t>(aligned++)] = p / width;
  }
  sa.resize(static_cast<std::size_t>(aligned));
  bytes = {};
  result.seconds_suffix_array += seconds_since(start);

  const std::vector<std::uint8_t> removed_tokens =
      mark_repeated_windows<std::uint32_t>(symbols.data(), n, sa.data(), kSeparator, config.min_span_tokens, result);

  start = Clock::now();
  std::vector<std::uint8_t> removed_bytes;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (!active[i]) continue;
    const DocumentTokens& t = tokens[i];
    removed_bytes.assign(docs[i].text.size(), 0);
    for (std::size_t j = 0; j < t.ids.size(); ++j) {
      if (!removed_tokens[static_cast<std::size_t>(offsets[i]) + j]) continue;
      const std::size_t end = j + 1 < t.ids.size() ? t.byte_offsets[j + 1] : docs[i].text.size();
      std::fill(removed_bytes.begin() + t.byte_offsets[j], removed_bytes.begin() + end, 1);
    }
    const std::size_t bytes_removed = remove_marked_bytes(docs[i], removed_bytes.data(), result);
    finish_document(docs[i], bytes_removed, config, result, i);
  }
  result.seconds_mark += seconds_since(start);
  result.stats.seconds = seconds_since(total_start);
  return result;
}

}  // namespace hone::curate
