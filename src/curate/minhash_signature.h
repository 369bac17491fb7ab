#pragma once
// MinHash signatures and their LSH band keys.
//
// A signature holds, for each of bands x rows hash functions, the minimum over the document's shingle
// hashes. Each function is one cheap multiply-add on the 64-bit shingle hash, keeping the high 32 bits:
// v_k(h) = (a_k * h + b_k) mod 2^64 >> 32 with a_k odd (Dietzfelbinger's multiply-add-shift). The
// shingle itself is hashed once (XXH3), so the per-function cost is a vectorised multiply, shift and
// min. Two documents agree at one position with probability ~ their Jaccard similarity s; a band of
// `rows` positions is reduced to one 64-bit key, and two documents become candidates when any band key
// matches, which happens with probability 1 - (1 - s^rows)^bands.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hone::curate {

struct MinhashConfig {
  int bands = 450;  // RefinedWeb: 9000 hashes as 450 bands of 20 rows, threshold ~0.74
  int rows = 20;
  int ngram_size = 5;
  uint64_t seed = 1;  // must be the same for every task of one run
  // When > 0, a candidate pair is only merged if the exact Jaccard similarity of its shingle sets is
  // at least this (costs storing each document's shingle set between stages).
  double verify_jaccard = 0.0;

  int num_hashes() const { return bands * rows; }
  // The similarity where the candidate probability curve is steepest, (1/bands)^(1/rows).
  double threshold() const;
  void validate() const;
};

// Presets: "refinedweb" (450 x 20 = 9000 hashes, the default) and "fineweb" (14 x 8 = 112 hashes,
// datatrove's default as FineWeb used it, threshold ~0.72).
MinhashConfig minhash_preset(std::string_view name);

// The probability that two documents with Jaccard similarity s share at least one band key.
double lsh_candidate_probability(double s, int bands, int rows);

// The hash functions of one configuration (a_k, b_k), drawn from its seed; cheap to build.
class MinhashFunctions {
 public:
  explicit MinhashFunctions(const MinhashConfig& config);

  const MinhashConfig& config() const { return config_; }
  // Fills signature (num_hashes values) from the shingle hashes; all-ones when there are none.
  void signature(std::span<const uint64_t> shingle_hashes, std::span<uint32_t> signature) const;
  // One 64-bit key per band (XXH3 of the band's rows; the band index is the seed, so equal rows in
  // different bands give different keys).
  void band_keys(std::span<const uint32_t> signature, std::span<uint64_t> keys) const;

 private:
  MinhashConfig config_;
  std::vector<uint64_t> multipliers_;
  std::vector<uint64_t> offsets_;
};

}  // namespace hone::curate
