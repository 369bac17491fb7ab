#pragma once
// A reader for FreeDict dictionaries in dictd format (Debian dict-freedict-eng-deu:
// /usr/share/dictd/freedict-eng-deu.{index,dict.dz}). The .dict.dz file is gzip (dictzip adds a
// random-access table we do not need); the index maps each headword to a base64 offset and length.
#include <cstdint>
#include <string>
#include <vector>

namespace hone::tasks {

inline constexpr const char* kFreeDictEngDeu = "/usr/share/dictd/freedict-eng-deu";

struct DictEntry {
  std::string headword;                  // as in the index (lower case in FreeDict's index)
  std::string text;                      // the raw entry
  std::vector<std::string> translations; // the first sense line split at commas, annotations removed
};

// dictd's base64 numbers: "B9" -> 125.
uint64_t decode_dictd_number(const std::string& digits);
// "Hund <masc> [zool.]" -> "Hund"; "Katze <fem>, Kater <masc>" -> {"Katze", "Kater"}.
std::vector<std::string> parse_translation_line(const std::string& line);

// All entries whose first line names the index headword (entries reached through an abbreviation
// or a cross reference are skipped). Fails naming the package when the files are missing.
std::vector<DictEntry> load_freedict(const std::string& prefix = kFreeDictEngDeu);
bool freedict_available(const std::string& prefix = kFreeDictEngDeu);

}  // namespace hone::tasks
