#pragma once
// Reads a file line by line, decompressing on the fly by its name: `.gz` through zlib, `.zst` through
// libzstd's streaming API, anything else as plain bytes. Memory stays bounded by the longest line, so
// corpora larger than RAM stream through.
#include <cstdint>
#include <memory>
#include <string>

namespace hone {

enum class Compression { None, Gzip, Zstd };

// From the file name's last suffix (.gz, .zst); everything else is uncompressed.
Compression compression_from_name(const std::string& path);

// A source of decompressed bytes.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `capacity` bytes; 0 only at the end of the data. Throws hone::Error on corrupt input.
  virtual size_t read(char* buffer, size_t capacity) = 0;
};

std::unique_ptr<ByteSource> open_byte_source(const std::string& path);

class LineReader {
 public:
  explicit LineReader(const std::string& path);
  // The next line without its '\n' (and without a '\r' before it); false at the end of the file.
  bool next(std::string& line);
  // 1-based number of the line `next` returned last.
  int64_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

 private:
  bool refill();

  std::string path_;
  std::unique_ptr<ByteSource> source_;
  std::string buffer_;
  size_t position_ = 0;
  bool at_end_ = false;
  int64_t line_number_ = 0;
};

}  // namespace hone
