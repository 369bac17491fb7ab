// UTF-8 handling and the word splitting rule shared by the Gopher filters.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "curate/gopher_quality.h"
#include "curate/text_chars.h"
#include "curate/word_split.h"

namespace hone::curate {
namespace {

std::vector<std::string> tokens(std::string_view text) {
  std::vector<WordSpan> spans;
  split_words(text, spans);
  std::vector<std::string> out;
  for (const auto& s : spans) out.emplace_back(s.in(text));
  return out;
}

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(find_invalid_utf8("plain ascii text, long enough for the fast path"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("caf\xC3\xA9 \xE2\x80\xA6 \xF0\x9F\x98\x80"), std::string_view::npos);  // é … 😀
  EXPECT_EQ(find_invalid_utf8("abc\xFF"), 3u);                       // never valid
  EXPECT_EQ(find_invalid_utf8("abcdefghij\x80z"), 10u);             // stray continuation after the fast path
  EXPECT_EQ(find_invalid_utf8("ab\xC0\xAF"), 2u);                    // overlong '/'
  EXPECT_EQ(find_invalid_utf8("ab\xE0\x80\xAF"), 2u);                // overlong 3-byte
  EXPECT_EQ(find_invalid_utf8("ab\xED\xA0\x80"), 2u);                // UTF-16 surrogate
  EXPECT_EQ(find_invalid_utf8("ab\xF4\x90\x80\x80"), 2u);            // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("ab\xE2\x80"), 2u);                    // truncated at the end
}

TEST(Utf8, ReplacementTurnsEachBadByteIntoUFFFD) {
  EXPECT_EQ(replace_invalid_utf8("a\xFF" "b\xE2\x80"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(replace_invalid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(Utf8, FiltersRejectInvalidTextNamingTheDocument) {
  GopherQualityFilter filter;
  Document doc{"doc-42", "good start \xC3( bad", "", {}};
  try {
    filter.process(doc);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("doc-42"), std::string::npos) << message;
    EXPECT_NE(message.find("byte offset 11"), std::string::npos) << message;
    EXPECT_NE(message.find("replace_invalid_utf8"), std::string::npos) << message;
  }
  EXPECT_EQ(filter.stats().docs_in, 1u);
  EXPECT_EQ(filter.stats().docs_out, 0u);
}

TEST(Utf8, CountsCodePointsNotBytes) {
  EXPECT_EQ(count_chars("caf\xC3\xA9"), 4u);
  EXPECT_EQ(count_chars("\xF0\x9F\x98\x80!"), 2u);
  EXPECT_EQ(count_chars(""), 0u);
}

TEST(CharClasses, LettersDigitsUpperSpacesPunctuation) {
  EXPECT_TRUE(is_letter('a'));
  EXPECT_TRUE(is_letter(U'é'));
  EXPECT_TRUE(is_letter(U'Ж'));
  EXPECT_TRUE(is_letter(U'漢'));
  EXPECT_FALSE(is_letter('7'));
  EXPECT_FALSE(is_letter(U'→'));
  EXPECT_FALSE(is_letter(U'…'));
  EXPECT_FALSE(is_letter(U'×'));
  EXPECT_TRUE(is_upper('Q'));
  EXPECT_TRUE(is_upper(U'É'));
  EXPECT_TRUE(is_upper(U'Ж'));
  EXPECT_FALSE(is_upper(U'ж'));
  EXPECT_FALSE(is_upper('q'));
  EXPECT_TRUE(is_digit('5'));
  EXPECT_TRUE(is_digit(U'٣'));
  EXPECT_TRUE(is_space(0xA0));
  EXPECT_TRUE(is_space(0x3000));
  EXPECT_FALSE(is_space('x'));
  EXPECT_TRUE(is_punctuation('#'));
  EXPECT_TRUE(is_punctuation(U'”'));
  EXPECT_TRUE(is_punctuation(U'。'));
  EXPECT_FALSE(is_punctuation('a'));
  EXPECT_FALSE(is_punctuation(' '));
}

TEST(WordSplit, PeelsPunctuationOffWordsAndKeepsInnerPunctuation) {
  EXPECT_EQ(tokens("Hello, world!"), (std::vector<std::string>{"Hello", ",", "world", "!"}));
  EXPECT_EQ(tokens("(don't) stop..."), (std::vector<std::string>{"(", "don't", ")", "stop", "..."}));
  EXPECT_EQ(tokens("...and U.S. e-mail 3.14\"?"),
            (std::vector<std::string>{"...", "and", "U.S", ".", "e-mail", "3.14", "\"", "?"}));
  EXPECT_EQ(tokens("  \n\t "), std::vector<std::string>{});
  EXPECT_EQ(tokens("«café»\xC2\xA0naïve…"), (std::vector<std::string>{"«", "café", "»", "naïve", "…"}));
  EXPECT_EQ(tokens("#tag ##"), (std::vector<std::string>{"#", "tag", "#", "#"}));
}

TEST(WordSplit, SpansCarryByteOffsetsAndCharacterCounts) {
  const std::string text = "  naïve, ok";
  std::vector<WordSpan> spans;
  split_words(text, spans);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].begin, 2u);
  EXPECT_EQ(spans[0].bytes, 6u);
  EXPECT_EQ(spans[0].chars, 5u);
  EXPECT_EQ(spans[1].in(text), ",");
  EXPECT_EQ(spans[2].begin, 10u);
}

}  // namespace
}  // namespace hone::curate
