// Stage 5: every Gopher quality rule just at (kept) and just above (dropped) its threshold with the
// default configuration, on documents that pass every other rule.
#include <gtest/gtest.h>

#include <string>

#include "curate/gopher_quality.h"

namespace hone::curate {
namespace {

// `n` ordinary words (4-6 letters) that include the stop words "the" and "and".
std::string word_at(int i) {
  static const char* kWords[] = {"the", "river", "flows", "south", "and", "meets", "quiet", "green", "fields"};
  return kWords[i % 9];
}

std::string prose_words(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) out += ' ';
    out += word_at(i);
  }
  return out;
}

std::string reason(const std::string& text, QualityMeasures* m = nullptr) {
  GopherQualityFilter f;
  const Verdict v = f.evaluate(text, m);
  return v.keep ? "kept" : std::string(v.reason);
}

TEST(GopherQuality, WordCountBounds) {
  QualityMeasures m;
  EXPECT_EQ(reason(prose_words(50) + ".", &m), "kept");
  EXPECT_EQ(m.words, 50u);
  EXPECT_EQ(m.tokens, 51u);  // the full stop is a token but not a word
  EXPECT_EQ(reason(prose_words(49) + " . , !"), "gopher_short_doc");
  EXPECT_EQ(reason(prose_words(100000)), "kept");
  EXPECT_EQ(reason(prose_words(100001)), "gopher_long_doc");
}

TEST(GopherQuality, MeanWordLength) {
  // 62 three-letter words: mean exactly 3.
  std::string three;
  for (int i = 0; i < 30; ++i) three += "the and ";
  three += "cat dog";  // 62 words
  QualityMeasures m;
  EXPECT_EQ(reason(three, &m), "kept");
  EXPECT_DOUBLE_EQ(m.mean_word_length, 3.0);
  EXPECT_EQ(reason(three + " to"), "gopher_below_avg_threshold");

  // "the" + "and" + one 24-letter word + 57 ten-letter words: 600 chars / 60 words = 10.
  std::string ten = "the and " + std::string(24, 'x');
  for (int i = 0; i < 57; ++i) ten += " abcdefghij";
  EXPECT_EQ(reason(ten, &m), "kept");
  EXPECT_DOUBLE_EQ(m.mean_word_length, 10.0);
  EXPECT_EQ(reason(ten + "k"), "gopher_above_avg_threshold");
}

TEST(GopherQuality, HashSymbolRatio) {
  // Each " # " is its own token: 10 of 100 tokens, then 11 of 101.
  std::string text = prose_words(90);
  for (int i = 0; i < 10; ++i) text += " #";
  QualityMeasures m;
  EXPECT_EQ(reason(text, &m), "kept");
  EXPECT_DOUBLE_EQ(m.hash_ratio, 0.1);
  EXPECT_EQ(reason(text + " #"), "gopher_too_many_hashes");
}

TEST(GopherQuality, EllipsisSymbolRatioCountsBothSpellings) {
  // Ellipses inside lines (not at line ends): "word... word" and "word… word".
  std::string text;
  for (int i = 0; i < 90; ++i) {
    text += word_at(i);
    if (i < 10) text += i % 2 ? "..." : "\xE2\x80\xA6";
    text += ' ';
  }
  text += "the and";
  QualityMeasures m;
  EXPECT_EQ(reason(text, &m), "kept");
  EXPECT_DOUBLE_EQ(m.ellipsis_ratio, 10.0 / 102.0);
  // One more "..." glued to the first word: 11 ellipses of 103 tokens.
  std::string more = text;
  more.insert(more.find(' '), "...");
  EXPECT_EQ(reason(more, &m), "gopher_too_many_ellipsis");
  EXPECT_DOUBLE_EQ(m.ellipsis_ratio, 11.0 / 103.0);
}

