#include "data/document_reader.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/utf8.h"

namespace hone {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_blank(const std::string& line) { return line.find_first_not_of(" \t\r\f\v") == std::string::npos; }

}  // namespace

TextUnit parse_text_unit(const std::string& name) {
  if (name == "paragraph") return TextUnit::Paragraph;
  if (name == "line") return TextUnit::Line;
  if (name == "file") return TextUnit::File;
  fail_usage("unknown text unit '", name, "': use paragraph, line or file");
}

bool is_jsonl_name(const std::string& path) {
  std::string name = path;
  for (const char* compressed : {".gz", ".zst"}) {
    if (ends_with(name, compressed)) name.resize(name.size() - std::string(compressed).size());
  }
  return ends_with(name, ".jsonl") || ends_with(name, ".json");
}

DocumentReader::DocumentReader(const std::string& path, TextUnit text_unit)
    : lines_(path), jsonl_(is_jsonl_name(path)), text_unit_(text_unit) {}

void check_utf8_line(const std::string& path, int64_t line_number, const std::string& text) {
  size_t bad = find_invalid_utf8(text);
  if (bad != std::string::npos)
    fail("invalid UTF-8 in '", path, "' line ", line_number, " at byte ", bad + 1,
         " of the line: convert the file to UTF-8 (e.g. with iconv) or remove the line");
}

bool parse_jsonl_line(const std::string& path, int64_t line_number, const std::string& line, std::string& text) {
  if (is_blank(line)) return false;
  check_utf8_line(path, line_number, line);  // before parsing, so the message names the real problem
  nlohmann::json record;
  try {
    record = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    fail("malformed JSON in '", path, "' line ", line_number, ": ", e.what(),
         " (each line must be one JSON object with a \"text\" field)");
  }
  auto field = record.is_object() ? record.find("text") : record.end();
  if (!record.is_object() || field == record.end() || !field->is_string())
    fail("'", path, "' line ", line_number, " has no string field \"text\" (each line must be one JSON object with a \"text\" field)");
  text = field->get<std::string>();
  return !text.empty();
}

bool DocumentReader::next(Document& document) { return jsonl_ ? next_jsonl(document) : next_text(document); }

bool DocumentReader::next_jsonl(Document& document) {
  while (lines_.next(line_)) {
    if (parse_jsonl_line(path(), lines_.line_number(), line_, document.text)) {
      document.line = lines_.line_number();
      return true;
    }
  }
  return false;
}

bool DocumentReader::next_text(Document& document) {
  document.text.clear();
  document.line = 0;
  while (lines_.next(line_)) {
    check_utf8_line(path(), lines_.line_number(), line_);
    const bool blank = is_blank(line_);
    switch (text_unit_) {
      case TextUnit::Line:
        if (blank) continue;
        document.text = line_;
        document.line = lines_.line_number();
        return true;
      case TextUnit::Paragraph:
        if (blank) {
          if (!document.text.empty()) return true;
          continue;
        }
        break;
      case TextUnit::File:
        if (document.text.empty() && blank) continue;  // leading blank lines carry nothing
        break;
    }
    if (document.line == 0) document.line = lines_.line_number();
    else document.text += '\n';
    document.text += line_;
  }
  if (text_unit_ == TextUnit::File) {
    // Trailing blank lines were appended too; drop them.
    document.text.erase(document.text.find_last_not_of(" \t\r\f\v\n") + 1);
  }
  return !document.text.empty();
}

}  // namespace hone
