#pragma once
// Reads HTML pages out of WARC files (`.warc`, or `.warc.gz` with one gzip member per record as Common
// Crawl writes them; a single-member .gz works too). Only `response` records that carry an HTTP 2xx
// response with an HTML payload become documents; everything else is skipped and counted. The file is
// streamed: memory holds one record at a time (records over `max_record_bytes` are skipped unread).
//
// Damage does not stop a file: a record whose header, Content-Length or gzip member is broken is
// counted as corrupt and the reader resynchronises on the next line starting "WARC/1." (in a .gz, the
// next gzip member). A file cut short ends with the last complete record and counts as truncated.
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "curate/document.h"

namespace hone::curate {

struct WarcReaderOptions {
  std::uint64_t max_record_bytes = std::uint64_t{32} << 20;  // bigger content blocks are skipped, counted
};

// What the reader saw in one file. Every record lands in exactly one of the record counters.
struct WarcStats {
  std::uint64_t records = 0;           // well-formed records of any type
  std::uint64_t html_documents = 0;    // records returned as documents
  std::uint64_t skipped_not_response = 0;  // warcinfo, request, metadata, ...
  std::uint64_t skipped_http_status = 0;   // responses that are not HTTP 2xx (redirects, errors)
  std::uint64_t skipped_not_html = 0;      // images, PDFs, JSON, compressed payloads, ...
  std::uint64_t skipped_oversized = 0;     // content blocks above max_record_bytes
  std::uint64_t corrupt_records = 0;       // bad headers, bad Content-Length, bad HTTP head
  std::uint64_t corrupt_gzip_members = 0;  // inflate errors; decoding restarts at the next member
  bool truncated = false;                  // the file ended inside a record
  std::uint64_t charset_converted = 0;     // pages decoded from a charset other than UTF-8
  std::uint64_t utf8_repaired = 0;         // pages with invalid bytes replaced by U+FFFD
  std::uint64_t bytes_read = 0;            // decompressed bytes consumed

  nlohmann::json to_json() const;
  void merge(const WarcStats& other);
};

class WarcByteStream;

class WarcReader {
 public:
  explicit WarcReader(const std::string& path, WarcReaderOptions options = {});
  ~WarcReader();
  WarcReader(const WarcReader&) = delete;
  WarcReader& operator=(const WarcReader&) = delete;

  // The next HTML page: id = WARC-Record-ID, url = WARC-Target-URI, text = the HTML decoded to UTF-8,
  // metadata = {warc_date, http_status, content_type, charset, charset_source}. False at the end.
  // Throws hone::Error only when the file cannot be opened or read at all.
  bool next(Document& document);

  const WarcStats& stats() const { return stats_; }
  const std::string& path() const { return path_; }

 private:
  enum class Step { Document, Skipped, Corrupt, End };
  Step read_record(Document& document);
  bool fill(std::size_t bytes);          // make `bytes` bytes available from pos_; false at the end
  bool resync(std::size_t from);         // move pos_ to the next "WARC/1." line at or after `from`
  void skip_stream(std::uint64_t bytes); // discard bytes without holding them
  void compact();

  std::string path_;
  WarcReaderOptions options_;
  std::unique_ptr<WarcByteStream> stream_;
  std::string buffer_;
  std::size_t pos_ = 0;
  bool at_end_ = false;
  WarcStats stats_;
};

// Charset handling, exposed for tests and for other readers of raw HTML.
// The charset named by an HTTP Content-Type value ("text/html; charset=ISO-8859-1" -> "iso-8859-1"),
// lower-cased and unquoted; empty when there is none.
std::string charset_from_content_type(const std::string& content_type);
// The charset declared by <meta charset=...> or <meta http-equiv="Content-Type" content="...charset=...">
// in the first 4 KiB of the page; empty when there is none.
std::string charset_from_meta(const std::string& html);

struct DecodedHtml {
  std::string text;            // UTF-8
  std::string charset;         // the charset used: "utf-8", "windows-1252" or the iconv name
  std::string source;          // "http", "meta" or "default"
  bool repaired = false;       // invalid bytes became U+FFFD
};
// Decodes a page body: the HTTP charset, else the <meta> one, else UTF-8 when the bytes are valid UTF-8
// and windows-1252 when they are not (the usual encoding of undeclared legacy pages). ISO-8859-1,
// US-ASCII and windows-1252 are decoded here (as the WHATWG Encoding standard says, as windows-1252);
// other charsets go through glibc's iconv. Unknown charsets fall back to UTF-8 with repair.
DecodedHtml decode_html(const std::string& body, const std::string& http_content_type);

// windows-1252 (a superset of ISO-8859-1's printable range) to UTF-8.
std::string windows1252_to_utf8(const std::string& bytes);

}  // namespace hone::curate
