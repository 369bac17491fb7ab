#pragma once
// `hone curate pack-warc`: packs HTML files (say Debian's HTML documentation) into a WARC of `response`
// records, so that local pages go through the same reader, extraction and filters as a web crawl.
//
// Inputs are files (packed whatever their name) and directories (every .html, .htm, .xhtml and .shtml
// file below, recursively, in sorted order). Each page keeps its bytes; its HTTP Content-Type carries
// the charset its <meta> declares, else utf-8 when the bytes are valid UTF-8, else none (the reader then
// decodes windows-1252, as browsers do). The URL is `url_prefix` + the path under the input (a
// directory input contributes its own name: `--input /usr/share/debian-reference` gives
// http://localhost/debian-reference/ch01.en.html). WARC-Date is the file's modification time unless
// `date` fixes it; with the same inputs the output is byte-identical.
#include <cstdint>
#include <string>
#include <vector>

namespace hone::curate {

struct WarcPackOptions {
  std::string url_prefix = "http://localhost/";
  std::string date;    // a fixed WARC-Date for every record (ISO 8601); empty: each file's mtime
  int gzip_level = 6;  // for .warc.gz outputs
};

struct WarcPackResult {
  std::uint64_t pages = 0;
  std::uint64_t bytes_in = 0;         // page bytes packed
  std::uint64_t bytes_out = 0;        // bytes of the WARC file
  std::uint64_t not_utf8 = 0;         // pages whose bytes are not valid UTF-8 (packed unchanged)
};

// One page to pack: where it is and the URL path it gets (relative, '/'-separated).
struct WarcPackInput {
  std::string path;
  std::string url_path;
};

// The pages the inputs name, in output order. Throws hone::Error for an input that does not exist or
// a directory without HTML files.
std::vector<WarcPackInput> list_html_pages(const std::vector<std::string>& inputs);

// Writes `output` (.warc.gz: one gzip member per record; .warc: plain), a warcinfo record first.
WarcPackResult pack_warc(const std::vector<std::string>& inputs, const std::string& output,
                         const WarcPackOptions& options = {});

// The URL of a page: prefix (a '/' is added when missing) + the path with bytes outside
// [A-Za-z0-9-._~/] percent-encoded.
std::string page_url(const std::string& prefix, const std::string& url_path);

}  // namespace hone::curate
