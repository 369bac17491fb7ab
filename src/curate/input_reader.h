#pragma once
// Documents from any input `hone curate run` accepts, chosen by the file name: WARC (.warc, .warc.gz:
// HTML pages), JSONL (.jsonl/.json, optionally .gz/.zst: `text`, `id`, `url`, `metadata`) or plain text
// (the whole file is one document whose id is the path). Damage never stops a file: corrupt records
// and malformed lines are skipped and counted; a compressed stream that breaks ends the file there
// (counted as truncated) and keeps what was read before.
#include <memory>
#include <string>

#include "curate/document.h"
#include "curate/filter_stats.h"
#include "curate/warc_reader.h"

namespace hone {
class LineReader;
}

namespace hone::curate {

enum class InputKind { Warc, Jsonl, Text };
InputKind input_kind(const std::string& path);

class InputReader {
 public:
  explicit InputReader(const std::string& path);
  ~InputReader();
  InputReader(const InputReader&) = delete;
  InputReader& operator=(const InputReader&) = delete;

  // The next document; false at the end. Throws hone::Error only when the file cannot be opened.
  bool next(Document& doc);

  // The reader as the pipeline's first stage, named "reader": docs_in = documents + corrupt records,
  // docs_out = documents, drop reason "corrupt_record", bytes_in = (decompressed) bytes read,
  // bytes_out = text bytes handed on; WARC files add the WarcStats counters.
  FilterStats stats() const;

 private:
  bool next_jsonl(Document& doc);

  std::string path_;
  InputKind kind_;
  std::unique_ptr<WarcReader> warc_;
  std::unique_ptr<LineReader> lines_;
  std::string line_;
  bool text_done_ = false;
  FilterStats stats_;
};

}  // namespace hone::curate
