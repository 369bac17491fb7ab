#pragma once
// Stage 8: exact deduplication, as Lee et al. 2022 ("Deduplicating Training Data Makes Language Models
// Better") do it, over a batch of documents that fits in memory:
//   1. whole documents with the same text (XXH3-128) keep only their first copy ("exact_duplicate_document");
//   2. a suffix array (libdivsufsort) over the remaining documents, each followed by the byte 0xFF (which
//      valid UTF-8 never contains, so a comparison stops there: no match crosses a document end). Byte
//      mode sorts only the regions that can hold a repeated window (an exact prefilter with
//      content-defined anchors, repeat_candidates.h), usually a few percent of the text; they must stay
//      under 2 GiB. Token mode sorts all tokens (< 2 GiB of token codes);
//   3. suffixes sharing a prefix of >= min_span_bytes form one contiguous run of the suffix array (found
//      by comparing each neighbour pair directly, at most min_span_bytes bytes); every occurrence of
//      such a window but the first in corpus order (earliest document, earliest offset) marks
//      [start, start + min_span_bytes) for removal; marked ranges are merged in one sweep;
//   4. documents that lost text and are left with < min_doc_chars characters are dropped
//      ("exact_dedup_too_short").
// A removed byte range never splits a UTF-8 character: a character goes when its first byte is marked.
// Token mode does the same over token ids (spans of >= min_span_tokens tokens) and removes the text
// bytes of the marked tokens. Everything is single-threaded and deterministic: the same documents in
// the same order give the same output.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "curate/document.h"
#include "curate/filter_block.h"
#include "curate/filter_stats.h"

namespace hone::curate {

struct ExactDedupConfig {
  bool drop_duplicate_documents = true;
  bool remove_duplicate_spans = true;  // false: whole-document dedup only (no suffix array), as Gopher does
  std::size_t min_span_bytes = 100;   // byte mode
  std::size_t min_span_tokens = 50;   // token mode
  std::size_t min_doc_chars = 20;     // edited documents shorter than this (code points) are dropped
};

// A document's tokens: ids[t] covers text bytes [byte_offsets[t], byte_offsets[t + 1]), the last token
// up to the end of the text. Offsets must be non-decreasing and within the text.
struct DocumentTokens {
  std::vector<std::uint32_t> ids;
  std::vector<std::uint32_t> byte_offsets;
};

struct ExactDedupResult {
  std::vector<Verdict> verdicts;  // one per input document, in order
  // docs/bytes in and out, drop reasons, and counters: duplicate_spans (merged ranges removed),
  // span_bytes_removed, docs_edited.
  FilterStats stats;
  double seconds_hash = 0;          // whole-document hashes
  double seconds_candidates = 0;    // byte mode: the prefilter (repeat_candidates.h)
  double seconds_suffix_array = 0;  // building the corpus and divsufsort
  double seconds_lcp = 0;           // comparing suffix-array neighbours into runs, marking windows
  double seconds_mark = 0;          // merging the marks and rewriting the documents
  std::uint64_t suffix_array_bytes = 0;  // what the suffix array covered (byte mode: the candidate regions)
};

// Byte mode: edits the kept documents' text in place (dropped ones are left as they were) and records
// "exact_dedup_bytes_removed" in the metadata of edited documents. Throws hone::Error for text that is
// not valid UTF-8 or a batch too large for a 32-bit suffix array.
ExactDedupResult exact_dedup(std::vector<Document>& docs, const ExactDedupConfig& config = {});

// Token mode: tokens[i] belongs to docs[i]; token ids must be < 0xFFFFFFFF (the separator).
ExactDedupResult exact_dedup_tokens(std::vector<Document>& docs, const std::vector<DocumentTokens>& tokens,
                                    const ExactDedupConfig& config = {});

}  // namespace hone::curate
