#pragma once
// A web-like test corpus for the pipeline runner: English documentation pages (valgrind's HTML manual
// from Debian when installed, generated English prose otherwise) wrapped in planted boilerplate, packed
// into WARC files together with planted exact duplicates, near-duplicates, a page that repeats a long
// passage of another, German and French pages, junk and one corrupt record, plus a JSONL file with ids,
// metadata and one malformed line. The builder remembers what it planted so tests can check the output.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "warc_test_files.h"

namespace hone::curate::testing {

// Deterministic on every platform (std distributions are not).
class TinyRng {
 public:
  explicit TinyRng(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

// Sentences from a word list; `stops` are mixed in so the text reads as the language to CLD2 and
// passes Gopher's stop-word rule (for English).
inline std::string generated_paragraph(TinyRng& rng, const std::vector<std::string>& words,
                                       const std::vector<std::string>& stops, int sentences) {
  std::string out;
  for (int s = 0; s < sentences; ++s) {
    const int length = 9 + static_cast<int>(rng.below(8));
    for (int w = 0; w < length; ++w) {
      std::string word = (w % 3 == 1) ? stops[rng.below(stops.size())] : words[rng.below(words.size())];
      if (w == 0) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
      out += (w ? " " : (s ? " " : "")) + word;
    }
    out += ".";
  }
  return out;
}

inline const std::vector<std::string>& english_words() {
  static const std::vector<std::string> words = {
      "memory", "program", "error", "report", "thread", "function", "value", "option", "tool", "debugger",
      "output", "manual", "section", "example", "system", "library", "compiler", "address", "pointer", "block",
      "stack", "heap", "signal", "process", "command", "line", "source", "file", "user", "check",
      "leak", "access", "call", "return", "variable", "instruction", "machine", "platform", "release", "version",
      "run", "shows", "finds", "reads", "writes", "uses", "needs", "gives", "starts", "stops",
      "useful", "large", "small", "simple", "careful", "common", "usual", "different", "important", "clear"};
  return words;
}
inline const std::vector<std::string>& english_stops() {
  static const std::vector<std::string> w = {"the", "of", "and", "to", "with", "that", "is", "in", "for", "on", "have", "be"};
  return w;
}
inline const std::vector<std::string>& german_words() {
  static const std::vector<std::string> w = {
      "Speicher", "Programm", "Fehler", "Bericht", "Zeiger", "Funktion", "Wert", "Werkzeug", "Ausgabe", "Handbuch",
      "Abschnitt", "Beispiel", "Rechner", "Bibliothek", "Übersetzer", "Adresse", "Benutzer", "Datei", "Zeile", "Quelle",
      "zeigt", "findet", "liest", "schreibt", "benutzt", "braucht", "gibt", "beginnt", "wichtig", "einfach",
      "groß", "klein", "verschieden", "gewöhnlich", "nützlich", "sorgfältig", "immer", "manchmal", "häufig", "später"};
  return w;
}
inline const std::vector<std::string>& german_stops() {
  static const std::vector<std::string> w = {"der", "die", "das", "und", "nicht", "mit", "ist", "auch", "auf", "sich", "für", "wird"};
  return w;
}
inline const std::vector<std::string>& french_words() {
  static const std::vector<std::string> w = {
      "mémoire", "programme", "erreur", "rapport", "pointeur", "fonction", "valeur", "outil", "sortie", "manuel",
      "section", "exemple", "système", "bibliothèque", "compilateur", "adresse", "utilisateur", "fichier", "ligne", "source",
      "montre", "trouve", "lit", "écrit", "utilise", "demande", "donne", "commence", "important", "simple",
      "grand", "petit", "différent", "habituel", "utile", "soigneux", "toujours", "parfois", "souvent", "ensuite"};
  return w;
}
inline const std::vector<std::string>& french_stops() {
  static const std::vector<std::string> w = {"le", "la", "les", "et", "des", "est", "une", "dans", "pour", "que", "avec", "pas"};
  return w;
}

// The main text of one page: 4+ paragraphs of prose.
struct PageText {
  std::string title;
  std::vector<std::string> paragraphs;
};

// Pages of real documentation when /usr/share/doc/valgrind/html exists (paragraphs of plain text,
// >= 100 chars, 4 per page), else generated English.
inline std::vector<PageText> english_pages(int wanted, bool allow_real_docs, bool& real_docs) {
  std::vector<PageText> pages;
  const std::filesystem::path dir = "/usr/share/doc/valgrind/html";
  real_docs = false;
  if (allow_real_docs && std::filesystem::exists(dir)) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".html") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    static const std::regex para("<p>([^<&]{150,})</p>");
    std::set<std::string> seen;
    for (const auto& file : files) {
      std::ifstream in(file);
      std::stringstream ss;
      ss << in.rdbuf();
      const std::string html = ss.str();
      std::vector<std::string> paragraphs;
      for (auto it = std::sregex_iterator(html.begin(), html.end(), para); it != std::sregex_iterator(); ++it) {
        std::string p = (*it)[1].str();
        // Whitespace collapsed as extraction does, so tests can find the paragraph in the output.
        std::string collapsed;
        for (char ch : p) {
          const bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
          if (space && (collapsed.empty() || collapsed.back() == ' ')) continue;
          collapsed += space ? ' ' : ch;
        }
        while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
        p = collapsed;
        if (seen.insert(p).second) paragraphs.push_back(p);
      }
      for (std::size_t i = 0; i + 4 <= paragraphs.size() && static_cast<int>(pages.size()) < wanted; i += 4) {
        pages.push_back({file.stem().string() + " part " + std::to_string(i / 4 + 1),
                         {paragraphs.begin() + static_cast<long>(i), paragraphs.begin() + static_cast<long>(i) + 4}});
      }
    }
    real_docs = static_cast<int>(pages.size()) >= wanted / 2;
    if (!real_docs) pages.clear();
  }
  TinyRng rng(11);
  while (static_cast<int>(pages.size()) < wanted) {
    PageText page{"Generated manual section " + std::to_string(pages.size()), {}};
    for (int p = 0; p < 4; ++p) page.paragraphs.push_back(generated_paragraph(rng, english_words(), english_stops(), 5));
    pages.push_back(std::move(page));
  }
  return pages;
}

// Boilerplate planted around the main text; none of it may survive extraction.
inline const std::vector<std::string>& planted_boilerplate() {
  static const std::vector<std::string> lines = {
      "We use cookies to improve your experience on this site. Accept all cookies",
      "Share on Twitter", "Subscribe to our newsletter for weekly updates and offers",
      "Copyright 2024 Example Docs Mirror. Privacy policy and terms of use apply."};
  return lines;
}

inline std::string page_html(const PageText& page) {
  const auto& b = planted_boilerplate();
  std::string html = "<!doctype html><html><head><title>" + page.title + "</title></head><body>";
  html += "<nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/docs\">Docs</a></li><li><a href=\"/blog\">Blog</a></li></ul></nav>";
  html += "<div class=\"cookie-banner\"><p>" + b[0] + "</p></div>";
  html += "<main><h1>" + page.title + "</h1>";
  for (const auto& p : page.paragraphs) html += "<p>" + p + "</p>";
  html += "</main><div class=\"social share\"><a href=\"#\">" + b[1] + "</a></div>";
  html += "<aside><p>" + b[2] + "</p></aside><footer><p>" + b[3] + "</p></footer></body></html>";
  return html;
}

// A copy of `page` with one word replaced every `every` words (Jaccard of 5-gram shingles stays high).
inline PageText near_copy(const PageText& page, int every) {
  PageText copy = page;
  int count = 0;
  for (auto& p : copy.paragraphs) {
    std::string out, word;
    std::istringstream in(p);
    while (in >> word) {
      if (++count % every == 0) word = "changed" + std::to_string(count);
      out += (out.empty() ? "" : " ") + word;
    }
    p = out;
  }
  return copy;
}

struct PlantedCorpus {
  std::vector<std::string> inputs;
  bool real_docs = false;
  std::vector<std::string> good_ids;                 // English pages expected to pass the filters
  std::vector<std::pair<std::string, std::string>> duplicate_pairs;  // (original, exact or near copy)
  std::string repeated_passage;                      // a paragraph copied into a second page
  std::string passage_original_id, passage_copy_id;
  std::vector<std::string> foreign_ids;              // German and French pages
  std::vector<std::string> junk_ids;                 // navigation only, spam repetition, symbols, blocked URL
  std::string after_corrupt_id;                      // the record right after the corrupt one
  std::string jsonl_id = "jsonl-doc-1";
};

inline std::string page_record(const std::string& id, const std::string& url, const std::string& html) {
  return warc_record("response", id, url, "application/http; msgtype=response",
                     http_response(200, "text/html; charset=utf-8", html));
}

// Writes the corpus into `dir`: four WARC files (two gzip-per-record) and one JSONL file.
inline PlantedCorpus build_planted_corpus(const std::filesystem::path& dir, bool allow_real_docs = true, int good_pages = 40) {
  if (good_pages < 16) throw std::invalid_argument("build_planted_corpus needs >= 16 good pages (copies use pages 0..13)");
  PlantedCorpus c;
  std::vector<PageText> pages = english_pages(good_pages + 1, allow_real_docs, c.real_docs);
  const PageText jsonl_page = pages.back();
  pages.pop_back();
  std::vector<std::vector<std::string>> files(4);
  int n = 0;
  auto add = [&](std::size_t file, const std::string& kind, const std::string& html, const std::string& host = "docs.example.org") {
    const std::string id = "<urn:uuid:" + kind + "-" + std::to_string(n) + ">";
    files[file].push_back(page_record(id, "https://" + host + "/" + kind + "/" + std::to_string(n), html));
    ++n;
    return id;
  };
  for (std::size_t i = 0; i < pages.size(); ++i) c.good_ids.push_back(add(i % 4, "good", page_html(pages[i])));
  // Exact copies (same page, another URL) and near copies, in other files than their originals.
  for (std::size_t i = 0; i < 4; ++i)
    c.duplicate_pairs.emplace_back(c.good_ids[i], add((i + 1) % 4, "exact-copy", page_html(pages[i])));
  for (std::size_t i = 4; i < 8; ++i)
    c.duplicate_pairs.emplace_back(c.good_ids[i], add((i + 2) % 4, "near-copy", page_html(near_copy(pages[i], 40))));
  // One long passage of page 10 repeated inside a page of otherwise new text.
  TinyRng rng(5);
  PageText host{"A page quoting another", {}};
  for (int p = 0; p < 5; ++p) host.paragraphs.push_back(generated_paragraph(rng, english_words(), english_stops(), 5));
  c.repeated_passage = pages[10].paragraphs[1];
  host.paragraphs.insert(host.paragraphs.begin() + 2, c.repeated_passage);
  c.passage_original_id = c.good_ids[10];
  c.passage_copy_id = add(3, "quoting", page_html(host));
  // German and French pages.
  for (int i = 0; i < 6; ++i) {
    const bool german = i % 2 == 0;
    PageText page{german ? "Handbuch Abschnitt" : "Section du manuel", {}};
    for (int p = 0; p < 4; ++p)
      page.paragraphs.push_back(german ? generated_paragraph(rng, german_words(), german_stops(), 5)
                                       : generated_paragraph(rng, french_words(), french_stops(), 5));
    c.foreign_ids.push_back(add(static_cast<std::size_t>(i) % 4, german ? "german" : "french", page_html(page)));
  }
  // Junk.
  std::string nav_only = "<html><body><nav>";
  for (int i = 0; i < 30; ++i) nav_only += "<a href=\"/p" + std::to_string(i) + "\">Link " + std::to_string(i) + "</a> ";
  nav_only += "</nav></body></html>";
  c.junk_ids.push_back(add(0, "junk-nav", nav_only));
  std::string spam = "<html><body>";
  for (int i = 0; i < 30; ++i)
    spam += "<p>Buy cheap replica watches online today with free shipping and the best prices anywhere in the world right now</p>";
  c.junk_ids.push_back(add(1, "junk-spam", spam + "</body></html>"));
  std::string symbols = "<html><body>";
  for (int i = 0; i < 20; ++i)
    symbols += "<p>#### $$$ ### @@@ %%% " + std::to_string(1000 + i) + " ### #### ##### ###### ### ## # ### #### ##### ######## ### 777 ###</p>";
  c.junk_ids.push_back(add(2, "junk-symbols", symbols + "</body></html>"));
  c.junk_ids.push_back(add(3, "junk-casino", page_html(pages[12]), "best-casino-bonus.example.com"));
  // A corrupt record (Content-Length that is not a number) followed by a good page, in file 1.
  std::string corrupt = page_record("<urn:uuid:corrupt>", "https://docs.example.org/corrupt", page_html(pages[13]));
  const std::size_t length = corrupt.find("Content-Length: ");
  corrupt.replace(length, 16, "Content-Length: x");
  files[1].push_back(corrupt);
  PageText after{"Page after the corrupt record", {}};
  for (int p = 0; p < 4; ++p) after.paragraphs.push_back(generated_paragraph(rng, english_words(), english_stops(), 5));
  c.after_corrupt_id = add(1, "after-corrupt", page_html(after));

  const std::vector<std::string> names = {"crawl-a.warc.gz", "crawl-b.warc", "crawl-c.warc.gz", "crawl-d.warc"};
  for (std::size_t f = 0; f < 4; ++f) {
    const bool gzip = names[f].ends_with(".gz");
    write_file(dir / names[f], gzip ? gzip_per_record(files[f]) : concat(files[f]));
    c.inputs.push_back((dir / names[f]).string());
  }
  // JSONL: text documents with ids and metadata, and one malformed line.
  std::string text;
  for (const auto& p : jsonl_page.paragraphs) text += (text.empty() ? "" : "\n\n") + p;
  nlohmann::json doc = {{"id", c.jsonl_id}, {"text", text}, {"metadata", {{"source", "unit-test"}, {"n", 1}}}};
  write_file(dir / "notes.jsonl", doc.dump() + "\n{\"text\": \"an unterminated string\n");
  c.inputs.push_back((dir / "notes.jsonl").string());
  std::sort(c.inputs.begin(), c.inputs.end());
  return c;
}

}  // namespace hone::curate::testing
