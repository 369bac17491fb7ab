#include "curate/minhash_clusters.h"

#include <algorithm>
#include <numeric>

#include "curate/minhash_shingles.h"

namespace hone::curate {

void append_candidate_pairs(std::vector<BandEntry>& entries, std::vector<DocPair>& pairs) {
  std::sort(entries.begin(), entries.end(), [](const BandEntry& x, const BandEntry& y) {
    return x.key != y.key ? x.key < y.key : x.doc < y.doc;
  });
  for (size_t begin = 0; begin < entries.size();) {
    size_t end = begin + 1;
    while (end < entries.size() && entries[end].key == entries[begin].key) ++end;
    for (size_t i = begin + 1; i < end; ++i) {
      if (entries[i].doc != entries[begin].doc) pairs.push_back({entries[begin].doc, entries[i].doc});
    }
    begin = end;
  }
}

void sort_unique(std::vector<DocPair>& pairs) {
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
}

ClusterResult cluster_pairs(std::span<const DocPair> pairs) {
  // Dense indices for the (sparse) ids; sorted, so a smaller index means a smaller id.
  std::vector<uint64_t> ids;
  ids.reserve(2 * pairs.size());
  for (const DocPair& pair : pairs) {
    ids.push_back(pair.first);
    ids.push_back(pair.second);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const auto index_of = [&](uint64_t id) {
    return static_cast<size_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
  };

  std::vector<size_t> parent(ids.size());
  std::iota(parent.begin(), parent.end(), size_t{0});
  const auto find = [&](size_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];  // path halving
      x = parent[x];
    }
    return x;
  };
  for (const DocPair& pair : pairs) {
    const size_t a = find(index_of(pair.first)), b = find(index_of(pair.second));
    // The smaller index becomes the root, so every root is its cluster's smallest id.
    if (a < b) parent[b] = a;
    if (b < a) parent[a] = b;
  }

  ClusterResult result;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (find(i) == i) {
      ++result.clusters;
    } else {
      result.removed.push_back(ids[i]);
    }
  }
  return result;
}

std::vector<uint64_t> minhash_cluster_roots(std::span<const std::string> texts, const MinhashConfig& config) {
  const MinhashFunctions functions(config);
  const size_t n_docs = texts.size(), bands = static_cast<size_t>(config.bands);
  std::vector<uint64_t> keys(n_docs * bands);
  std::vector<uint8_t> has_shingles(n_docs, 0);
  std::vector<std::vector<uint64_t>> shingle_sets(config.verify_jaccard > 0 ? n_docs : 0);
#pragma omp parallel
  {
    ShingleHasher hasher(config.ngram_size);
    std::vector<uint64_t> hashes;
    std::vector<uint32_t> signature(static_cast<size_t>(config.num_hashes()));
#pragma omp for schedule(dynamic, 4)
    for (size_t d = 0; d < n_docs; ++d) {
      hasher.hash_shingles(texts[d], hashes);
      if (hashes.empty()) continue;  // nothing to compare: an empty document is never a near-duplicate
      has_shingles[d] = 1;
      functions.signature(hashes, signature);
      functions.band_keys(signature, std::span<uint64_t>(keys.data() + d * bands, bands));
      if (!shingle_sets.empty()) {
        std::sort(hashes.begin(), hashes.end());
        hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
        shingle_sets[d] = hashes;
      }
    }
  }

  std::vector<DocPair> pairs;
  std::vector<BandEntry> entries;
  for (size_t band = 0; band < bands; ++band) {
    entries.clear();
    for (size_t d = 0; d < n_docs; ++d) {
      if (has_shingles[d]) entries.push_back({keys[d * bands + band], d});
    }
    append_candidate_pairs(entries, pairs);
  }
  sort_unique(pairs);
  if (config.verify_jaccard > 0) {
    std::erase_if(pairs, [&](const DocPair& p) {
      return jaccard_similarity(shingle_sets[p.first], shingle_sets[p.second]) < config.verify_jaccard;
    });
  }

  // Roots: rerun the union-find's outcome per document. cluster_pairs reports removed ids only, so
  // resolve each removed id's root with a small union-find over indices here.
  std::vector<uint64_t> root(n_docs);
  std::iota(root.begin(), root.end(), uint64_t{0});
  const auto find = [&](uint64_t x) {
    while (root[x] != x) {
      root[x] = root[root[x]];
      x = root[x];
    }
    return x;
  };
  for (const DocPair& pair : pairs) {
    const uint64_t a = find(pair.first), b = find(pair.second);
    if (a < b) root[b] = a;
    if (b < a) root[a] = b;
  }
  for (size_t d = 0; d < n_docs; ++d) root[d] = find(d);
  return root;
}

}  // namespace hone::curate
