#pragma once
// Documents from a corpus file. JSONL (one JSON object per line with a string `text` field, other
// fields ignored) when the name ends in .jsonl or .json before any .gz/.zst; plain text otherwise,
// split into documents by TextUnit. Text must be valid UTF-8: a bad byte is an error naming the file
// and line, never silently replaced, so the tokenizer and the shards see exactly the corpus.
#include <cstdint>
#include <string>

#include "data/line_reader.h"

namespace hone {

// How a plain text file splits into documents.
enum class TextUnit {
  Paragraph,  // runs of non-blank lines, separated by blank lines (newlines inside are kept)
  Line,       // every non-blank line
  File,       // the whole file
};

TextUnit parse_text_unit(const std::string& name);  // "paragraph", "line", "file"; usage error otherwise
bool is_jsonl_name(const std::string& path);

// The text of one JSONL line; false for a blank line or an empty text. Throws hone::Error naming the
// path and line for invalid UTF-8, malformed JSON or a missing string "text". Safe to call from many
// threads, so bulk readers can parse lines in parallel.
bool parse_jsonl_line(const std::string& path, int64_t line_number, const std::string& line, std::string& text);
void check_utf8_line(const std::string& path, int64_t line_number, const std::string& text);

struct Document {
  std::string text;
  int64_t line = 0;  // 1-based line where the document starts
};

class DocumentReader {
 public:
  explicit DocumentReader(const std::string& path, TextUnit text_unit = TextUnit::Paragraph);
  // The next non-empty document; false at the end of the file.
  bool next(Document& document);
  const std::string& path() const { return lines_.path(); }

 private:
  bool next_jsonl(Document& document);
  bool next_text(Document& document);

  LineReader lines_;
  bool jsonl_;
  TextUnit text_unit_;
  std::string line_;
};

}  // namespace hone
