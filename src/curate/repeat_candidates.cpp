#include "curate/repeat_candidates.h"

#include <algorithm>
#include <cstdint>

namespace hone::curate {

namespace {

// MurmurHash3's finaliser: spreads the polynomial hash's weak low bits before minimizers compare them.
std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

struct Anchor {
  std::uint64_t key;
  std::size_t text;
  std::size_t pos;
};

// Appends the anchors of one text: the minimizer of every run of w consecutive L-byte substrings.
void add_anchors(std::string_view text, std::size_t index, std::size_t w, std::size_t length, std::vector<Anchor>& anchors) {
  const std::size_t k = w + length - 1;
  if (text.size() < k) return;
  constexpr std::uint64_t kBase = 0x9E3779B97F4A7C15ull;  // odd: invertible mod 2^64
  std::uint64_t top = 1;                                   // kBase^(length - 1), to drop the leaving byte
  for (std::size_t i = 1; i < length; ++i) top *= kBase;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(text[i])); };
  std::uint64_t rolling = 0;
  for (std::size_t i = 0; i < length; ++i) rolling = rolling * kBase + byte(i);
  // A monotonic queue (ring buffer) of positions whose keys increase from front to back: the front is
  // the leftmost minimum of the current run.
  std::size_t capacity = 1;  // a power of two >= w + 1: ring indices wrap with a mask, not a division
  while (capacity < w + 1) capacity *= 2;
  const std::size_t mask = capacity - 1;
  std::vector<std::size_t> queue_pos(capacity);
  std::vector<std::uint64_t> queue_key(capacity);
  std::size_t head = 0, count = 0;
  std::size_t last_selected = static_cast<std::size_t>(-1);
  const std::size_t last_start = text.size() - length;  // the last substring position
  for (std::size_t i = 0; i <= last_start; ++i) {
    if (i > 0) rolling = (rolling - byte(i - 1) * top) * kBase + byte(i + length - 1);
    const std::uint64_t key = mix(rolling);
    while (count > 0 && queue_key[(head + count - 1) & mask] > key) --count;
    queue_pos[(head + count) & mask] = i;
    queue_key[(head + count) & mask] = key;
    ++count;
    if (i + 1 < w) continue;
    const std::size_t run_start = i + 1 - w;
    while (queue_pos[head] < run_start) {
      head = (head + 1) & mask;
      --count;
    }
    if (queue_pos[head] != last_selected) {
      last_selected = queue_pos[head];
      anchors.push_back({queue_key[head], index, last_selected});
    }
  }
}

}  // namespace

std::vector<ByteRegion> repeat_candidate_regions(const std::vector<std::string_view>& texts, std::size_t k) {
  const std::size_t w = std::max<std::size_t>(1, (k + 1) / 2);
  const std::size_t length = k + 1 - w;
  std::vector<Anchor> anchors;
  for (std::size_t t = 0; t < texts.size(); ++t) add_anchors(texts[t], t, w, length, anchors);
  std::sort(anchors.begin(), anchors.end(), [](const Anchor& a, const Anchor& b) {
    return a.key != b.key ? a.key < b.key : (a.text != b.text ? a.text < b.text : a.pos < b.pos);
  });
  std::vector<ByteRegion> regions;
  for (std::size_t g = 0; g < anchors.size();) {
    std::size_t end = g + 1;
    while (end < anchors.size() && anchors[end].key == anchors[g].key) ++end;
    if (end - g >= 2) {
      for (std::size_t a = g; a < end; ++a) {
        const Anchor& anchor = anchors[a];
        const std::size_t begin = anchor.pos >= w - 1 ? anchor.pos - (w - 1) : 0;
        regions.push_back({anchor.text, begin, std::min(texts[anchor.text].size(), anchor.pos + k)});
      }
    }
    g = end;
  }
  std::sort(regions.begin(), regions.end(), [](const ByteRegion& a, const ByteRegion& b) {
    return a.text != b.text ? a.text < b.text : a.begin < b.begin;
  });
  std::vector<ByteRegion> merged;
  for (const ByteRegion& r : regions) {
    if (!merged.empty() && merged.back().text == r.text && r.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, r.end);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

}  // namespace hone::curate
