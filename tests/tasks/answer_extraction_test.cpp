#include "tasks/answer_extraction.h"

#include <gtest/gtest.h>

namespace hone::tasks {
namespace {

TEST(AnswerExtraction, OptionLetterAfterAnswerIs) {
  EXPECT_EQ(extract_answer("So the answer is (B)."), "B");
  EXPECT_EQ(extract_answer("Let me think. So the answer is (c)"), "c");
  EXPECT_EQ(normalize_answer(extract_answer("So the answer is (C).")), "c");
  EXPECT_EQ(extract_answer("The answer is (A) Paris."), "A");
}

TEST(AnswerExtraction, LastAnswerIsWins) {
  EXPECT_EQ(extract_answer("First the answer is 3. Wait, no: the answer is 5."), "5");
  EXPECT_EQ(extract_answer("The answer is yes.\nActually the Answer is no"), "no");
}

TEST(AnswerExtraction, StopsAtSentenceOrLineEndButNotDecimalPoint) {
  EXPECT_EQ(extract_answer("So the answer is 3.5. Done."), "3.5");
  EXPECT_EQ(extract_answer("So the answer is 12\nsome trailing text"), "12");
  EXPECT_EQ(extract_answer("the answer is: True"), "True");
  EXPECT_EQ(extract_answer("The answer is Berlin! Great"), "Berlin");
  EXPECT_EQ(extract_answer("the answer is 1,000."), "1,000");
}

TEST(AnswerExtraction, WithoutMarkerTakesWholeText) {
  EXPECT_EQ(extract_answer("  42 \n"), "42");
  EXPECT_EQ(extract_answer("(D)"), "D");
  EXPECT_EQ(extract_answer("no marker here"), "no marker here");
}

TEST(AnswerNormalization, Numbers) {
  EXPECT_EQ(normalize_answer("1,000"), "1000");
  EXPECT_EQ(normalize_answer("1,234,567"), "1234567");
  EXPECT_EQ(normalize_answer("3.0"), "3");
  EXPECT_EQ(normalize_answer("3.50"), "3.5");
  EXPECT_EQ(normalize_answer("007"), "7");
  EXPECT_EQ(normalize_answer("-0.0"), "0");
  EXPECT_EQ(normalize_answer("-12"), "-12");
  EXPECT_EQ(normalize_answer("+12"), "12");
  EXPECT_EQ(normalize_answer("$1,500.00"), "1500");
  EXPECT_EQ(normalize_answer(".5"), "0.5");
  EXPECT_EQ(normalize_answer("42."), "42");
  // Not thousands grouping: left alone.
  EXPECT_EQ(normalize_answer("1,00"), "1,00");
  EXPECT_EQ(normalize_answer("12,34,567"), "12,34,567");
  EXPECT_EQ(normalize_answer("3, 4"), "3, 4");
}

TEST(AnswerNormalization, CaseWhitespaceQuotesAndLetters) {
  EXPECT_EQ(normalize_answer("  Hello   World \n"), "hello world");
  EXPECT_EQ(normalize_answer("\"Yes\""), "yes");
  EXPECT_EQ(normalize_answer("'False'."), "false");
  EXPECT_EQ(normalize_answer("(b)"), "b");
  EXPECT_EQ(normalize_answer("TRUE"), "true");
  EXPECT_EQ(normalize_answer(""), "");
}

TEST(AnswerMatching, GenerationsAgainstTargets) {
  EXPECT_TRUE(answer_matches("So the answer is (B).", "B"));
  EXPECT_TRUE(answer_matches("So the answer is 1,000.", "1000"));
  EXPECT_TRUE(answer_matches("The answer is 3.0", "3"));
  EXPECT_TRUE(answer_matches("yes", "Yes"));
  EXPECT_TRUE(answer_matches("So the answer is True.", "True"));
  EXPECT_TRUE(answer_matches("so the ANSWER IS   costume  counterpart oven", "costume counterpart oven"));
  // A chain-of-thought target is read the same way as a generation.
  EXPECT_TRUE(answer_matches("So the answer is 14.", "Tom starts with 12. 12 + 2 = 14. So the answer is 14."));
  EXPECT_TRUE(answer_matches("Hündin", "Hund", {"Hündin"}));
  EXPECT_FALSE(answer_matches("So the answer is (A).", "B"));
  EXPECT_FALSE(answer_matches("The answer is 14. No wait, the answer is 15.", "14"));
  EXPECT_FALSE(answer_matches("no", "yes"));
  EXPECT_FALSE(answer_matches("3.01", "3"));
  EXPECT_FALSE(answer_matches("10", "100"));
  EXPECT_FALSE(answer_matches("False", "True"));
}

}  // namespace
}  // namespace hone::tasks
