// Stage 4: every Gopher repetition rule just at (kept) and just above (dropped) its threshold, each in
// isolation, plus the reference's skip-ahead count and realistic documents.
#include <gtest/gtest.h>

#include <string>

#include "curate/gopher_repetition.h"
#include "curate_test_text.h"

namespace hone::curate {
namespace {

using testing::distinct_lines;
using testing::pad_to_chars;

constexpr double kOff = 1e9;  // a threshold no document reaches

GopherRepetitionConfig only(double para, double para_char, double line, double line_char) {
  GopherRepetitionConfig c;
  c.max_duplicate_paragraph_fraction = para;
  c.max_duplicate_paragraph_char_fraction = para_char;
  c.max_duplicate_line_fraction = line;
  c.max_duplicate_line_char_fraction = line_char;
  c.top_ngram_max_char_fraction.clear();
  c.duplicate_ngram_max_char_fraction.clear();
  return c;
}

// The smallest document length (chars) whose fraction repeated / length is not above the threshold, so
// one character less puts the document just above it.
std::size_t smallest_kept_total(double repeated, double threshold) {
  auto total = static_cast<std::size_t>(repeated / threshold) - 2;
  while (repeated / static_cast<double>(total) > threshold) ++total;
  return total;
}

std::string reason(GopherRepetitionFilter& f, const std::string& text) {
  const Verdict v = f.evaluate(text);
  return v.keep ? "kept" : std::string(v.reason);
}

TEST(GopherRepetition, DuplicateLineFraction) {
  GopherRepetitionFilter f(only(kOff, kOff, 0.30, kOff));
  auto doc = [](int duplicates) {
    std::string text = distinct_lines(70);
    for (int i = 0; i < duplicates; ++i) text += "\nthis is line number 3 of the text";
    return text;
  };
  RepetitionMeasures m;
  EXPECT_TRUE(f.evaluate(doc(30), &m).keep);  // 30 / 100 = 0.30
  EXPECT_DOUBLE_EQ(m.duplicate_line_fraction, 0.30);
  EXPECT_EQ(reason(f, doc(31)), "dup_line_frac");  // 31 / 101
}

TEST(GopherRepetition, DuplicateParagraphFraction) {
  GopherRepetitionFilter f(only(0.30, kOff, kOff, kOff));
  auto doc = [](int duplicates) {
    std::string text;
    for (int i = 0; i < 70; ++i) text += "paragraph " + std::to_string(i) + " has its own words\n\n";
    for (int i = 0; i < duplicates; ++i) text += "paragraph 5 has its own words\n\n\n";
    return text;
  };
  EXPECT_EQ(reason(f, doc(30)), "kept");
  EXPECT_EQ(reason(f, doc(31)), "dup_para_frac");
}

// X twice plus unique lines Y, Z: the duplicate is |X| characters of `total`. X is 100 'é' (200 bytes) so
// a byte count instead of a character count would give a different fraction.
std::string one_duplicate_line(std::size_t total, const char* separator) {
  std::string x;
  for (int i = 0; i < 100; ++i) x += "\xC3\xA9";
  std::string text = x + separator + x + separator + "first unique";
  return pad_to_chars(text, total);
}

TEST(GopherRepetition, DuplicateLineCharacterFraction) {
  GopherRepetitionFilter f(only(kOff, kOff, kOff, 0.20));
  RepetitionMeasures m;
  EXPECT_TRUE(f.evaluate(one_duplicate_line(500, "\n"), &m).keep);  // 100 / 500
  EXPECT_DOUBLE_EQ(m.duplicate_line_char_fraction, 0.20);
  EXPECT_EQ(reason(f, one_duplicate_line(499, "\n")), "dup_line_char_frac");
}

TEST(GopherRepetition, DuplicateParagraphCharacterFraction) {
  GopherRepetitionFilter f(only(kOff, 0.20, kOff, kOff));
  RepetitionMeasures m;
  EXPECT_TRUE(f.evaluate(one_duplicate_line(500, "\n\n"), &m).keep);
  EXPECT_DOUBLE_EQ(m.duplicate_paragraph_char_fraction, 0.20);
  EXPECT_EQ(reason(f, one_duplicate_line(499, "\n\n")), "dup_para_char_frac");
}

TEST(GopherRepetition, ParagraphsSplitOnTwoOrMoreNewlinesAfterStripping) {
  GopherRepetitionFilter f(only(kOff, kOff, kOff, kOff));
  RepetitionMeasures m;
  // Paragraphs: "a b", "a b", "c d" -> 1 duplicate of 3; the single newline inside does not split.
  f.evaluate("\n\n  a b\n\n\n\na b\n\nc\nd  \n\n", &m);
  EXPECT_DOUBLE_EQ(m.duplicate_paragraph_fraction, 1.0 / 3.0);
  // Lines (split on runs of newlines, unstripped): "", "  a b", "a b", "c", "d  ", "" -> 1 duplicate ("").
  EXPECT_DOUBLE_EQ(m.duplicate_line_fraction, 1.0 / 6.0);
}

// The most frequent n-gram repeated `count` times, every other n-gram unique.
std::string top_ngram_doc(int n, int count, std::size_t total) {
  std::string text;
  for (int c = 0; c < count; ++c) {
    for (int k = 0; k < n; ++k) text += std::string(1, static_cast<char>('a' + k)) + "w" + std::to_string(c % 1) + " ";
    text += "sep" + std::to_string(c) + " ";  // a unique word between repeats
  }
  return pad_to_chars(text.substr(0, text.size() - 1), total);
}

TEST(GopherRepetition, TopNgramCharacterFraction) {
  for (const auto& [n, threshold] : GopherRepetitionConfig{}.top_ngram_max_char_fraction) {
    GopherRepetitionConfig c = only(kOff, kOff, kOff, kOff);
    c.top_ngram_max_char_fraction = {{n, threshold}};
    GopherRepetitionFilter f(c);
    const int count = 6;
    const double repeated = (3.0 * n + (n - 1)) * count;  // " ".join of n three-letter words, 6 times
    const std::size_t keep_total = smallest_kept_total(repeated, threshold);
    RepetitionMeasures m;
    EXPECT_TRUE(f.evaluate(top_ngram_doc(n, count, keep_total), &m).keep) << n;
    ASSERT_EQ(m.top_ngram_char_fraction.size(), 1u);
    EXPECT_DOUBLE_EQ(m.top_ngram_char_fraction[0].second, repeated / static_cast<double>(keep_total));
    EXPECT_EQ(reason(f, top_ngram_doc(n, count, keep_total - 1)), "top_" + std::to_string(n) + "_gram");
  }
}

TEST(GopherRepetition, TopNgramTiesGoToTheFirstSeen) {
  // "aa b" and "ccccc d" both occur twice; the first seen (shorter) one is the reference's top bigram.
  GopherRepetitionConfig c = only(kOff, kOff, kOff, kOff);
  c.top_ngram_max_char_fraction = {{2, kOff}};
  GopherRepetitionFilter f(c);
  RepetitionMeasures m;
  const std::string text = "aa b x1 aa b x2 ccccc d x3 ccccc d";
  f.evaluate(text, &m);
  EXPECT_DOUBLE_EQ(m.top_ngram_char_fraction[0].second, 2.0 * 4.0 / static_cast<double>(text.size()));
}

TEST(GopherRepetition, DuplicateNgramsUseTheReferenceSkipAhead) {
  GopherRepetitionConfig c = only(kOff, kOff, kOff, kOff);
  c.duplicate_ngram_max_char_fraction = {{2, kOff}};
  GopherRepetitionFilter f(c);
  RepetitionMeasures m;
  // x y x y x y: "xy" new, "yx" new, "xy" seen (+2, jump to word 4), "xy" seen (+2). Without the jump
  // the count would be 6.
  f.evaluate("x y x y x y", &m);
  EXPECT_DOUBLE_EQ(m.duplicate_ngram_char_fraction[0].second, 4.0 / 11.0);
  // Characters, not bytes; separators are not counted ("".join in the reference).
  f.evaluate("\xC3\xA9t\xC3\xA9 z \xC3\xA9t\xC3\xA9 z", &m);
  EXPECT_DOUBLE_EQ(m.duplicate_ngram_char_fraction.back().second, 4.0 / 11.0);
}

// n distinct three-letter words, then the same n words again: one duplicate n-gram of 3n characters.
std::string duplicate_ngram_doc(int n, std::size_t total) {
  std::string block;
  for (int k = 0; k < n; ++k) block += std::string(3, static_cast<char>('a' + k)) + " ";
  return pad_to_chars(block + block + "end", total);
}

TEST(GopherRepetition, DuplicateNgramCharacterFraction) {
  for (const auto& [n, threshold] : GopherRepetitionConfig{}.duplicate_ngram_max_char_fraction) {
    GopherRepetitionConfig c = only(kOff, kOff, kOff, kOff);
    c.duplicate_ngram_max_char_fraction = {{n, threshold}};
    GopherRepetitionFilter f(c);
    const double repeated = 3.0 * n;
    const std::size_t keep_total = smallest_kept_total(repeated, threshold);
    RepetitionMeasures m;
    EXPECT_TRUE(f.evaluate(duplicate_ngram_doc(n, keep_total), &m).keep) << n;
    EXPECT_DOUBLE_EQ(m.duplicate_ngram_char_fraction[0].second, repeated / static_cast<double>(keep_total));
    EXPECT_EQ(reason(f, duplicate_ngram_doc(n, keep_total - 1)), "duplicated_" + std::to_string(n) + "_n_grams");
  }
}

TEST(GopherRepetition, RealisticDocuments) {
  GopherRepetitionFilter f;
  const std::string prose =
      "The river rises in the northern hills and flows south for about two hundred kilometres before it "
      "reaches the sea. Along its course it passes through three market towns, each of which grew up around "
      "an old ford.\n\nIn the nineteenth century the lower valley was drained for farming, and a canal was "
      "dug to carry coal from the mines to the port. The canal closed in 1952, but parts of it are now a "
      "nature reserve where herons and otters can be seen.\n\nToday the river is popular with anglers and "
      "walkers; a long-distance footpath follows its banks from the source to the estuary.";
  EXPECT_EQ(reason(f, prose), "kept");

  std::string spam;
  for (int i = 0; i < 20; ++i) spam += "Best cheap watches online buy now\nFree shipping on all orders\n";
  EXPECT_EQ(reason(f, spam), "dup_line_frac");  // one paragraph, 38 of its 41 lines are repeats

  std::string boilerplate_paragraphs = prose;
  for (int i = 0; i < 2; ++i) boilerplate_paragraphs += "\n\nSubscribe to our newsletter for weekly updates and offers.";
  EXPECT_EQ(reason(f, boilerplate_paragraphs), "kept");  // 1 duplicate paragraph of 5
  for (int i = 0; i < 3; ++i) boilerplate_paragraphs += "\n\nSubscribe to our newsletter for weekly updates and offers.";
  EXPECT_EQ(reason(f, boilerplate_paragraphs), "dup_para_frac");  // 4 of 8
}

TEST(GopherRepetition, StatsAndEmptyDocuments) {
  GopherRepetitionFilter f;
  Document empty{"e", "", "", {}};
  EXPECT_EQ(f.process(empty).reason, "empty");
  std::string distinct;
  for (int i = 0; i < 30; ++i) distinct += "alpha" + std::to_string(i) + " ";
  Document good{"g", distinct, "", {}};
  EXPECT_TRUE(f.process(good).keep);
  EXPECT_EQ(f.stats().docs_in, 2u);
  EXPECT_EQ(f.stats().docs_out, 1u);
  EXPECT_EQ(f.stats().bytes_out, good.text.size());
  EXPECT_EQ(f.stats().drop_reasons.at("empty"), 1u);
}

}  // namespace
}  // namespace hone::curate
