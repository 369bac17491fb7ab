#include "tasks/wordnet.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace hone::tasks {
namespace {

constexpr const char* kFileNames[4] = {"noun", "verb", "adj", "adv"};
constexpr char kPosLetters[4] = {'n', 'v', 'a', 'r'};

int pos_slot(char pos) {
  switch (pos) {
    case 'n': return 0;
    case 'v': return 1;
    case 'a': case 's': return 2;
    case 'r': return 3;
  }
  fail("WordNet: unknown part of speech '", pos, "'");
}

uint64_t key(char pos, uint32_t offset) { return (static_cast<uint64_t>(pos_slot(pos)) << 32) | offset; }

std::string clean_word(std::string word) {
  // Adjectives may carry a syntactic marker: "galore(ip)", "elect(p)", "former(a)".
  if (!word.empty() && word.back() == ')') {
    const auto open = word.rfind('(');
    if (open != std::string::npos) word.resize(open);
  }
  for (char& c : word)
    if (c == '_') c = ' ';
  return word;
}

std::ifstream open_or_fail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HONE_CHECK(in.good(), "cannot read WordNet file ", path,
             ": install the Debian package wordnet-base (scripts/setup.sh does)");
  return in;
}

}  // namespace

std::string pos_name(char pos) {
  switch (pos) {
    case 'n': return "noun";
    case 'v': return "verb";
    case 'a': case 's': return "adjective";
    case 'r': return "adverb";
  }
  fail("WordNet: unknown part of speech '", pos, "'");
}

char pos_letter(const std::string& name) {
  for (char pos : {'n', 'v', 'a', 'r'})
    if (pos_name(pos) == name) return pos;
  fail("unknown part of speech '", name, "': use noun, verb, adjective or adverb");
}

Synset parse_synset_line(const std::string& line) {
  const auto bar = line.find(" | ");
  std::istringstream in(line.substr(0, bar));
  Synset synset;
  std::string lex_filenum, ss_type, count_hex;
  in >> synset.offset >> lex_filenum >> ss_type >> count_hex;
  HONE_CHECK(!in.fail() && ss_type.size() == 1, "WordNet: malformed data line: ", line.substr(0, 80));
  synset.pos = ss_type[0] == 's' ? 'a' : ss_type[0];
  pos_slot(synset.pos);
  const int word_count = std::stoi(count_hex, nullptr, 16);
  for (int i = 0; i < word_count; ++i) {
    std::string word, lex_id;
    in >> word >> lex_id;
    synset.words.push_back(clean_word(word));
  }
  int pointer_count = 0;
  in >> pointer_count;
  for (int i = 0; i < pointer_count; ++i) {
    WordNetPointer pointer;
    std::string pos, source_target;
    in >> pointer.symbol >> pointer.target >> pos >> source_target;
    HONE_CHECK(!in.fail() && pos.size() == 1 && source_target.size() == 4, "WordNet: malformed pointer in synset ",
               synset.offset);
    pointer.pos = pos[0] == 's' ? 'a' : pos[0];
    pointer.source_word = std::stoi(source_target.substr(0, 2), nullptr, 16);
    pointer.target_word = std::stoi(source_target.substr(2, 2), nullptr, 16);
    synset.pointers.push_back(pointer);
  }
  HONE_CHECK(!in.fail(), "WordNet: malformed data line for synset ", synset.offset);
  if (bar != std::string::npos) {
    synset.gloss = line.substr(bar + 3);
    while (!synset.gloss.empty() && (synset.gloss.back() == ' ' || synset.gloss.back() == '\r')) synset.gloss.pop_back();
    // The definition ends where the first quoted usage example begins ("...; \"the dog barked\"").
    const auto quote = synset.gloss.find("; \"");
    synset.definition = synset.gloss.substr(0, quote);
    while (!synset.definition.empty() && (synset.definition.back() == ' ' || synset.definition.back() == ';'))
      synset.definition.pop_back();
  }
  return synset;
}

bool WordNet::available(const std::string& dir) {
  for (const char* name : kFileNames)
    if (!std::filesystem::exists(dir + "/data." + name) || !std::filesystem::exists(dir + "/index." + name))
      return false;
  return true;
}

WordNet WordNet::load(const std::string& dir) {
  WordNet wordnet;
  for (int slot = 0; slot < 4; ++slot) {
    std::ifstream data = open_or_fail(dir + "/data." + kFileNames[slot]);
    std::string line;
    while (std::getline(data, line)) {
      if (line.empty() || line[0] == ' ') continue;  // the licence header lines start with two spaces
      Synset synset = parse_synset_line(line);
      wordnet.by_key_[key(synset.pos, synset.offset)] = wordnet.synsets_.size();
      wordnet.synsets_.push_back(std::move(synset));
    }
    std::ifstream index = open_or_fail(dir + "/index." + kFileNames[slot]);
    while (std::getline(index, line)) {
      if (line.empty() || line[0] == ' ') continue;
      // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
      std::istringstream in(line);
      std::string lemma, pos;
      int synset_count = 0, pointer_count = 0;
      in >> lemma >> pos >> synset_count >> pointer_count;
      std::string skip;
      for (int i = 0; i < pointer_count + 2; ++i) in >> skip;
      std::vector<uint32_t> offsets(static_cast<size_t>(synset_count));
      for (auto& offset : offsets) in >> offset;
      HONE_CHECK(!in.fail(), "WordNet: malformed index line in index.", kFileNames[slot], ": ", line.substr(0, 80));
      wordnet.index_[slot][clean_word(lemma)] = std::move(offsets);
    }
  }
  HONE_CHECK(!wordnet.synsets_.empty(), "WordNet: no synsets found under ", dir);
  return wordnet;
}

const Synset* WordNet::find(char pos, uint32_t offset) const {
  const auto it = by_key_.find(key(pos, offset));
  return it == by_key_.end() ? nullptr : &synsets_[it->second];
}

const Synset& WordNet::synset(char pos, uint32_t offset) const {
  const Synset* found = find(pos, offset);
  HONE_CHECK(found != nullptr, "WordNet: no ", pos_name(pos), " synset at offset ", offset);
  return *found;
}

const std::vector<uint32_t>& WordNet::senses(const std::string& lemma, char pos) const {
  static const std::vector<uint32_t> none;
  const auto& map = index_[pos_slot(pos)];
  const auto it = map.find(lemma);
  return it == map.end() ? none : it->second;
}

std::string WordNet::parts_of_speech(const std::string& lemma) const {
  std::string out;
  for (int slot = 0; slot < 4; ++slot)
    if (index_[slot].count(lemma)) out += kPosLetters[slot];
  return out;
}

const std::unordered_map<std::string, std::vector<uint32_t>>& WordNet::index(char pos) const {
  return index_[pos_slot(pos)];
}

}  // namespace hone::tasks
