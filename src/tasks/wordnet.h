#pragma once
// A reader for the WordNet 3.x database files (Debian wordnet-base: /usr/share/wordnet/data.* and
// index.*): synsets with their words, gloss and pointers, and each word's senses in frequency order.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace hone::tasks {

inline constexpr const char* kWordNetDir = "/usr/share/wordnet";

struct WordNetPointer {
  std::string symbol;  // "@" hypernym, "@i" instance hypernym, "!" antonym, "~" hyponym, ...
  char pos = 'n';      // n, v, a, r (satellites folded into a)
  uint32_t target = 0; // synset offset in that part of speech's data file
  int source_word = 0; // 1-based word in this synset for lexical pointers; 0: the whole synset
  int target_word = 0;
};

struct Synset {
  char pos = 'n';  // n, v, a, r; adjective satellites ('s') are folded into 'a'
  uint32_t offset = 0;
  std::vector<std::string> words;  // underscores turned to spaces, syntactic markers like "(a)" removed
  std::string gloss;               // the full gloss, definition and quoted examples
  std::string definition;          // the gloss up to its first quoted example
  std::vector<WordNetPointer> pointers;
};

class WordNet {
 public:
  // Reads data.{noun,verb,adj,adv} and index.{noun,verb,adj,adv}; fails naming the missing file and the
  // package to install.
  static WordNet load(const std::string& dir = kWordNetDir);
  static bool available(const std::string& dir = kWordNetDir);

  const std::vector<Synset>& synsets() const { return synsets_; }
  const Synset& synset(char pos, uint32_t offset) const;  // throws when absent
  const Synset* find(char pos, uint32_t offset) const;
  // A lemma's senses in one part of speech, most frequent first (from index.*); lemma in lower case
  // with spaces.
  const std::vector<uint32_t>& senses(const std::string& lemma, char pos) const;
  // Parts of speech in which the lemma has senses ("n", "v", "a", "r" in that order).
  std::string parts_of_speech(const std::string& lemma) const;
  const std::unordered_map<std::string, std::vector<uint32_t>>& index(char pos) const;

 private:
  std::vector<Synset> synsets_;
  std::unordered_map<uint64_t, size_t> by_key_;
  std::unordered_map<std::string, std::vector<uint32_t>> index_[4];
};

// "noun", "verb", "adjective", "adverb".
std::string pos_name(char pos);
// The inverse of pos_name.
char pos_letter(const std::string& name);

// Parses one line of a data.* file (exposed for tests).
Synset parse_synset_line(const std::string& line);

}  // namespace hone::tasks
