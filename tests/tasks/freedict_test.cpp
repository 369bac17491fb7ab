// The FreeDict reader on the real Debian files, and the translation generators checked against it.
#include "tasks/freedict.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tasks/generation.h"
#include "tasks/registry.h"

namespace hone::tasks {
namespace {

const std::vector<DictEntry>& dictionary() {
  static const std::vector<DictEntry> entries = [] {
    if (!freedict_available())
      ADD_FAILURE() << "FreeDict files missing at " << kFreeDictEngDeu << ".*: run scripts/setup.sh";
    return load_freedict();
  }();
  return entries;
}

TEST(FreeDictParser, Base64NumbersAndTranslationLines) {
  EXPECT_EQ(decode_dictd_number("A"), 0u);
  EXPECT_EQ(decode_dictd_number("B9"), 125u);
  EXPECT_EQ(decode_dictd_number("SB4A"), 18u * 64 * 64 * 64 + 1u * 64 * 64 + 56u * 64 + 0u);
  EXPECT_EQ(parse_translation_line("Hund <masc> [zool.]"), (std::vector<std::string>{"Hund"}));
  EXPECT_EQ(parse_translation_line("Klampe <fem>, Klemme <fem>, Mitnehmer <neut> [techn.]"),
            (std::vector<std::string>{"Klampe", "Klemme", "Mitnehmer"}));
  EXPECT_EQ(parse_translation_line("gebilligt, genehmigt, freigegeben"),
            (std::vector<std::string>{"gebilligt", "genehmigt", "freigegeben"}));
  EXPECT_EQ(parse_translation_line("etw. (aus, ab) schalten"), (std::vector<std::string>{"etw. schalten"}));
}

TEST(FreeDictParser, RealFiles) {
  const auto& entries = dictionary();
  EXPECT_GT(entries.size(), 300000u);
  std::set<std::string> dog, house, cat;
  for (const auto& e : entries) {
    if (e.headword == "dog") dog.insert(e.translations.begin(), e.translations.end());
    if (e.headword == "house") house.insert(e.translations.begin(), e.translations.end());
    if (e.headword == "cat") cat.insert(e.translations.begin(), e.translations.end());
  }
  EXPECT_TRUE(dog.count("Hund"));
  EXPECT_TRUE(house.count("Haus"));
  EXPECT_TRUE(cat.count("Katze"));
  // Entries reached through an abbreviation ("computed axial tomography (CAT)") are not cat's.
  EXPECT_FALSE(cat.count("Computertomografie"));
}

TEST(FreeDictTasks, AnswersSplitsAndDeterminism) {
  std::map<std::string, std::vector<const DictEntry*>> by_headword;
  std::map<std::string, std::set<std::string>> english_for;
  for (const auto& e : dictionary()) {
    by_headword[e.headword].push_back(&e);
    for (const auto& t : e.translations) english_for[t].insert(e.headword);
  }
  for (const auto* task : tasks_in_cluster("translation")) {
    SCOPED_TRACE(task->name);
    const Splits s = generate_splits(*task, {300, 30, 60}, 7);
    std::vector<Example> all = s.train;
    all.insert(all.end(), s.validation.begin(), s.validation.end());
    all.insert(all.end(), s.test.begin(), s.test.end());
    std::set<std::string> keys;
    for (const auto& e : all) keys.insert(input_key(e));
    EXPECT_EQ(keys.size(), 390u);
    const Splits again = generate_splits(*task, {300, 30, 60}, 7);
    for (size_t i = 0; i < s.test.size(); ++i) EXPECT_EQ(example_json(s.test[i]), example_json(again.test[i]));
    for (const auto& e : all) {
      const std::string& word = e.field("word");
      if (task->name == "translate_en_de") {
        ASSERT_EQ(by_headword[word].size(), 1u) << word;
        EXPECT_EQ(by_headword[word][0]->translations[0], e.target);
      } else {
        // The German word translates exactly one plain English headword: the target.
        std::set<std::string> plain;
        for (const auto& en : english_for[word]) {
          bool simple = en.size() >= 3;
          for (char c : en) simple = simple && c >= 'a' && c <= 'z';
          if (simple) plain.insert(en);
        }
        EXPECT_EQ(plain, (std::set<std::string>{e.target})) << word;
      }
    }
  }
}

}  // namespace
}  // namespace hone::tasks
