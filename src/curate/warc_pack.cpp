#include "curate/warc_pack.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "curate/text_chars.h"
#include "curate/warc_reader.h"
#include "curate/warc_writer.h"

namespace hone::curate {

namespace fs = std::filesystem;

namespace {

bool is_html_name(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".html" || ext == ".htm" || ext == ".xhtml" || ext == ".shtml";
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HONE_CHECK(in.good(), "cannot read ", path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  HONE_CHECK(!in.bad(), "cannot read ", path);
  return bytes;
}

std::int64_t mtime_seconds(const std::string& path) {
  struct stat info {};
  HONE_CHECK(::stat(path.c_str(), &info) == 0, "cannot stat ", path);
  return static_cast<std::int64_t>(info.st_mtime);
}

// YYYY-MM-DDThh:mm:ssZ, the form WARC-Date takes at second precision.
bool is_warc_date(const std::string& date) {
  static const std::string pattern = "0000-00-00T00:00:00Z";
  if (date.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < date.size(); ++i) {
    if (pattern[i] == '0' ? !std::isdigit(static_cast<unsigned char>(date[i])) : date[i] != pattern[i]) return false;
  }
  return true;
}

std::string http_content_type(const WarcPackInput& page, const std::string& body, bool& utf8) {
  std::string ext = fs::path(page.path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string type = ext == ".xhtml" ? "application/xhtml+xml" : "text/html";
  utf8 = find_invalid_utf8(body) == std::string::npos;
  // The page's own declaration wins: it is what a web server configured for these files would send.
  std::string charset = charset_from_meta(body);
  if (charset.empty() && utf8) charset = "utf-8";
  const bool printable = std::all_of(charset.begin(), charset.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
  if (!charset.empty() && printable) type += "; charset=" + charset;
  return type;
}

}  // namespace

std::string page_url(const std::string& prefix, const std::string& url_path) {
  std::string url = prefix;
  if (!url.empty() && url.back() != '/') url += '/';
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : url_path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      url += static_cast<char>(c);
    } else {
      url += '%';
      url += hex[c >> 4];
      url += hex[c & 15];
    }
  }
  return url;
}

std::vector<WarcPackInput> list_html_pages(const std::vector<std::string>& inputs) {
  HONE_CHECK(!inputs.empty(), "pack-warc: give at least one --input file or directory");
  std::vector<WarcPackInput> pages;
  for (const std::string& input : inputs) {
    const fs::path root(input);
    std::error_code error;
    const fs::file_status status = fs::status(root, error);
    HONE_CHECK(fs::exists(status), "pack-warc: input '", input, "' does not exist");
    if (fs::is_regular_file(status)) {
      pages.push_back({input, root.filename().string()});
      continue;
    }
    HONE_CHECK(fs::is_directory(status), "pack-warc: input '", input, "' is neither a file nor a directory");
    // The directory's own name leads its URLs, so two inputs with the same inner layout stay apart.
    // "docs/", "." and "../docs" all name a directory: take its last component from the absolute path.
    fs::path base = fs::absolute(root).lexically_normal();
    if (!base.has_filename()) base = base.parent_path();
    const std::string name = base.filename().string();
    std::vector<WarcPackInput> found;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied);
         it != fs::recursive_directory_iterator(); ++it) {
      if (!it->is_regular_file() || !is_html_name(it->path())) continue;
      const std::string relative = fs::relative(it->path(), root).generic_string();
      found.push_back({it->path().string(), name.empty() ? relative : name + "/" + relative});
    }
    HONE_CHECK(!found.empty(), "pack-warc: no .html, .htm, .xhtml or .shtml files under '", input,
               "'; name HTML files directly to pack them whatever their extension");
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.url_path < b.url_path; });
    pages.insert(pages.end(), found.begin(), found.end());
  }
  return pages;
}

WarcPackResult pack_warc(const std::vector<std::string>& inputs, const std::string& output, const WarcPackOptions& options) {
  HONE_CHECK(options.date.empty() || is_warc_date(options.date), "pack-warc: --date must look like 2024-03-01T12:00:00Z, got '",
             options.date, "'");
  HONE_CHECK(options.url_prefix.find_first_of(" \r\n\t") == std::string::npos, "pack-warc: --url-prefix '",
             options.url_prefix, "' must not contain spaces or line breaks");
  const std::vector<WarcPackInput> pages = list_html_pages(inputs);
  WarcWriter writer(output, options.gzip_level);
  WarcPackResult result;
  // The warcinfo date is the newest page's, so it too depends only on the inputs.
  std::int64_t newest = 0;
  if (options.date.empty()) {
    for (const auto& page : pages) newest = std::max(newest, mtime_seconds(page.path));
  }
  writer.write_warcinfo(options.date.empty() ? warc_date_from_unix(newest) : options.date,
                        "software: hone curate pack-warc\r\nformat: WARC File Format 1.1\r\npages: " +
                            std::to_string(pages.size()));
  for (const WarcPackInput& page : pages) {
    const std::string body = read_bytes(page.path);
    bool utf8 = true;
    const std::string content_type = http_content_type(page, body, utf8);
    const std::string date = options.date.empty() ? warc_date_from_unix(mtime_seconds(page.path)) : options.date;
    writer.write_response(page_url(options.url_prefix, page.url_path), date, content_type, body);
    result.pages += 1;
    result.bytes_in += body.size();
    result.not_utf8 += utf8 ? 0 : 1;
  }
  writer.close();
  result.bytes_out = writer.bytes_written();
  return result;
}

}  // namespace hone::curate
