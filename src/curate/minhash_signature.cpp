#include "curate/minhash_signature.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace hone::curate {
namespace {

// SplitMix64: a tiny, well-mixed generator, enough to draw the hash functions' constants from a seed.
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Functions per pass over the shingles: their constants (16 B each) and minima (4 B) stay in L1.
constexpr size_t kFunctionBlock = 1024;

}  // namespace

double MinhashConfig::threshold() const {
  return std::pow(1.0 / static_cast<double>(bands), 1.0 / static_cast<double>(rows));
}

void MinhashConfig::validate() const {
  HONE_CHECK(bands >= 1 && rows >= 1, "MinHash needs at least one band of one row, got ", bands, " bands x ",
             rows, " rows: use e.g. 450 x 20 (refinedweb) or 14 x 8 (fineweb)");
  HONE_CHECK(static_cast<int64_t>(bands) * rows <= 1'000'000, "MinHash with ", bands, " x ", rows,
             " hashes is too many: use at most 1,000,000 (RefinedWeb uses 9000)");
  HONE_CHECK(ngram_size >= 1 && ngram_size <= 64, "MinHash n-gram size must be in 1..64, got ", ngram_size);
  HONE_CHECK(verify_jaccard >= 0.0 && verify_jaccard <= 1.0, "MinHash verify_jaccard must be in [0, 1], got ",
             verify_jaccard, ": 0 turns verification off");
}

MinhashConfig minhash_preset(std::string_view name) {
  MinhashConfig config;
  if (name == "refinedweb") return config;
  if (name == "fineweb") {
    config.bands = 14;
    config.rows = 8;
    return config;
  }
  fail_usage("unknown MinHash preset '", name, "': use refinedweb (450 x 20) or fineweb (14 x 8)");
}

double lsh_candidate_probability(double s, int bands, int rows) {
  return 1.0 - std::pow(1.0 - std::pow(s, rows), bands);
}

MinhashFunctions::MinhashFunctions(const MinhashConfig& config) : config_(config) {
  config.validate();
  const size_t n = static_cast<size_t>(config.num_hashes());
  multipliers_.resize(n);
  offsets_.resize(n);
  uint64_t state = config.seed;
  for (size_t k = 0; k < n; ++k) {
    multipliers_[k] = splitmix64(state) | 1u;  // odd: a bijection of the 64-bit hash
    offsets_[k] = splitmix64(state);
  }
}

void MinhashFunctions::signature(std::span<const uint64_t> shingle_hashes, std::span<uint32_t> signature) const {
  const size_t n = multipliers_.size();
  HONE_CHECK(signature.size() == n, "MinHash signature buffer holds ", signature.size(), " values, the config needs ",
             n);
  std::fill(signature.begin(), signature.end(), std::numeric_limits<uint32_t>::max());
  const uint64_t* hashes = shingle_hashes.data();
  const size_t count = shingle_hashes.size();
  for (size_t block = 0; block < n; block += kFunctionBlock) {
    const size_t width = std::min(kFunctionBlock, n - block);
    const uint64_t* __restrict a = multipliers_.data() + block;
    const uint64_t* __restrict b = offsets_.data() + block;
    uint32_t* __restrict minima = signature.data() + block;
    for (size_t s = 0; s < count; ++s) {
      const uint64_t h = hashes[s];
#pragma omp simd
      for (size_t k = 0; k < width; ++k) {
        const uint32_t v = static_cast<uint32_t>((a[k] * h + b[k]) >> 32);
        minima[k] = v < minima[k] ? v : minima[k];
      }
    }
  }
}

void MinhashFunctions::band_keys(std::span<const uint32_t> signature, std::span<uint64_t> keys) const {
  const size_t bands = static_cast<size_t>(config_.bands), rows = static_cast<size_t>(config_.rows);
  HONE_CHECK(signature.size() == bands * rows && keys.size() == bands, "MinHash band keys: got a signature of ",
             signature.size(), " values and room for ", keys.size(), " keys, the config needs ", bands * rows,
             " and ", bands);
  for (size_t band = 0; band < bands; ++band) {
    keys[band] = XXH3_64bits_withSeed(signature.data() + band * rows, rows * sizeof(uint32_t), band);
  }
}

}  // namespace hone::curate
