// Word translation between English and German from the FreeDict (Ding) dictionary.
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "tasks/freedict.h"
#include "tasks/generation.h"
#include "tasks/registry.h"

namespace hone::tasks {
namespace {

const std::vector<DictEntry>& shared_dictionary() {
  static std::once_flag once;
  static std::unique_ptr<std::vector<DictEntry>> entries;
  std::call_once(once, [] { entries = std::make_unique<std::vector<DictEntry>>(load_freedict()); });
  return *entries;
}

bool english_word(const std::string& word) {
  if (word.size() < 3) return false;
  for (char c : word)
    if (c < 'a' || c > 'z') return false;
  return true;
}

// One German word: letters (UTF-8 umlauts and ß included), an optional hyphen, no spaces or dots.
bool german_word(const std::string& word) {
  if (word.size() < 2) return false;
  for (char c : word) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalpha(u) || u >= 0x80 || c == '-')) return false;
  }
  return true;
}

std::vector<Example> english_to_german(int64_t count, uint64_t seed) {
  std::map<std::string, std::vector<const DictEntry*>> by_headword;
  for (const auto& entry : shared_dictionary())
    if (english_word(entry.headword)) by_headword[entry.headword].push_back(&entry);
  std::vector<Example> candidates;
  for (const auto& [headword, entries] : by_headword) {
    // Only words with a single sense: otherwise "dog" would have seven right answers.
    if (entries.size() != 1 || !german_word(entries[0]->translations[0])) continue;
    Example example;
    example.set("word", headword);
    example.target = entries[0]->translations[0];
    example.rationale = "The dictionary translates \"" + headword + "\" as " + join(entries[0]->translations, ", ") + ".";
    example.accepted.assign(entries[0]->translations.begin() + 1, entries[0]->translations.end());
    candidates.push_back(std::move(example));
  }
  return take_shuffled(std::move(candidates), count, seed, "translate_en_de");
}

std::vector<Example> german_to_english(int64_t count, uint64_t seed) {
  std::map<std::string, std::set<std::string>> english_for;  // German word -> English headwords
  for (const auto& entry : shared_dictionary()) {
    if (!english_word(entry.headword)) continue;
    for (const auto& german : entry.translations)
      if (german_word(german)) english_for[german].insert(entry.headword);
  }
  std::vector<Example> candidates;
  for (const auto& [german, english] : english_for) {
    if (english.size() != 1) continue;  // unambiguous back-translation only
    Example example;
    example.set("word", german);
    example.target = *english.begin();
    example.rationale = "\"" + german + "\" appears only among the German translations of \"" + example.target + "\".";
    candidates.push_back(std::move(example));
  }
  return take_shuffled(std::move(candidates), count, seed, "translate_de_en");
}


}  // namespace

void add_freedict_tasks(std::vector<BundledTask>& tasks) {
  tasks.push_back(bundled_task("translate_en_de", "translation", "English word -> German (FreeDict, single-sense words)", R"(
[[templates]]
inputs = "Translate \"{word}\" into German."
[[templates]]
inputs = "English: {word}\nGerman:"
[[templates]]
inputs = "What is the German word for \"{word}\"?"
)", "freedict", english_to_german));
  tasks.push_back(bundled_task("translate_de_en", "translation", "German word -> English (FreeDict, unambiguous words)", R"(
[[templates]]
inputs = "Translate \"{word}\" into English."
[[templates]]
inputs = "German: {word}\nEnglish:"
[[templates]]
inputs = "What does the German word \"{word}\" mean in English?"
)", "freedict", german_to_english));
}

}  // namespace hone::tasks
