#include "curate/minhash_signature.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.h"

namespace hone::curate {
namespace {

TEST(MinhashSignature, PresetsAndThresholds) {
  const MinhashConfig refinedweb = minhash_preset("refinedweb");
  EXPECT_EQ(refinedweb.bands, 450);
  EXPECT_EQ(refinedweb.rows, 20);
  EXPECT_EQ(refinedweb.num_hashes(), 9000);
  EXPECT_EQ(refinedweb.ngram_size, 5);
  EXPECT_NEAR(refinedweb.threshold(), 0.7368, 1e-4);
  const MinhashConfig fineweb = minhash_preset("fineweb");
  EXPECT_EQ(fineweb.num_hashes(), 112);
  EXPECT_NEAR(fineweb.threshold(), 0.7190, 1e-4);
  EXPECT_THROW(minhash_preset("gopher"), Error);
  MinhashConfig bad;
  bad.rows = 0;
  EXPECT_THROW(bad.validate(), Error);
  bad = MinhashConfig{};
  bad.verify_jaccard = 1.5;
  EXPECT_THROW(MinhashFunctions{bad}, Error);
}

TEST(MinhashSignature, CandidateProbabilityCurve) {
  EXPECT_NEAR(lsh_candidate_probability(minhash_preset("refinedweb").threshold(), 450, 20), 1.0 - std::pow(1.0 - 1.0 / 450, 450), 1e-12);
  EXPECT_NEAR(lsh_candidate_probability(0.5, 450, 20), 1.0 - std::pow(1.0 - std::pow(0.5, 20), 450), 1e-15);
  EXPECT_LT(lsh_candidate_probability(0.5, 450, 20), 0.001);
  EXPECT_GT(lsh_candidate_probability(0.85, 450, 20), 0.999);
  EXPECT_DOUBLE_EQ(lsh_candidate_probability(1.0, 14, 8), 1.0);
}

// Two hash sets with a known Jaccard similarity: `shared` common values, `own` distinct ones each.
void make_sets(size_t shared, size_t own, uint64_t seed, std::vector<uint64_t>& a, std::vector<uint64_t>& b) {
  std::mt19937_64 rng(seed);
  a.clear();
  b.clear();
  for (size_t i = 0; i < shared; ++i) {
    const uint64_t h = rng();
    a.push_back(h);
    b.push_back(h);
  }
  for (size_t i = 0; i < own; ++i) {
    a.push_back(rng());
    b.push_back(rng());
  }
}

TEST(MinhashSignature, AgreementFractionEstimatesJaccard) {
  const MinhashFunctions functions(minhash_preset("refinedweb"));
  std::vector<uint32_t> sa(9000), sb(9000);
  std::vector<uint64_t> a, b;
  for (const auto& [shared, own] : {std::pair<size_t, size_t>{100, 400}, {500, 250}, {800, 100}, {950, 25}}) {
    make_sets(shared, own, shared, a, b);
    functions.signature(a, sa);
    functions.signature(b, sb);
    size_t agree = 0;
    for (size_t k = 0; k < sa.size(); ++k) agree += sa[k] == sb[k];
    const double jaccard = static_cast<double>(shared) / static_cast<double>(shared + 2 * own);
    // Binomial standard deviation at 9000 hashes is <= 0.0053; 0.02 is ~4 of them.
    EXPECT_NEAR(static_cast<double>(agree) / 9000.0, jaccard, 0.02) << "J = " << jaccard;
  }
}

TEST(MinhashSignature, DeterministicPerSeedAndOrderFree) {
  MinhashConfig config = minhash_preset("fineweb");
  std::vector<uint64_t> a, b;
  make_sets(300, 0, 3, a, b);
  std::vector<uint32_t> s1(112), s2(112), s3(112);
  MinhashFunctions(config).signature(a, s1);
  std::reverse(a.begin(), a.end());
  MinhashFunctions(config).signature(a, s2);
  EXPECT_EQ(s1, s2);
  config.seed = 2;
  MinhashFunctions(config).signature(a, s3);
  size_t differ = 0;
  for (size_t k = 0; k < 112; ++k) differ += s1[k] != s3[k];
  EXPECT_GT(differ, 100u);
  MinhashFunctions(config).signature({}, s3);
  EXPECT_EQ(s3, std::vector<uint32_t>(112, 0xFFFFFFFFu));
  EXPECT_THROW(MinhashFunctions(config).signature(a, std::span<uint32_t>(s3.data(), 100)), Error);
}

TEST(MinhashSignature, BandKeysChangeOnlyWithTheirRows) {
  const MinhashFunctions functions(minhash_preset("fineweb"));
  std::vector<uint32_t> signature(112);
  for (size_t k = 0; k < 112; ++k) signature[k] = static_cast<uint32_t>(k * 7919u);
  std::vector<uint64_t> keys(14), edited_keys(14);
  functions.band_keys(signature, keys);
  signature[3 * 8 + 5] ^= 1u;  // a row of band 3
  functions.band_keys(signature, edited_keys);
  for (size_t band = 0; band < 14; ++band) {
    if (band == 3) {
      EXPECT_NE(keys[band], edited_keys[band]);
    } else {
      EXPECT_EQ(keys[band], edited_keys[band]);
    }
  }
  // Equal rows in different bands still give different keys (the band seeds its key).
  std::fill(signature.begin(), signature.end(), 5u);
  functions.band_keys(signature, keys);
  EXPECT_NE(keys[0], keys[1]);
}

}  // namespace
}  // namespace hone::curate
