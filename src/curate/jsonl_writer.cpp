#include "curate/jsonl_writer.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "curate/text_chars.h"
#include "data/line_reader.h"

namespace hone::curate {

void record_measurement(Document& doc, const std::string& stage, const std::string& name, nlohmann::json value) {
  if (!doc.metadata.is_object()) doc.metadata = nlohmann::json::object();
  nlohmann::json& slot = doc.metadata[stage];
  if (!slot.is_object()) slot = nlohmann::json::object();
  slot[name] = std::move(value);
}

JsonlZstWriter::JsonlZstWriter(std::string path, int level) : path_(std::move(path)), out_(ZSTD_CStreamOutSize()) {
  file_ = std::fopen(temp_path().c_str(), "wb");
  if (!file_) fail("cannot create '", temp_path(), "': ", std::strerror(errno), " (check the output directory)");
  context_ = ZSTD_createCCtx();
  if (!context_) fail("out of memory creating a zstd compressor");
  ZSTD_CCtx_setParameter(context_, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(context_, ZSTD_c_checksumFlag, 1);  // readers detect damaged shards
}

JsonlZstWriter::~JsonlZstWriter() {
  if (context_) ZSTD_freeCCtx(context_);
  if (file_) {
    std::fclose(file_);
    std::remove(temp_path().c_str());
  }
}

void JsonlZstWriter::compress(const char* data, std::size_t size, ZSTD_EndDirective mode) {
  ZSTD_inBuffer in{data, size, 0};
  for (;;) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    const std::size_t remaining = ZSTD_compressStream2(context_, &out, &in, mode);
    if (ZSTD_isError(remaining)) fail("zstd compression of '", path_, "' failed: ", ZSTD_getErrorName(remaining));
    if (out.pos > 0 && std::fwrite(out_.data(), 1, out.pos, file_) != out.pos)
      fail("writing '", temp_path(), "' failed: ", std::strerror(errno), " (disk full?)");
    const bool done = mode == ZSTD_e_continue ? in.pos == in.size : remaining == 0;
    if (done) return;
  }
}

void JsonlZstWriter::write(const Document& doc) {
  HONE_CHECK(!closed_, "JsonlZstWriter::write after close() for '", path_, "'");
  require_valid_utf8(doc.text, doc.id);
  nlohmann::json record = {{"id", doc.id}, {"text", doc.text}};
  if (!doc.url.empty()) record["url"] = doc.url;
  record["metadata"] = doc.metadata;
  try {
    line_ = record.dump();
  } catch (const nlohmann::json::exception& e) {
    fail("document '", replace_invalid_utf8(doc.id), "' cannot be written as JSON: ", e.what(),
         " (id, url and metadata strings must be UTF-8)");
  }
  line_ += '\n';
  compress(line_.data(), line_.size(), ZSTD_e_continue);
  ++documents_;
  uncompressed_bytes_ += line_.size();
}

void JsonlZstWriter::close() {
  if (closed_) return;
  compress(nullptr, 0, ZSTD_e_end);
  const bool flushed = std::fflush(file_) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  closed_ = true;
  if (!flushed || !closed) {
    std::remove(temp_path().c_str());
    fail("writing '", temp_path(), "' failed: ", std::strerror(errno), " (disk full?)");
  }
  std::error_code error;
  std::filesystem::rename(temp_path(), path_, error);
  if (error) fail("cannot rename '", temp_path(), "' to '", path_, "': ", error.message());
}

struct JsonlDocumentReader::Impl {
  explicit Impl(const std::string& path) : lines(path) {}
  LineReader lines;
  std::string line;
};

JsonlDocumentReader::JsonlDocumentReader(const std::string& path) : impl_(new Impl(path)) {}
JsonlDocumentReader::~JsonlDocumentReader() { delete impl_; }

void parse_jsonl_document(const std::string& line, const std::string& where, Document& doc) {
  if (find_invalid_utf8(line) != std::string::npos) fail(where, ": invalid UTF-8 (re-encode the file as UTF-8)");
  nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded() || !record.is_object()) fail(where, ": not a JSON object (one object per line)");
  auto text = record.find("text");
  if (text == record.end() || !text->is_string()) fail(where, ": missing string field \"text\"");
  doc.text = text->get<std::string>();
  auto id = record.find("id");
  if (id != record.end() && id->is_string()) doc.id = id->get<std::string>();
  else if (id != record.end() && id->is_number()) doc.id = id->dump();
  else doc.id = where;
  auto url = record.find("url");
  doc.url = url != record.end() && url->is_string() ? url->get<std::string>() : std::string();
  auto metadata = record.find("metadata");
  doc.metadata = metadata != record.end() && metadata->is_object() ? std::move(*metadata) : nlohmann::json::object();
}

bool JsonlDocumentReader::next(Document& doc) {
  auto& lines = impl_->lines;
  std::string& line = impl_->line;
  while (lines.next(line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    parse_jsonl_document(line, lines.path() + ":" + std::to_string(lines.line_number()), doc);
    return true;
  }
  return false;
}

}  // namespace hone::curate