std::string lines_doc(int total, int marked, const std::string& prefix, const std::string& suffix) {
  std::string text;
  for (int i = 0; i < total; ++i) {
    if (i) text += '\n';
    text += (i < marked ? prefix : "") + "the river and the fields meet quiet green hills today" + (i < marked ? suffix : ".");
  }
  return text;
}

TEST(GopherQuality, BulletLines) {
  QualityMeasures m;
  EXPECT_EQ(reason(lines_doc(100, 90, "  \xE2\x80\xA2 ", "."), &m), "kept");
  EXPECT_DOUBLE_EQ(m.bullet_line_fraction, 0.9);
  EXPECT_EQ(reason(lines_doc(100, 91, "- ", ".")), "gopher_too_many_bullets");
}

TEST(GopherQuality, EllipsisLineEndings) {
  QualityMeasures m;
  EXPECT_EQ(reason(lines_doc(100, 30, "", "... \t"), &m), "kept");
  EXPECT_DOUBLE_EQ(m.ellipsis_line_fraction, 0.3);
  EXPECT_EQ(reason(lines_doc(100, 31, "", "\xE2\x80\xA6")), "gopher_too_many_end_ellipsis");
}

TEST(GopherQuality, LinesFollowPythonSplitlines) {
  QualityMeasures m;
  // "\r\n" is one break, "\r" and U+2028 are breaks too, and a final break adds no empty line.
  reason("- a\r\n- b\r- c\xE2\x80\xA8x\n", &m);
  EXPECT_DOUBLE_EQ(m.bullet_line_fraction, 3.0 / 4.0);
}

TEST(GopherQuality, AlphabeticWordFraction) {
  std::string text = prose_words(80);
  for (int i = 0; i < 20; ++i) text += " 1234";
  QualityMeasures m;
  EXPECT_EQ(reason(text, &m), "kept");
  EXPECT_DOUBLE_EQ(m.alpha_word_fraction, 0.8);
  EXPECT_EQ(reason(text + " 99"), "gopher_below_alpha_threshold");
}

TEST(GopherQuality, StopWordsAreDistinctAndCaseSensitive) {
  std::string two;
  for (int i = 0; i < 30; ++i) two += "the river ";
  two += "with rain";
  QualityMeasures m;
  EXPECT_EQ(reason(two, &m), "kept");
  EXPECT_EQ(m.stop_words, 2u);
  std::string one;
  for (int i = 0; i < 60; ++i) one += "the river ";
  EXPECT_EQ(reason(one), "gopher_enough_stop_words");                    // "the" many times counts once
  EXPECT_EQ(reason(one + "With rain"), "gopher_enough_stop_words");  // as datatrove: case-sensitive
}

TEST(GopherQuality, RealisticDocuments) {
  const std::string article =
      "Bread is one of the oldest prepared foods. Evidence from about 30,000 years ago in Europe shows that "
      "people extracted starch from the roots of plants, spread it on a flat rock, and cooked it over a fire. "
      "Around 10,000 BC, with the dawn of the Neolithic age and the spread of agriculture, grains became the "
      "mainstay of making bread.\n\nYeast spores occur everywhere, including on the surface of cereal grains, "
      "so any dough left to rest will become naturally leavened. Several sources of leavening were "
      "available to early bakers, and the choice of method had to do with taste as much as with time.";
  EXPECT_EQ(reason(article), "kept");

  std::string tags;
  for (int i = 0; i < 60; ++i) tags += "#deal" + std::to_string(i) + " #sale ";
  EXPECT_EQ(reason(tags), "gopher_too_many_hashes");

  std::string table;
  for (int i = 0; i < 40; ++i) table += std::to_string(1000 + i) + " " + std::to_string(10000 + i * 7) + " 3.50 item\n";
  EXPECT_EQ(reason(table), "gopher_below_alpha_threshold");

  EXPECT_EQ(reason("Home | About | Contact"), "gopher_short_doc");
}

}  // namespace
}  // namespace hone::curate
