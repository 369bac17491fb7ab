// Stage 6: each line rule just below and above its threshold, boilerplate edits, the 5% document rule,
// stats, and a realistic page.
#include <gtest/gtest.h>

#include <string>

#include "curate/gopher_quality.h"
#include "curate/gopher_repetition.h"
#include "curate/line_corrections.h"

namespace hone::curate {
namespace {

const std::string kBody =
    "The harbour was built in the twelfth century and rebuilt twice after storms destroyed the old walls.";

// Runs one line inside a long document (so the 5% rule never triggers) and returns the corrected line,
// or "<dropped>".
std::string correct_line(const std::string& line) {
  LineCorrectionsConfig config;
  config.max_removed_word_fraction = 1.0;
  LineCorrections block(config);
  std::string text = kBody + "\n" + line + "\n" + kBody;
  LineCorrectionsMeasures m;
  EXPECT_TRUE(block.correct(text, &m).keep);
  const std::size_t first = text.find('\n');
  const std::size_t last = text.rfind('\n');
  if (first == last) return "<dropped>";
  return text.substr(first + 1, last - first - 1);
}

TEST(LineCorrections, UppercaseLines) {
  EXPECT_EQ(correct_line("ABCD efgh"), "ABCD efgh");  // 4 of 8 letters: not more than half
  EXPECT_EQ(correct_line("ABCDE fgh"), "<dropped>");  // 5 of 8
  EXPECT_EQ(correct_line("ÉTÉ ÀÉ été"), "<dropped>");  // non-ASCII upper case counts
  EXPECT_EQ(correct_line("NASA and ESA 2024 plans"), "NASA and ESA 2024 plans");  // 7 of 15
}

TEST(LineCorrections, NumericLines) {
  EXPECT_EQ(correct_line("2023-01-05 12:30"), "<dropped>");
  EXPECT_EQ(correct_line("+44 20 7946 0958"), "<dropped>");
  EXPECT_EQ(correct_line("2023 annual report"), "2023 annual report");
}

TEST(LineCorrections, SocialCounters) {
  EXPECT_EQ(correct_line("12 likes"), "<dropped>");
  EXPECT_EQ(correct_line("1.2K Retweets · 40 shares"), "<dropped>");
  EXPECT_EQ(correct_line("Comments: 7"), "<dropped>");
  EXPECT_EQ(correct_line("12 people like this idea"), "12 people like this idea");
  EXPECT_EQ(correct_line("likes and shares"), "likes and shares");  // no number: not a counter
}

TEST(LineCorrections, LinesUnderTwoWords) {
  EXPECT_EQ(correct_line("Menu"), "<dropped>");
  EXPECT_EQ(correct_line("  Navigation  "), "<dropped>");
  EXPECT_EQ(correct_line("Two words"), "Two words");
}

TEST(LineCorrections, BoilerplateIsEditedOutOfShortLines) {
  EXPECT_EQ(correct_line("Read more…"), "<dropped>");
  EXPECT_EQ(correct_line("The full story is here. Read more..."), "The full story is here");
  EXPECT_EQ(correct_line("Sign in to leave a comment"), "to leave a comment");
  EXPECT_EQ(correct_line("3 items in cart"), "<dropped>");
  EXPECT_EQ(correct_line("Total: 3 items in cart | Checkout now"), "Total: 3 Checkout now");
  EXPECT_EQ(correct_line("Copyright 2020 Example Ltd. All rights reserved."), "Copyright 2020 Example Ltd");
  // Word boundaries: "subscribers" is not "subscribe", "thread more" is not "read more".
  EXPECT_EQ(correct_line("Subscribers get the print edition"), "Subscribers get the print edition");
  EXPECT_EQ(correct_line("see the thread more"), "see the thread more");
  // 10 words is still short, 11 is not.
  EXPECT_EQ(correct_line("one two three four five six seven eight. Read more"),
            "one two three four five six seven eight");
  EXPECT_EQ(correct_line("one two three four five six seven eight nine. Read more"),
            "one two three four five six seven eight nine. Read more");
}

TEST(LineCorrections, DocumentDroppedAboveFivePercentRemovedWords) {
  std::string hundred;
  for (int i = 0; i < 19; ++i) hundred += "five words on this line\n";  // 95 words
  LineCorrections block;
  std::string text = hundred + "Menu\nHome\nLogin\nSearch\nCart";  // 5 one-word lines: 5 of 100
  LineCorrectionsMeasures m;
  EXPECT_TRUE(block.correct(text, &m).keep);
  EXPECT_EQ(m.words, 100u);
  EXPECT_EQ(m.words_removed, 5u);
  EXPECT_EQ(text, hundred.substr(0, hundred.size() - 1));
  std::string more = hundred + "Menu\nHome\nLogin\nSearch\nCart\nAbout";  // 6 of 101
  const std::string before = more;
  EXPECT_EQ(block.correct(more).reason, "too_many_words_removed");
  EXPECT_EQ(more, before);  // a dropped document is left as it was
}

TEST(LineCorrections, BlankLinesCollapseAndUnchangedTextIsUntouched) {
  LineCorrectionsConfig config;
  config.max_removed_word_fraction = 1.0;
  LineCorrections block(config);
  std::string text = "\n\nfirst para here\n\nMenu\n\n\nsecond para here\n\n";
  block.correct(text);
  EXPECT_EQ(text, "first para here\n\nsecond para here");
  std::string clean = "a clean line\n\n\n\nanother clean line\n";
  block.correct(clean);
  EXPECT_EQ(clean, "a clean line\n\n\n\nanother clean line\n");
}

TEST(LineCorrections, StatsCountLinesWordsAndReasons) {
  LineCorrections block;
  Document good{"a", kBody + "\nShare this\n" + kBody + "\n" + kBody + "\n" + kBody, "", {}};
  Document junk{"b", "HOME\nABOUT US\nshort text here", "", {}};
  Document empty{"c", "\n \n", "", {}};
  EXPECT_TRUE(block.process(good).keep);
  EXPECT_EQ(good.text.find("Share"), std::string::npos);
  EXPECT_EQ(block.process(junk).reason, "too_many_words_removed");
  EXPECT_EQ(block.process(empty).reason, "empty");
  const FilterStats& s = block.stats();
  EXPECT_EQ(s.docs_in, 3u);
  EXPECT_EQ(s.docs_out, 1u);
  EXPECT_EQ(s.bytes_out, good.text.size());
  EXPECT_EQ(s.bytes_in, 4 * kBody.size() + 14 + 29 + 3);
  EXPECT_EQ(s.drop_reasons.at("too_many_words_removed"), 1u);
  EXPECT_EQ(s.drop_reasons.at("empty"), 1u);
  EXPECT_EQ(s.counters.at("lines_removed"), 3u);  // "Share this" and the two upper-case lines
  EXPECT_EQ(s.counters.at("words_removed"), 5u);
  EXPECT_GT(s.seconds, 0.0);
  const auto json = s.to_json();
  EXPECT_EQ(json["docs_dropped"], 2);
  EXPECT_EQ(json["drop_reasons"]["empty"], 1);

  FilterStats total;
  total.merge(s);
  total.merge(s);
  EXPECT_EQ(total.docs_in, 6u);
  EXPECT_EQ(total.counters.at("lines_removed"), 6u);
  EXPECT_EQ(total.drop_reasons.at("empty"), 2u);
}

// Stages 4-6 in order on realistic pages: an article with a little navigation survives, corrected;
// a navigation-heavy page and a link farm do not.
TEST(CuratePipeline, RealisticPages) {
  GopherRepetitionFilter repetition;
  GopherQualityFilter quality;
  LineCorrections lines;
  auto run = [&](Document doc) -> std::pair<std::string, std::string> {
    for (FilterBlock* block : std::initializer_list<FilterBlock*>{&repetition, &quality, &lines}) {
      const Verdict v = block->process(doc);
      if (!v.keep) return {block->name() + ":" + std::string(v.reason), doc.text};
    }
    return {"kept", doc.text};
  };
  const std::string article =
      "The new bridge over the estuary opened to traffic on Monday after four years of construction.\n\n"
      "Engineers chose steel rather than concrete for the main span because it could be assembled on the "
      "shore and floated into place, which kept the shipping channel open for most of the work.\n\n"
      "The city expects the shorter route to cut the journey from the harbour to the ring road by twenty "
      "minutes, and local firms hope that lorries will stop queuing through the old town centre.\n\n"
      "Not everyone is pleased. Residents of the quay say that the approach road has brought noise and "
      "dust, and a group of them have asked the council to plant trees along the embankment.\n\n";
  const auto [verdict, text] = run({"1", article + "Read more…", "", {}});
  EXPECT_EQ(verdict, "kept");
  EXPECT_EQ(text, article.substr(0, article.size() - 2));

  const std::string navigation =
      "HOME\nNEWS\nSPORT\nWEATHER\nSign in\n0 items in cart\nThe council met on Tuesday to discuss the new "
      "bridge and the road works that will close the harbour route for two weeks, which has worried the "
      "shop owners on the quay who depend on the passing trade of the summer visitors and the ferry "
      "passengers that arrive each morning from the islands, and they asked the council to have the work "
      "done at night with less noise.\n12 likes\n3 comments\nShare\nTweet\nRELATED STORIES";
  EXPECT_EQ(run({"2", navigation, "", {}}).first, "line_corrections:too_many_words_removed");

  std::string link_farm;
  for (int i = 0; i < 40; ++i) link_farm += "cheap flights to city " + std::to_string(i) + "\n";
  EXPECT_EQ(run({"3", link_farm, "", {}}).first, "gopher_repetition:top_2_gram");
}

}  // namespace
}  // namespace hone::curate
