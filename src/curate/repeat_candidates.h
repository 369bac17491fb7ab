#pragma once
// Exact dedup's prefilter: which parts of a batch can hold a repeated window of k bytes at all, so the
// suffix array is built over those parts only instead of the whole batch.
//
// Content-defined anchors (minimizers, as in winnowing): with w = ceil(k / 2) and L = k - w + 1, every
// L-byte substring gets a hash, and each run of w consecutive substring positions selects the one with
// the smallest hash (the leftmost on ties). Every k-byte window [p, p + k) contains such a run
// [p, p + w) whose substrings lie inside the window, so its anchor, and the anchor's hash, depend only
// on the window's bytes: all copies of a repeated window have an anchor with the same hash at the same
// offset. Anchors whose hash occurs twice or more therefore cover every repeated window; each one
// contributes the region [anchor - w + 1, anchor + k) of its document, the union of the windows that
// could have selected it. The result is an exact superset: hash collisions only add regions.
// Text with few repeats keeps a few percent of its bytes; fully repetitive text keeps all of them.
#include <cstddef>
#include <string_view>
#include <vector>

namespace hone::curate {

struct ByteRegion {
  std::size_t text = 0;   // index into the texts
  std::size_t begin = 0;  // [begin, end) bytes of that text
  std::size_t end = 0;
};

// Regions sorted by (text, begin), disjoint and not touching. Texts shorter than k contribute none.
std::vector<ByteRegion> repeat_candidate_regions(const std::vector<std::string_view>& texts, std::size_t k);

}  // namespace hone::curate
