#pragma once
// Builds WARC files for the reader tests: records as bytes, written plain, gzip per record (as Common
// Crawl does) or as one gzip member.
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace hone::curate::testing {

inline std::string warc_record(const std::string& type, const std::string& id, const std::string& url,
                               const std::string& content_type, const std::string& block) {
  std::string r = "WARC/1.0\r\nWARC-Type: " + type + "\r\nWARC-Record-ID: " + id +
                  "\r\nWARC-Date: 2024-03-01T12:00:00Z\r\n";
  if (!url.empty()) r += "WARC-Target-URI: " + url + "\r\n";
  if (!content_type.empty()) r += "Content-Type: " + content_type + "\r\n";
  r += "Content-Length: " + std::to_string(block.size()) + "\r\n\r\n" + block + "\r\n\r\n";
  return r;
}

inline std::string http_response(int status, const std::string& content_type, const std::string& body) {
  std::string h = "HTTP/1.1 " + std::to_string(status) + " X\r\nServer: test\r\n";
  if (!content_type.empty()) h += "Content-Type: " + content_type + "\r\n";
  return h + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

inline std::string response_record(int n, const std::string& content_type, const std::string& body, int status = 200) {
  return warc_record("response", "<urn:uuid:rec-" + std::to_string(n) + ">", "https://example.org/page" + std::to_string(n),
                     "application/http; msgtype=response", http_response(status, content_type, body));
}

inline std::string html_page(int n) {
  return "<html><head><title>Page " + std::to_string(n) + "</title></head><body><p>Body of page " +
         std::to_string(n) + " with some text.</p></body></html>";
}

inline std::string gzip_member(const std::string& data) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string concat(const std::vector<std::string>& records) {
  std::string all;
  for (const auto& r : records) all += r;
  return all;
}

inline std::string gzip_per_record(const std::vector<std::string>& records) {
  std::string all;
  for (const auto& r : records) all += gzip_member(r);
  return all;
}

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace hone::curate::testing
