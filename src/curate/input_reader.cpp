#include "curate/input_reader.h"

#include <chrono>
#include <filesystem>

#include "core/error.h"
#include "curate/jsonl_writer.h"
#include "data/document_reader.h"
#include "data/line_reader.h"

namespace hone::curate {

InputKind input_kind(const std::string& path) {
  const std::string name = std::filesystem::path(path).filename().string();
  if (name.ends_with(".warc") || name.ends_with(".warc.gz")) return InputKind::Warc;
  if (is_jsonl_name(path)) return InputKind::Jsonl;
  return InputKind::Text;
}

InputReader::InputReader(const std::string& path) : path_(path), kind_(input_kind(path)) {
  HONE_CHECK(std::filesystem::is_regular_file(path), "cannot read curation input '", path, "': not a file");
  if (kind_ == InputKind::Warc) warc_ = std::make_unique<WarcReader>(path);
  if (kind_ == InputKind::Jsonl) lines_ = std::make_unique<LineReader>(path);
}

InputReader::~InputReader() = default;

bool InputReader::next_jsonl(Document& doc) {
  for (;;) {
    try {
      if (!lines_->next(line_)) return false;
    } catch (const Error&) {
      // A broken compressed stream: what came before stays, the rest of the file is lost.
      stats_.add_counter("truncated_files", 1);
      return false;
    }
    stats_.bytes_in += line_.size() + 1;
    if (line_.find_first_not_of(" \t\r") == std::string::npos) continue;
    stats_.docs_in += 1;
    try {
      parse_jsonl_document(line_, path_ + ":" + std::to_string(lines_->line_number()), doc);
      return true;
    } catch (const Error&) {
      stats_.add_drop("corrupt_record");
    }
  }
}

bool InputReader::next(Document& doc) {
  const auto start = std::chrono::steady_clock::now();
  bool found = false;
  if (kind_ == InputKind::Warc) {
    found = warc_->next(doc);
  } else if (kind_ == InputKind::Jsonl) {
    found = next_jsonl(doc);
  } else if (!text_done_) {
    text_done_ = true;
    stats_.docs_in += 1;
    stats_.bytes_in += std::filesystem::file_size(path_);
    try {
      DocumentReader reader(path_, TextUnit::File);
      hone::Document text;
      if (reader.next(text)) {
        doc = Document{path_, std::move(text.text), "", nlohmann::json::object()};
        found = true;
      } else {
        stats_.add_drop("empty_file");
      }
    } catch (const Error&) {
      stats_.add_drop("corrupt_record");  // not UTF-8
    }
  }
  if (found) {
    stats_.docs_out += 1;
    stats_.bytes_out += doc.text.size();
  }
  stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return found;
}

FilterStats InputReader::stats() const {
  FilterStats stats = stats_;
  if (kind_ == InputKind::Warc) {
    const WarcStats& w = warc_->stats();
    const std::uint64_t corrupt = w.corrupt_records + w.corrupt_gzip_members;
    stats.docs_in = stats.docs_out + corrupt;
    if (corrupt > 0) stats.drop_reasons["corrupt_record"] = corrupt;
    stats.bytes_in = w.bytes_read;
    const nlohmann::json counters = w.to_json();  // a named object: items() only references it
    for (const auto& [name, value] : counters.items()) {
      if (value.is_number_integer() && value.get<std::int64_t>() > 0) stats.add_counter(name, value.get<std::uint64_t>());
    }
  }
  return stats;
}

}  // namespace hone::curate
