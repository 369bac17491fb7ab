#include "data/line_reader.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/error.h"

namespace hone {
namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;

bool ends_with(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

FILE* open_or_fail(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) fail("cannot open input file '", path, "': ", std::strerror(errno), " (check the path)");
  return file;
}

class PlainSource final : public ByteSource {
 public:
  explicit PlainSource(const std::string& path) : path_(path), file_(open_or_fail(path)) {}
  ~PlainSource() override { std::fclose(file_); }
  size_t read(char* buffer, size_t capacity) override {
    size_t n = std::fread(buffer, 1, capacity, file_);
    if (n == 0 && std::ferror(file_)) fail("reading '", path_, "' failed: ", std::strerror(errno));
    return n;
  }

 private:
  std::string path_;
  FILE* file_;
};

class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(const std::string& path) : path_(path) {
    std::fclose(open_or_fail(path));  // a clear "cannot open" before zlib's terser error
    file_ = gzopen(path.c_str(), "rb");
    if (!file_) fail("cannot open gzip file '", path, "'");
    gzbuffer(file_, 1 << 18);
  }
  ~GzipSource() override { gzclose(file_); }
  size_t read(char* buffer, size_t capacity) override {
    unsigned request = static_cast<unsigned>(std::min<size_t>(capacity, 1u << 30));
    int n = gzread(file_, buffer, request);
    if (n < 0) {
      int code = 0;
      const char* message = gzerror(file_, &code);
      fail("'", path_, "' is not a valid gzip file: ", message, " (the file may be truncated or corrupt)");
    }
    // gzread returns 0 at a clean end; a stream cut short reports Z_BUF_ERROR there.
    if (n == 0) {
      int code = 0;
      const char* message = gzerror(file_, &code);
      if (code != Z_OK && code != Z_STREAM_END)
        fail("'", path_, "' is not a valid gzip file: ", message, " (the file may be truncated or corrupt)");
    }
    return static_cast<size_t>(n);
  }

 private:
  std::string path_;
  gzFile file_ = nullptr;
};

class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(const std::string& path)
      : path_(path), file_(open_or_fail(path)), context_(ZSTD_createDCtx()), compressed_(ZSTD_DStreamInSize()) {
    if (!context_) fail("out of memory creating a zstd decompressor");
  }
  ~ZstdSource() override {
    ZSTD_freeDCtx(context_);
    std::fclose(file_);
  }
  size_t read(char* buffer, size_t capacity) override {
    ZSTD_outBuffer out{buffer, capacity, 0};
    while (out.pos == 0) {
      if (input_.pos == input_.size) {
        size_t n = std::fread(compressed_.data(), 1, compressed_.size(), file_);
        if (n == 0) {
          if (std::ferror(file_)) fail("reading '", path_, "' failed: ", std::strerror(errno));
          // End of file: fine between frames, an error in the middle of one.
          if (frame_open_) fail("'", path_, "' ends in the middle of a zstd frame (the file is truncated)");
          return 0;
        }
        input_ = ZSTD_inBuffer{compressed_.data(), n, 0};
      }
      size_t hint = ZSTD_decompressStream(context_, &out, &input_);
      if (ZSTD_isError(hint))
        fail("'", path_, "' is not a valid zstd file: ", ZSTD_getErrorName(hint), " (the file may be corrupt)");
      frame_open_ = hint != 0;
    }
    return out.pos;
  }

 private:
  std::string path_;
  FILE* file_;
  ZSTD_DCtx* context_;
  std::vector<char> compressed_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  bool frame_open_ = false;
};

}  // namespace

Compression compression_from_name(const std::string& path) {
  if (ends_with(path, ".gz")) return Compression::Gzip;
  if (ends_with(path, ".zst")) return Compression::Zstd;
  return Compression::None;
}

std::unique_ptr<ByteSource> open_byte_source(const std::string& path) {
  switch (compression_from_name(path)) {
    case Compression::Gzip: return std::make_unique<GzipSource>(path);
    case Compression::Zstd: return std::make_unique<ZstdSource>(path);
    case Compression::None: break;
  }
  return std::make_unique<PlainSource>(path);
}

LineReader::LineReader(const std::string& path) : path_(path), source_(open_byte_source(path)) {}

bool LineReader::refill() {
  if (at_end_) return false;
  buffer_.erase(0, position_);
  position_ = 0;
  size_t old_size = buffer_.size();
  buffer_.resize(old_size + kChunkBytes);
  size_t n = source_->read(buffer_.data() + old_size, kChunkBytes);
  buffer_.resize(old_size + n);
  if (n == 0) at_end_ = true;
  return n > 0;
}

bool LineReader::next(std::string& line) {
  size_t searched = position_;
  for (;;) {
    size_t newline = buffer_.find('\n', searched);
    if (newline != std::string::npos) {
      line.assign(buffer_, position_, newline - position_);
      position_ = newline + 1;
      break;
    }
    size_t pending = buffer_.size() - position_;
    if (!refill()) {
      if (pending == 0) return false;
      line.assign(buffer_, position_, pending);  // a last line without '\n'
      position_ = buffer_.size();
      break;
    }
    searched = position_ + pending;  // refill moved the pending bytes to the front
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  ++line_number_;
  return true;
}

}  // namespace hone
