// The WordNet reader on the real Debian files, and the lexical generators checked against it.
#include "tasks/wordnet.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tasks/generation.h"
#include "tasks/registry.h"

namespace hone::tasks {
namespace {

const WordNet& wordnet() {
  static const WordNet instance = [] {
    if (!WordNet::available()) ADD_FAILURE() << "WordNet files missing under " << kWordNetDir << ": run scripts/setup.sh";
    return WordNet::load();
  }();
  return instance;
}

std::vector<Example> all_of(const Splits& s) {
  std::vector<Example> all = s.train;
  all.insert(all.end(), s.validation.begin(), s.validation.end());
  all.insert(all.end(), s.test.begin(), s.test.end());
  return all;
}

TEST(WordNetParser, SynsetLine) {
  const Synset s = parse_synset_line(
      "01234567 00 s 02 hot(a) 0 red_hot 1 002 ! 07654321 a 0101 @ 00000042 n 0000 | of high temperature; "
      "\"a hot stove\"  ");
  EXPECT_EQ(s.offset, 1234567u);
  EXPECT_EQ(s.pos, 'a');  // satellites fold into adjectives
  EXPECT_EQ(s.words, (std::vector<std::string>{"hot", "red hot"}));
  ASSERT_EQ(s.pointers.size(), 2u);
  EXPECT_EQ(s.pointers[0].symbol, "!");
  EXPECT_EQ(s.pointers[0].target, 7654321u);
  EXPECT_EQ(s.pointers[0].source_word, 1);
  EXPECT_EQ(s.pointers[0].target_word, 1);
  EXPECT_EQ(s.pointers[1].pos, 'n');
  EXPECT_EQ(s.pointers[1].source_word, 0);
  EXPECT_EQ(s.gloss, "of high temperature; \"a hot stove\"");
  EXPECT_EQ(s.definition, "of high temperature");
}

TEST(WordNetParser, RealFiles) {
  const WordNet& wn = wordnet();
  EXPECT_GT(wn.synsets().size(), 110000u);
  const auto& dog = wn.senses("dog", 'n');
  ASSERT_GE(dog.size(), 7u);
  const Synset& first = wn.synset('n', dog[0]);
  EXPECT_EQ(first.words[0], "dog");
  EXPECT_EQ(first.words[1], "domestic dog");
  EXPECT_EQ(first.words[2], "Canis familiaris");
  EXPECT_EQ(first.definition.rfind("a member of the genus Canis", 0), 0u) << first.definition;
  bool canine = false;
  for (const auto& p : first.pointers)
    if (p.symbol == "@") canine = canine || wn.synset('n', p.target).words[0] == "canine";
  EXPECT_TRUE(canine);
  EXPECT_EQ(wn.parts_of_speech("dog"), "nv");
  EXPECT_EQ(wn.parts_of_speech("quickly"), "r");
  EXPECT_EQ(wn.parts_of_speech("no such lemma"), "");
  // good (adjective) has the antonym bad.
  bool bad = false;
  for (uint32_t offset : wn.senses("good", 'a')) {
    const Synset& s = wn.synset('a', offset);
    for (const auto& p : s.pointers)
      if (p.symbol == "!" && p.source_word > 0 && s.words[p.source_word - 1] == "good")
        bad = bad || wn.synset(p.pos, p.target).words[p.target_word - 1] == "bad";
  }
  EXPECT_TRUE(bad);
  EXPECT_EQ(pos_name('s'), "adjective");
  EXPECT_EQ(pos_letter("adverb"), 'r');
}

TEST(WordNetTasks, SplitsAreDisjointSizedAndDeterministic) {
  for (const auto* task : tasks_in_cluster("lexical")) {
    SCOPED_TRACE(task->name);
    const Splits a = generate_splits(*task, {200, 20, 40}, 1);
    EXPECT_EQ(a.train.size(), 200u);
    EXPECT_EQ(a.validation.size(), 20u);
    EXPECT_EQ(a.test.size(), 40u);
    std::set<std::string> keys;
    for (const auto& e : all_of(a)) keys.insert(input_key(e));
    EXPECT_EQ(keys.size(), 260u);
    const Splits b = generate_splits(*task, {200, 20, 40}, 1);
    for (size_t i = 0; i < a.test.size(); ++i) EXPECT_EQ(example_json(a.test[i]), example_json(b.test[i]));
    for (const auto& e : all_of(a)) EXPECT_FALSE(e.rationale.empty());
  }
}

TEST(WordNetTasks, DefinitionAndWordAnswers) {
  const WordNet& wn = wordnet();
  std::map<std::string, std::set<std::string>> words_for_definition;
  for (const auto& s : wn.synsets())
    for (const auto& w : s.words) words_for_definition[s.definition].insert(w);
  for (const auto& e : all_of(generate_splits(find_task("wordnet_definition_to_word"), {300, 0, 0}, 2))) {
    EXPECT_TRUE(words_for_definition[e.field("definition")].count(e.target)) << e.field("definition");
    for (const auto& a : e.accepted) EXPECT_TRUE(words_for_definition[e.field("definition")].count(a));
  }
  for (const auto& e : all_of(generate_splits(find_task("wordnet_word_to_definition"), {300, 0, 0}, 2))) {
    const char pos = pos_letter(e.field("pos"));
    ASSERT_EQ(wn.senses(e.field("word"), pos).size(), 1u) << e.field("word");
    EXPECT_EQ(wn.parts_of_speech(e.field("word")).size(), 1u);
    EXPECT_EQ(wn.synset(pos, wn.senses(e.field("word"), pos)[0]).definition, e.target);
  }
}

std::set<std::string> synonyms(const WordNet& wn, const std::string& word, char pos) {
  std::set<std::string> out;
  for (uint32_t offset : wn.senses(word, pos))
    for (const auto& w : wn.synset(pos, offset).words) out.insert(w);
  return out;
}

TEST(WordNetTasks, SynonymAndAntonymOptions) {
  const WordNet& wn = wordnet();
  for (const auto& e : all_of(generate_splits(find_task("wordnet_synonym"), {300, 0, 0}, 3))) {
    const char pos = pos_letter(e.field("pos"));
    const auto same = synonyms(wn, e.field("word"), pos);
    ASSERT_EQ(e.options.size(), 4u);
    EXPECT_EQ(std::set<std::string>(e.options.begin(), e.options.end()).size(), 4u);
    for (const auto& option : e.options) EXPECT_EQ(same.count(option) == 1, option == e.target) << e.field("word") << " / " << option;
  }
  std::map<std::pair<std::string, std::string>, bool> antonym_pairs;
  for (const auto& s : wn.synsets())
    for (const auto& p : s.pointers)
      if (p.symbol == "!" && p.source_word > 0)
        antonym_pairs[{s.words[p.source_word - 1], wn.synset(p.pos, p.target).words[p.target_word - 1]}] = true;
  for (const auto& e : all_of(generate_splits(find_task("wordnet_antonym"), {300, 0, 0}, 3))) {
    ASSERT_EQ(e.options.size(), 4u);
    for (const auto& option : e.options)
      EXPECT_EQ(antonym_pairs.count({e.field("word"), option}) == 1, option == e.target) << e.field("word") << " / " << option;
  }
}

TEST(WordNetTasks, HypernymAnswersFromAllPathsAndBalance) {
  const WordNet& wn = wordnet();
  int yes = 0;
  const auto examples = all_of(generate_splits(find_task("wordnet_hypernym"), {300, 0, 100}, 4));
  for (const auto& e : examples) {
    // Breadth-first over every sense's hypernyms (instance hypernyms too).
    std::set<std::string> ancestors;
    std::vector<uint32_t> frontier = wn.senses(e.field("word"), 'n');
    std::set<uint32_t> seen(frontier.begin(), frontier.end());
    while (!frontier.empty()) {
      std::vector<uint32_t> next;
      for (uint32_t offset : frontier)
        for (const auto& p : wn.synset('n', offset).pointers)
          if ((p.symbol == "@" || p.symbol == "@i") && seen.insert(p.target).second) {
            next.push_back(p.target);
            for (const auto& w : wn.synset('n', p.target).words) ancestors.insert(w);
          }
      frontier = next;
    }
    const bool is_kind = ancestors.count(e.field("category")) > 0;
    EXPECT_EQ(e.target, is_kind ? "yes" : "no") << e.field("word") << " / " << e.field("category");
    yes += is_kind;
  }
  EXPECT_EQ(yes, 200);
}

TEST(WordNetTasks, PartOfSpeechIsTheOnlyOneAndBalanced) {
  const WordNet& wn = wordnet();
  std::map<std::string, int> counts;
  for (const auto& e : all_of(generate_splits(find_task("wordnet_part_of_speech"), {400, 0, 0}, 5))) {
    const std::string letters = wn.parts_of_speech(e.field("word"));
    ASSERT_EQ(letters.size(), 1u) << e.field("word");
    EXPECT_EQ(e.target, pos_name(letters[0]));
    ++counts[e.target];
  }
  EXPECT_EQ(counts, (std::map<std::string, int>{{"adjective", 100}, {"adverb", 100}, {"noun", 100}, {"verb", 100}}));
}

}  // namespace
}  // namespace hone::tasks
