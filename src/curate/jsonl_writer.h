#pragma once
// Curated output: one JSON object per line, {"id", "text", "url"?, "metadata"}, compressed with
// libzstd's streaming API into a .jsonl.zst shard. The shard is written under "<path>.tmp" and renamed
// to its final name only by close(), so a crashed or killed task never leaves a shard that looks
// finished; a relaunch can trust every final name it finds. Metadata is the reader's (WARC date,
// charset, ...) plus what each stage measured, stored by record_measurement().
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <zstd.h>

#include "curate/document.h"

namespace hone::curate {

// Stores a stage's measurement as metadata[stage][name], e.g. ("language", "score", 0.93).
void record_measurement(Document& doc, const std::string& stage, const std::string& name, nlohmann::json value);

class JsonlZstWriter {
 public:
  explicit JsonlZstWriter(std::string path, int level = 3);
  ~JsonlZstWriter();  // without close(): the temp file is removed, the final name never appears
  JsonlZstWriter(const JsonlZstWriter&) = delete;
  JsonlZstWriter& operator=(const JsonlZstWriter&) = delete;

  // Throws hone::Error if the text, id or url is not valid UTF-8 (the shard must be valid JSON).
  void write(const Document& doc);
  // Ends the zstd frame, flushes, fsyncs-by-fclose and renames the temp file to the final path.
  void close();

  std::uint64_t documents() const { return documents_; }
  std::uint64_t uncompressed_bytes() const { return uncompressed_bytes_; }
  const std::string& path() const { return path_; }
  std::string temp_path() const { return path_ + ".tmp"; }

 private:
  void compress(const char* data, std::size_t size, ZSTD_EndDirective mode);

  std::string path_;
  FILE* file_ = nullptr;
  ZSTD_CCtx* context_ = nullptr;
  std::vector<char> out_;
  std::string line_;
  std::uint64_t documents_ = 0;
  std::uint64_t uncompressed_bytes_ = 0;
  bool closed_ = false;
};

// Reads curation documents from JSONL (plain, .gz or .zst): `text` (required string), `id` (string or
// number; "<file>:<line>" when absent), `url` (optional), `metadata` (optional object, kept as is).
// Parses one JSONL line into `doc` (the reader's rules above); `where` ("file:line") starts error
// messages. Throws hone::Error for invalid UTF-8, malformed JSON or a missing "text".
void parse_jsonl_document(const std::string& line, const std::string& where, Document& doc);

class JsonlDocumentReader {
 public:
  explicit JsonlDocumentReader(const std::string& path);
  ~JsonlDocumentReader();
  // False at the end. Throws hone::Error naming the file and line for malformed JSON or bad UTF-8.
  bool next(Document& doc);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace hone::curate
