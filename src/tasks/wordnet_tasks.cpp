// Lexical tasks generated from WordNet: definition -> word, word -> definition, synonym, antonym,
// hypernym ("is an X a kind of Y?") and part of speech.
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "core/error.h"
#include "tasks/generation.h"
#include "tasks/registry.h"
#include "tasks/wordnet.h"

namespace hone::tasks {
namespace {

const WordNet& shared_wordnet() {
  static std::once_flag once;
  static std::unique_ptr<WordNet> wordnet;
  std::call_once(once, [] { wordnet = std::make_unique<WordNet>(WordNet::load()); });
  return *wordnet;
}

// Plain lower-case single words: no proper nouns, phrases or abbreviations.
bool simple_word(const std::string& word) {
  if (word.size() < 3) return false;
  for (char c : word)
    if (c < 'a' || c > 'z') return false;
  return true;
}

std::string article(const std::string& word) {
  return std::string("aeiou").find(word[0]) != std::string::npos ? "an" : "a";
}

// Words of one part of speech that can serve as distractors.
std::vector<std::string> simple_lemmas(const WordNet& wordnet, char pos) {
  std::vector<std::string> out;
  for (const auto& [lemma, offsets] : wordnet.index(pos))
    if (simple_word(lemma)) out.push_back(lemma);
  std::sort(out.begin(), out.end());  // the map's order is not deterministic across builds
  return out;
}

// Three distinct distractors of the same part of speech for which `excluded` holds nothing.
std::vector<std::string> distractors(Draws& draws, const std::vector<std::string>& pool, const std::set<std::string>& excluded) {
  std::vector<std::string> out;
  while (out.size() < 3) {
    const std::string& word = draws.pick(pool);
    if (!excluded.count(word) && std::find(out.begin(), out.end(), word) == out.end()) out.push_back(word);
  }
  return out;
}

std::vector<Example> definition_to_word(int64_t count, uint64_t seed) {
  const WordNet& wordnet = shared_wordnet();
  std::vector<Example> candidates;
  for (const auto& synset : wordnet.synsets()) {
    if (synset.definition.empty() || !simple_word(synset.words[0])) continue;
    Example example;
    example.set("definition", synset.definition);
    example.set("pos", pos_name(synset.pos));
    example.target = synset.words[0];
    example.rationale = "The " + pos_name(synset.pos) + " \"" + synset.words[0] + "\" means \"" + synset.definition + "\".";
    for (size_t i = 1; i < synset.words.size(); ++i) example.accepted.push_back(synset.words[i]);
    candidates.push_back(std::move(example));
  }
  return take_shuffled(std::move(candidates), count, seed, "wordnet_definition_to_word");
}

std::vector<Example> word_to_definition(int64_t count, uint64_t seed) {
  const WordNet& wordnet = shared_wordnet();
  std::vector<Example> candidates;
  for (char pos : {'n', 'v', 'a', 'r'}) {
    for (const auto& [lemma, offsets] : wordnet.index(pos)) {
      // One sense in one part of speech: the definition is then the only right answer.
      if (!simple_word(lemma) || offsets.size() != 1 || wordnet.parts_of_speech(lemma).size() != 1) continue;
      const Synset& synset = wordnet.synset(pos, offsets[0]);
      if (synset.definition.empty()) continue;
      Example example;
      example.set("word", lemma);
      example.set("pos", pos_name(pos));
      example.target = synset.definition;
      example.rationale = "\"" + lemma + "\" is " + article(pos_name(pos)) + " " + pos_name(pos) + " with a single sense.";
      candidates.push_back(std::move(example));
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Example& a, const Example& b) { return a.field("word") < b.field("word"); });
  return take_shuffled(std::move(candidates), count, seed, "wordnet_word_to_definition");
}

// Every word that shares a synset with `lemma` in `pos`.
std::set<std::string> synonyms_of(const WordNet& wordnet, const std::string& lemma, char pos) {
  std::set<std::string> out;
  for (uint32_t offset : wordnet.senses(lemma, pos))
    for (const auto& word : wordnet.synset(pos, offset).words) out.insert(word);
  return out;
}

std::vector<Example> synonym(int64_t count, uint64_t seed) {
  const WordNet& wordnet = shared_wordnet();
  std::map<char, std::vector<std::string>> pools;
  std::vector<Example> candidates;
  for (char pos : {'n', 'v', 'a', 'r'}) {
    pools[pos] = simple_lemmas(wordnet, pos);
    for (const auto& lemma : pools[pos]) {
      const Synset& first = wordnet.synset(pos, wordnet.senses(lemma, pos)[0]);
      for (const auto& other : first.words) {
        if (other == lemma || !simple_word(other)) continue;
        Example example;
        example.set("word", lemma);
        example.set("pos", pos_name(pos));
        example.target = other;
        example.rationale = "\"" + lemma + "\" and \"" + other + "\" both mean \"" + first.definition + "\".";
        candidates.push_back(std::move(example));
        break;
      }
    }
  }
  std::vector<Example> chosen = take_shuffled(std::move(candidates), count, seed, "wordnet_synonym");
  Draws draws(seed, 0x73796eULL);
  for (auto& example : chosen) {
    const char pos = pos_letter(example.field("pos"));
    auto excluded = synonyms_of(wordnet, example.field("word"), pos);
    example.options = distractors(draws, pools[pos], excluded);
    example.options.insert(example.options.begin(), example.target);
  }
  return chosen;
}

std::vector<Example> antonym(int64_t count, uint64_t seed) {
  const WordNet& wordnet = shared_wordnet();
  std::map<std::pair<std::string, char>, std::set<std::string>> antonyms;  // (word, pos) -> antonyms
  for (const auto& synset : wordnet.synsets())
    for (const auto& pointer : synset.pointers) {
      if (pointer.symbol != "!" || pointer.source_word == 0) continue;
      const std::string& word = synset.words[static_cast<size_t>(pointer.source_word - 1)];
      const Synset& other = wordnet.synset(pointer.pos, pointer.target);
      const std::string& opposite = other.words[static_cast<size_t>(pointer.target_word - 1)];
      if (simple_word(word) && simple_word(opposite)) antonyms[{word, synset.pos}].insert(opposite);
    }
  std::map<char, std::vector<std::string>> pools;
  for (char pos : {'n', 'v', 'a', 'r'}) pools[pos] = simple_lemmas(wordnet, pos);
  std::vector<Example> candidates;
  for (const auto& [key, opposites] : antonyms) {
    Example example;
    example.set("word", key.first);
    example.set("pos", pos_name(key.second));
    example.target = *opposites.begin();
    example.rationale = "The opposite of \"" + key.first + "\" is \"" + example.target + "\".";
    candidates.push_back(std::move(example));
  }
  std::vector<Example> chosen = take_shuffled(std::move(candidates), count, seed, "wordnet_antonym");
  Draws draws(seed, 0x616e74ULL);
  for (auto& example : chosen) {
    const char pos = pos_letter(example.field("pos"));
    std::set<std::string> excluded = antonyms[{example.field("word"), pos}];
    excluded.insert(example.field("word"));
    example.options = distractors(draws, pools[pos], excluded);
    example.options.insert(example.options.begin(), example.target);
  }
  return chosen;
}

// The hypernym chain (instance hypernyms included) above a noun synset, nearest first, following the
// first hypernym at each step.
std::vector<const Synset*> hypernym_chain(const WordNet& wordnet, const Synset& start) {
  std::vector<const Synset*> chain;
  const Synset* current = &start;
  for (int depth = 0; depth < 32; ++depth) {
    const Synset* next = nullptr;
    for (const auto& pointer : current->pointers)
      if (pointer.symbol == "@" || pointer.symbol == "@i") {
        next = &wordnet.synset('n', pointer.target);
        break;
      }
    if (!next) break;
    chain.push_back(next);
    current = next;
  }
  return chain;
}

// Every word of every ancestor of every noun sense of `lemma` (all hypernym paths).
std::set<std::string> all_ancestor_words(const WordNet& wordnet, const std::string& lemma) {
  std::set<std::string> words;
  std::vector<uint32_t> stack(wordnet.senses(lemma, 'n').begin(), wordnet.senses(lemma, 'n').end());
  std::set<uint32_t> seen;
  while (!stack.empty()) {
    const uint32_t offset = stack.back();
    stack.pop_back();
    for (const auto& pointer : wordnet.synset('n', offset).pointers)
      if ((pointer.symbol == "@" || pointer.symbol == "@i") && seen.insert(pointer.target).second) {
        for (const auto& word : wordnet.synset('n', pointer.target).words) words.insert(word);
        stack.push_back(pointer.target);
      }
  }
  return words;
}

std::vector<Example> hypernym(int64_t count, uint64_t seed) {
  const WordNet& wordnet = shared_wordnet();
  const std::vector<std::string> nouns = simple_lemmas(wordnet, 'n');
  return collect_distinct(count, seed, "wordnet_hypernym", [&](Draws& draws, int64_t index) -> std::optional<Example> {
    const std::string& word = draws.pick(nouns);
    const Synset& sense = wordnet.synset('n', wordnet.senses(word, 'n')[0]);
    const auto chain = hypernym_chain(wordnet, sense);
    if (chain.size() < 2) return std::nullopt;
    const std::set<std::string> ancestors = all_ancestor_words(wordnet, word);
    const bool positive = index % 2 == 0;  // alternate labels: exactly balanced
    std::string category;
    std::string rationale;
    if (positive) {
      const size_t depth = static_cast<size_t>(draws.uniform(0, std::min<int64_t>(3, chain.size() - 1)));
      category = chain[depth]->words[0];
      if (!simple_word(category) || category == word) return std::nullopt;
      std::string previous = word;
      for (size_t i = 0; i <= depth; ++i) {
        const std::string a = article(previous) == "an" ? "An" : "A";
        rationale += (i ? " " : "") + a + " " + previous + " is a kind of " + chain[i]->words[0] + ".";
        previous = chain[i]->words[0];
      }
    } else {
      category = draws.pick(nouns);
      if (category == word || ancestors.count(category)) return std::nullopt;
      rationale = "The kinds that " + article(word) + " " + word + " belongs to are " +
                  std::to_string(ancestors.size()) + " categories such as " + chain[0]->words[0] + ", and " + category +
                  " is not one of them.";
    }
    Example example;
    example.set("word", word);
    example.set("article", article(word));
    example.set("category", category);
    example.target = positive ? "yes" : "no";
    example.options = {"yes", "no"};
    example.rationale = rationale;
    return example;
  });
}

std::vector<Example> part_of_speech(int64_t count, uint64_t seed) {
  const WordNet& wordnet = shared_wordnet();
  std::map<char, std::vector<std::string>> single_pos;
  for (char pos : {'n', 'v', 'a', 'r'})
    for (const auto& lemma : simple_lemmas(wordnet, pos))
      if (wordnet.parts_of_speech(lemma).size() == 1) single_pos[pos].push_back(lemma);
  const std::vector<char> order = {'n', 'v', 'a', 'r'};
  return collect_distinct(count, seed, "wordnet_part_of_speech", [&](Draws& draws, int64_t index) -> std::optional<Example> {
    // Round-robin over the four parts of speech: balanced labels although nouns dominate WordNet.
    const char pos = order[static_cast<size_t>(index % 4)];
    const std::string& word = draws.pick(single_pos[pos]);
    const Synset& sense = wordnet.synset(pos, wordnet.senses(word, pos)[0]);
    Example example;
    example.set("word", word);
    example.target = pos_name(pos);
    example.options = {"noun", "verb", "adjective", "adverb"};
    example.rationale = "\"" + word + "\" is listed only as " + article(example.target) + " " + example.target +
                        ", meaning \"" + sense.definition + "\".";
    return example;
  });
}


}  // namespace

void add_wordnet_tasks(std::vector<BundledTask>& tasks) {
  tasks.push_back(bundled_task("wordnet_definition_to_word", "lexical", "the word (WordNet lemma) for a definition", R"(
[[templates]]
inputs = "Which {pos} means \"{definition}\"?"
[[templates]]
inputs = "Definition: {definition}\n\nWhat {pos} is being defined?"
[[templates]]
inputs = "Give one word for the following definition ({pos}): {definition}"
)", "wordnet", definition_to_word));
  tasks.push_back(bundled_task("wordnet_word_to_definition", "lexical", "the definition of a word with a single sense", R"(
[[templates]]
inputs = "What does the {pos} \"{word}\" mean?"
[[templates]]
inputs = "Define the word \"{word}\"."
[[templates]]
inputs = "Word: {word}\n\nWrite its dictionary definition."
)", "wordnet", word_to_definition));
  tasks.push_back(bundled_task("wordnet_synonym", "lexical", "pick the synonym of a word among four options", R"(
[[templates]]
inputs = "Which word means the same as \"{word}\"?\n\n{options}"
[[templates]]
inputs = "Pick the synonym of the {pos} \"{word}\".\n\n{options}"
)", "wordnet", synonym));
  tasks.push_back(bundled_task("wordnet_antonym", "lexical", "pick the antonym of a word among four options", R"(
[[templates]]
inputs = "What is the opposite of \"{word}\"?\n\n{options}"
[[templates]]
inputs = "Choose the antonym of the {pos} \"{word}\".\n\n{options}"
)", "wordnet", antonym));
  tasks.push_back(bundled_task("wordnet_hypernym", "lexical", "is an X a kind of Y? (balanced yes/no)", R"(
[[templates]]
inputs = "Is {article} {word} a kind of {category}?\n\n{options}"
[[templates]]
inputs = "Question: Does \"{word}\" name a type of {category}?\n\n{options}"
)", "wordnet", hypernym));
  tasks.push_back(bundled_task("wordnet_part_of_speech", "lexical", "the part of speech of a word with one (balanced)", R"(
[[templates]]
inputs = "What part of speech is \"{word}\"?\n\n{options}"
[[templates]]
inputs = "Word: {word}\n\nIs this word a noun, a verb, an adjective or an adverb?\n\n{options}"
)", "wordnet", part_of_speech));
}

}  // namespace hone::tasks
