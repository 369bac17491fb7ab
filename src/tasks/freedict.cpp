#include "tasks/freedict.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace hone::tasks {

uint64_t decode_dictd_number(const std::string& digits) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint64_t value = 0;
  for (char c : digits) {
    const auto at = alphabet.find(c);
    HONE_CHECK(at != std::string::npos, "dictd index: '", digits, "' is not a base64 number");
    value = value * 64 + at;
  }
  return value;
}

std::vector<std::string> parse_translation_line(const std::string& line) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;  // inside <...>, [...], {...} or (...): annotations, dropped
  const auto flush = [&] {
    size_t b = 0, e = current.size();
    while (b < e && current[b] == ' ') ++b;
    while (e > b && current[e - 1] == ' ') --e;
    std::string word = current.substr(b, e - b);
    // Collapse the double spaces left where an annotation was removed.
    std::string clean;
    for (char c : word)
      if (!(c == ' ' && !clean.empty() && clean.back() == ' ')) clean += c;
    if (!clean.empty()) out.push_back(clean);
    current.clear();
  };
  for (char c : line) {
    if (c == '<' || c == '[' || c == '{' || c == '(') {
      ++depth;
    } else if (c == '>' || c == ']' || c == '}' || c == ')') {
      depth = depth > 0 ? depth - 1 : 0;
    } else if (depth == 0 && (c == ',' || c == ';')) {
      flush();
    } else if (depth == 0) {
      current += c;
    }
  }
  flush();
  return out;
}

bool freedict_available(const std::string& prefix) {
  return std::filesystem::exists(prefix + ".index") && std::filesystem::exists(prefix + ".dict.dz");
}

namespace {

std::string read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  HONE_CHECK(file != nullptr, "cannot read ", path,
             ": install the Debian package dict-freedict-eng-deu (scripts/setup.sh does)");
  std::string out;
  char buffer[1 << 16];
  int got = 0;
  while ((got = gzread(file, buffer, sizeof(buffer))) > 0) out.append(buffer, static_cast<size_t>(got));
  const bool failed = got < 0;
  gzclose(file);
  HONE_CHECK(!failed, "cannot decompress ", path, ": the file is damaged; reinstall dict-freedict-eng-deu");
  return out;
}

}  // namespace

std::vector<DictEntry> load_freedict(const std::string& prefix) {
  const std::string dict = read_gzip(prefix + ".dict.dz");
  std::ifstream index(prefix + ".index", std::ios::binary);
  HONE_CHECK(index.good(), "cannot read ", prefix, ".index: install the Debian package dict-freedict-eng-deu");
  std::vector<DictEntry> entries;
  std::string line;
  while (std::getline(index, line)) {
    const auto tab1 = line.find('\t');
    const auto tab2 = line.find('\t', tab1 + 1);
    if (tab1 == std::string::npos || tab2 == std::string::npos) continue;
    DictEntry entry;
    entry.headword = line.substr(0, tab1);
    if (entry.headword.empty() || entry.headword.rfind("00-database", 0) == 0 || entry.headword.rfind("00database", 0) == 0)
      continue;
    const uint64_t offset = decode_dictd_number(line.substr(tab1 + 1, tab2 - tab1 - 1));
    const uint64_t length = decode_dictd_number(line.substr(tab2 + 1));
    HONE_CHECK(offset + length <= dict.size(), prefix, ".index: entry '", entry.headword,
               "' points past the end of the dictionary; the files do not belong together");
    entry.text = dict.substr(offset, length);
    // First line: "dog /dˈɒɡ/"; second: the translations.
    const auto first_end = entry.text.find('\n');
    if (first_end == std::string::npos) continue;
    const std::string first = entry.text.substr(0, first_end);
    if (!(first == entry.headword || first.rfind(entry.headword + " /", 0) == 0)) continue;
    const auto second_end = entry.text.find('\n', first_end + 1);
    entry.translations = parse_translation_line(entry.text.substr(first_end + 1, second_end - first_end - 1));
    if (!entry.translations.empty()) entries.push_back(std::move(entry));
  }
  HONE_CHECK(!entries.empty(), prefix, ": no dictionary entries found");
  return entries;
}

}  // namespace hone::tasks
