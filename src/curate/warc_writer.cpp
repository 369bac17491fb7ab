#include "curate/warc_writer.h"

#include <zlib.h>

#include <cstdio>
#include <ctime>
#include <filesystem>

#include <xxhash.h>

#include "core/error.h"

namespace hone::curate {

namespace {

std::string gzip_member(const std::string& data, int level, const std::string& path) {
  z_stream z{};
  // windowBits 16 + 15: a gzip header and trailer around the deflate stream.
  HONE_CHECK(deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK,
             "cannot start gzip compression for ", path, " (level ", level, " must be 0..9)");
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  HONE_CHECK(status == Z_STREAM_END, "gzip compression failed while writing ", path);
  return out;
}

// A UUID-formatted id from a 128-bit hash, with the RFC 9562 "custom" version (8) and variant bits.
std::string record_id(std::uint64_t sequence, const std::string& url, const std::string& body) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  XXH3_128bits_update(state, &sequence, sizeof sequence);
  XXH3_128bits_update(state, url.data(), url.size());
  const char separator = '\n';
  XXH3_128bits_update(state, &separator, 1);
  XXH3_128bits_update(state, body.data(), body.size());
  XXH128_hash_t h = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  h.high64 = (h.high64 & ~std::uint64_t{0xF000}) | 0x8000;
  h.low64 = (h.low64 & ~(std::uint64_t{3} << 62)) | (std::uint64_t{2} << 62);
  char text[64];
  std::snprintf(text, sizeof text, "<urn:uuid:%08llx-%04llx-%04llx-%04llx-%012llx>",
                static_cast<unsigned long long>(h.high64 >> 32), static_cast<unsigned long long>((h.high64 >> 16) & 0xFFFF),
                static_cast<unsigned long long>(h.high64 & 0xFFFF), static_cast<unsigned long long>(h.low64 >> 48),
                static_cast<unsigned long long>(h.low64 & 0xFFFFFFFFFFFFull));
  return text;
}

// Header values must stay on one line.
void check_header_value(const std::string& name, const std::string& value) {
  HONE_CHECK(value.find_first_of("\r\n") == std::string::npos, "WARC header ", name,
             " must not contain a line break, got '", value, "'");
}

}  // namespace

std::string warc_date_from_unix(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

WarcWriter::WarcWriter(const std::string& path, int gzip_level) : path_(path), gzip_level_(gzip_level) {
  const std::string name = std::filesystem::path(path).filename().string();
  HONE_CHECK(name.ends_with(".warc") || name.ends_with(".warc.gz"), "WARC output '", path,
             "' must end in .warc or .warc.gz (the readers choose the format by the name)");
  gzip_ = name.ends_with(".gz");
  temp_path_ = path + ".tmp";
  out_.open(temp_path_, std::ios::binary | std::ios::trunc);
  HONE_CHECK(out_.good(), "cannot create ", temp_path_, "; check that the directory exists and is writable");
}

WarcWriter::~WarcWriter() {
  if (!closed_) {
    out_.close();
    std::error_code ignored;
    std::filesystem::remove(temp_path_, ignored);
  }
}

void WarcWriter::write_record(const std::string& record) {
  HONE_CHECK(!closed_, "WARC writer for ", path_, " is already closed");
  const std::string bytes = gzip_ ? gzip_member(record, gzip_level_, path_) : record;
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  HONE_CHECK(out_.good(), "cannot write ", temp_path_, " (disk full?)");
  bytes_written_ += bytes.size();
  ++records_;
}

void WarcWriter::write_warcinfo(const std::string& date, const std::string& fields) {
  check_header_value("WARC-Date", date);
  std::string block = fields;
  if (!block.empty() && !block.ends_with("\r\n")) block += "\r\n";
  const std::string name = std::filesystem::path(path_).filename().string();
  std::string record = "WARC/1.1\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: " + record_id(records_, name, block) +
                       "\r\nWARC-Date: " + date + "\r\nWARC-Filename: " + name +
                       "\r\nContent-Type: application/warc-fields\r\nContent-Length: " + std::to_string(block.size()) +
                       "\r\n\r\n" + block + "\r\n\r\n";
  write_record(record);
}

std::string WarcWriter::write_response(const std::string& url, const std::string& date, const std::string& content_type,
                                       const std::string& body) {
  check_header_value("WARC-Target-URI", url);
  check_header_value("WARC-Date", date);
  check_header_value("Content-Type", content_type);
  const std::string http = "HTTP/1.1 200 OK\r\nContent-Type: " + content_type +
                           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  const std::string id = record_id(records_, url, body);
  std::string record = "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: " + id + "\r\nWARC-Date: " + date +
                       "\r\nWARC-Target-URI: " + url +
                       "\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: " +
                       std::to_string(http.size() + body.size()) + "\r\n\r\n";
  record.reserve(record.size() + http.size() + body.size() + 4);
  record += http;
  record += body;
  record += "\r\n\r\n";
  write_record(record);
  return id;
}

void WarcWriter::close() {
  if (closed_) return;
  out_.close();
  HONE_CHECK(!out_.fail(), "cannot finish writing ", temp_path_, " (disk full?)");
  std::error_code error;
  std::filesystem::rename(temp_path_, path_, error);
  HONE_CHECK(!error, "cannot rename ", temp_path_, " to ", path_, ": ", error.message());
  closed_ = true;
}

}  // namespace hone::curate
