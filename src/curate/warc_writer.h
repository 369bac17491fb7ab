#pragma once
// Writes WARC files: a `warcinfo` record, then `response` records that hold an HTTP 200 response with
// the payload bytes unchanged. A name ending in `.warc.gz` gets one gzip member per record (as Common
// Crawl writes them, so readers can seek and skip damage record by record); `.warc` is plain. The file
// is written under a temporary name and renamed by close(), so a crash never leaves a half file that
// looks complete.
//
// Output is deterministic: record ids are UUIDs hashed from the record's sequence number, URL and
// payload, and nothing reads the clock, so the same calls give the same bytes.
#include <cstdint>
#include <fstream>
#include <string>

namespace hone::curate {

class WarcWriter {
 public:
  // Throws hone::Error when the name does not end in .warc or .warc.gz or the file cannot be created.
  explicit WarcWriter(const std::string& path, int gzip_level = 6);
  ~WarcWriter();  // without close(): removes the temporary file
  WarcWriter(const WarcWriter&) = delete;
  WarcWriter& operator=(const WarcWriter&) = delete;

  // A warcinfo record; `fields` are "name: value" lines (CRLF is added).
  void write_warcinfo(const std::string& date, const std::string& fields);
  // A response record for `url`: WARC-Date `date` (ISO 8601, e.g. 2024-03-01T12:00:00Z), an HTTP/1.1
  // 200 head with `content_type` (e.g. "text/html; charset=utf-8") and the body bytes as given.
  // Returns the record's WARC-Record-ID.
  std::string write_response(const std::string& url, const std::string& date, const std::string& content_type,
                             const std::string& body);

  // Flushes and renames the temporary file to the final name.
  void close();

  std::uint64_t records() const { return records_; }
  std::uint64_t bytes_written() const { return bytes_written_; }

 private:
  void write_record(const std::string& record);

  std::string path_;
  std::string temp_path_;
  bool gzip_;
  int gzip_level_;
  std::ofstream out_;
  bool closed_ = false;
  std::uint64_t records_ = 0;
  std::uint64_t bytes_written_ = 0;
};

// "2024-03-01T12:00:00Z" for seconds since the Unix epoch (UTC).
std::string warc_date_from_unix(std::int64_t seconds);

}  // namespace hone::curate
