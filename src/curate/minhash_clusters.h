#pragma once
// From band keys to duplicate clusters: documents sharing a band key land in one bucket, each bucket
// yields candidate pairs, union-find joins them into clusters, and each cluster keeps one document,
// its smallest id, so the result does not depend on the order pairs arrive in (task count, threads).
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "curate/minhash_signature.h"

namespace hone::curate {

struct BandEntry {
  uint64_t key;  // band key; entries of different bands never share one (the band seeds the key)
  uint64_t doc;  // document id, unique across the whole run
};

struct DocPair {
  uint64_t first;   // the smaller id
  uint64_t second;
  friend bool operator==(const DocPair&, const DocPair&) = default;
  friend auto operator<=>(const DocPair&, const DocPair&) = default;
};

// Sorts the entries, then appends one pair per extra bucket member, linking it to the bucket's
// smallest id (a star: enough to connect the bucket, linear in its size).
void append_candidate_pairs(std::vector<BandEntry>& entries, std::vector<DocPair>& pairs);

// Sorts and removes repeated pairs (the same two documents often share several bands).
void sort_unique(std::vector<DocPair>& pairs);

struct ClusterResult {
  std::vector<uint64_t> removed;  // sorted ids of every cluster member but the smallest
  size_t clusters = 0;            // clusters of two or more documents
};

// Union-find over the pairs' documents.
ClusterResult cluster_pairs(std::span<const DocPair> pairs);

// The whole method in memory, for tests and small corpora: root[i] is the smallest index of the
// cluster document i belongs to (i itself when it has no near-duplicate). Signatures run in parallel.
std::vector<uint64_t> minhash_cluster_roots(std::span<const std::string> texts, const MinhashConfig& config);

}  // namespace hone::curate
