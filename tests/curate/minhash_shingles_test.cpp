#include "curate/minhash_shingles.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <string>

#include "core/error.h"

namespace hone::curate {
namespace {

std::string normalized(std::string_view text) {
  ShingleHasher hasher;
  return std::string(hasher.normalize(text));
}

TEST(MinhashShingles, NormalisesCasePunctuationAndDigits) {
  EXPECT_EQ(normalized("Hello, World! It's 2024-05-01 and 3.14 costs $1,000."), "hello world its 0 and 0 costs 0");
  EXPECT_EQ(normalized("v2 beats v10 in round 7"), "v0 beats v0 in round 0");
  EXPECT_EQ(normalized("don't e-mail (me)"), "dont email me");
}

TEST(MinhashShingles, FoldsLatinAccentsAndLowercasesOtherScripts) {
  EXPECT_EQ(normalized("Café ÉTÉ naïve Ångström"), "cafe ete naive angstrom");
  EXPECT_EQ(normalized("ΑΘΗΝΑ Москва ŁÓDŹ"), "αθηνα москва łodź");
}

TEST(MinhashShingles, UnicodePunctuationAndWhitespace) {
  EXPECT_EQ(normalized("\u201Cquoted\u201D \u2014 text\u2026 \u00AByes\u00BB"), "quoted text yes");
  EXPECT_EQ(normalized("a\t\tb\n\u00A0c\u3000d"), "a b c d");
  EXPECT_EQ(normalized("日本語、テキスト。"), "日本語テキスト");
  EXPECT_EQ(normalized("  ...  "), "");
}

TEST(MinhashShingles, InvalidUtf8BytesAreKeptNotFatal) {
  EXPECT_EQ(normalized("ab\xff" "cd \xe2\x82"), "ab\xff" "cd \xe2\x82");
}

TEST(MinhashShingles, OneHashPerFiveGramOfTheNormalisedText) {
  ShingleHasher hasher(5);
  std::vector<uint64_t> hashes;
  hasher.hash_shingles("Hello, World! It's 2024 and time flies.", hashes);
  ASSERT_EQ(hasher.word_count(), 7u);
  ASSERT_EQ(hashes.size(), 3u);
  const std::string first = "hello world its 0 and", last = "its 0 and time flies";
  EXPECT_EQ(hashes[0], XXH3_64bits(first.data(), first.size()));
  EXPECT_EQ(hashes[2], XXH3_64bits(last.data(), last.size()));
}

TEST(MinhashShingles, ShortAndEmptyDocuments) {
  ShingleHasher hasher(5);
  std::vector<uint64_t> hashes;
  hasher.hash_shingles("Only three words", hashes);
  ASSERT_EQ(hashes.size(), 1u);
  EXPECT_EQ(hashes[0], XXH3_64bits("only three words", 16));
  hasher.hash_shingles("", hashes);
  EXPECT_TRUE(hashes.empty());
  hasher.hash_shingles("?! -- ...", hashes);
  EXPECT_TRUE(hashes.empty());
  EXPECT_THROW({ ShingleHasher bad(0); }, Error);
}

TEST(MinhashShingles, CosmeticEditsGiveTheSameShingles) {
  const auto a = shingle_set("The year 1999, was GREAT for the Café on Main Street!");
  const auto b = shingle_set("the year 2023 was great -- for the cafe on main street");
  ASSERT_EQ(a.size(), 7u);
  EXPECT_EQ(a, b);
  const auto c = shingle_set("the year 2023 was awful for the cafe on main street");
  EXPECT_NEAR(jaccard_similarity(a, c), 2.0 / 12.0, 1e-12);  // "awful" breaks the 5 shingles holding it
}

TEST(MinhashShingles, JaccardOfSortedSets) {
  EXPECT_DOUBLE_EQ(jaccard_similarity({1, 2, 3, 4}, {3, 4, 5, 6}), 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(jaccard_similarity({1, 2}, {1, 2}), 1.0);
  EXPECT_DOUBLE_EQ(jaccard_similarity({1}, {}), 0.0);
  EXPECT_DOUBLE_EQ(jaccard_similarity({}, {}), 0.0);
}

}  // namespace
}  // namespace hone::curate
