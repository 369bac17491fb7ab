#include "curate/warc_reader.h"

#include <iconv.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "curate/text_chars.h"

namespace hone::curate {
namespace {

constexpr std::size_t kReadChunk = std::size_t{1} << 18;
constexpr std::size_t kMaxHeaderBytes = std::size_t{1} << 16;  // WARC and HTTP heads are a few hundred bytes

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The end of a header block (the offset just past its blank line) searching text[from, limit), or npos.
// Accepts CRLF and bare LF line ends.
std::size_t find_head_end(std::string_view text, std::size_t from) {
  for (std::size_t i = text.find('\n', from); i != std::string_view::npos; i = text.find('\n', i + 1)) {
    if (i + 1 < text.size() && text[i + 1] == '\n') return i + 2;
    if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

// "Name: value" lines after the first line; calls visit(lower-cased name, trimmed value).
template <class Visit>
void for_each_header(std::string_view head, Visit visit) {
  std::size_t line_start = head.find('\n');
  while (line_start != std::string_view::npos && line_start + 1 < head.size()) {
    ++line_start;
    std::size_t line_end = head.find('\n', line_start);
    std::string_view line = head.substr(line_start, line_end == std::string_view::npos ? std::string_view::npos
                                                                                          : line_end - line_start);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) visit(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
    line_start = line_end;
  }
}

bool parse_length(std::string_view text, std::uint64_t& value) {
  if (text.empty() || text.size() > 15) return false;
  value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

std::string charset_after(const std::string& lowered, std::size_t from, std::size_t limit) {
  for (std::size_t at = lowered.find("charset", from); at != std::string::npos && at < limit;
       at = lowered.find("charset", at + 7)) {
    std::size_t i = at + 7;
    while (i < limit && (lowered[i] == ' ' || lowered[i] == '\t')) ++i;
    if (i >= limit || lowered[i] != '=') continue;
    ++i;
    while (i < limit && (lowered[i] == ' ' || lowered[i] == '\t' || lowered[i] == '"' || lowered[i] == '\'')) ++i;
    std::size_t start = i;
    while (i < limit && (std::isalnum(static_cast<unsigned char>(lowered[i])) || lowered[i] == '-' ||
                         lowered[i] == '_' || lowered[i] == '.' || lowered[i] == ':'))
      ++i;
    if (i > start) return lowered.substr(start, i - start);
  }
  return {};
}

bool is_windows1252_name(const std::string& name) {
  static const char* const names[] = {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1",
                                      "us-ascii",   "ascii",     "windows-1252", "cp1252", "x-cp1252",
                                      "cp819",      "ibm819",    "iso-ir-100", "csisolatin1"};
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

bool is_utf8_name(const std::string& name) {
  return name == "utf-8" || name == "utf8" || name == "unicode-1-1-utf-8" || name == "x-unicode20utf8";
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Converts with glibc's iconv; false when iconv does not know the charset. Undecodable bytes become
// U+FFFD, one per byte, and set `repaired`.
bool iconv_to_utf8(const std::string& bytes, const std::string& charset, std::string& out, bool& repaired) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  out.clear();
  std::vector<char> chunk(1 << 16);
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  while (in_left > 0) {
    char* dst = chunk.data();
    std::size_t dst_left = chunk.size();
    std::size_t rc = iconv(cd, &in, &in_left, &dst, &dst_left);
    out.append(chunk.data(), chunk.size() - dst_left);
    if (rc == static_cast<std::size_t>(-1)) {
      if (errno == E2BIG) continue;
      // EILSEQ or EINVAL (an incomplete sequence at the end): replace one byte and go on.
      out += "\xEF\xBF\xBD";
      repaired = true;
      ++in;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
  }
  iconv_close(cd);
  return true;
}

// Chunked transfer coding as some crawlers store it; false (leave the body as is) when malformed.
bool dechunk(std::string_view body, std::string& out) {
  out.clear();
  std::size_t pos = 0;
  for (;;) {
    std::size_t line_end = body.find('\n', pos);
    if (line_end == std::string_view::npos) return false;
    std::string_view size_text = trim(body.substr(pos, line_end - pos));
    size_text = size_text.substr(0, size_text.find(';'));
    if (size_text.empty() || size_text.size() > 8) return false;
    std::size_t size = 0;
    for (char c : size_text) {
      int digit = std::isxdigit(static_cast<unsigned char>(c)) ? (std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 0x20) - 'a' + 10) : -1;
      if (digit < 0) return false;
      size = size * 16 + static_cast<std::size_t>(digit);
    }
    pos = line_end + 1;
    if (size == 0) return true;
    if (pos + size > body.size()) return false;
    out.append(body.substr(pos, size));
    pos += size;
    while (pos < body.size() && (body[pos] == '\r' || body[pos] == '\n')) ++pos;
  }
}

}  // namespace

// Decompressed bytes of a WARC file. For gzip input every member is inflated on its own; an inflate
// error abandons the member and decoding restarts at the next gzip header (magic 1f 8b 08), so one
// damaged record costs only that record.
class WarcByteStream {
 public:
  explicit WarcByteStream(const std::string& path) : path_(path), input_(kReadChunk) {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) fail("cannot open WARC file '", path, "': ", std::strerror(errno), " (check the path)");
    refill_input();
    gzip_ = available() >= 2 && input_[begin_] == 0x1f && input_[begin_ + 1] == 0x8b;
    if (gzip_) {
      std::memset(&z_, 0, sizeof(z_));
      if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) fail("out of memory creating a gzip decoder for '", path, "'");
    }
  }
  ~WarcByteStream() {
    if (gzip_) inflateEnd(&z_);
    std::fclose(file_);
  }

  std::size_t read(char* out, std::size_t capacity) {
    if (!gzip_) {
      std::size_t n = std::min(capacity, available());
      std::memcpy(out, input_.data() + begin_, n);
      begin_ += n;
      if (n == 0 && refill_input()) return read(out, capacity);
      return n;
    }
    for (;;) {
      if (available() == 0 && !refill_input()) {
        if (member_open_) truncated_ = true;
        return 0;
      }
      if (!member_open_) {
        if (!seek_member()) return 0;
        member_open_ = true;
      }
      z_.next_in = input_.data() + begin_;
      z_.avail_in = static_cast<uInt>(available());
      z_.next_out = reinterpret_cast<Bytef*>(out);
      z_.avail_out = static_cast<uInt>(std::min<std::size_t>(capacity, 1u << 30));
      const uInt out_before = z_.avail_out;
      int rc = inflate(&z_, Z_NO_FLUSH);
      begin_ = static_cast<std::size_t>(z_.next_in - input_.data());
      std::size_t produced = out_before - z_.avail_out;
      if (rc == Z_STREAM_END) {
        member_open_ = false;
        inflateReset(&z_);
      } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_STREAM_ERROR) {
        ++corrupt_members_;
        member_open_ = false;
        inflateReset(&z_);
      } else if (rc == Z_MEM_ERROR) {
        fail("out of memory inflating '", path_, "'");
      }
      if (produced > 0) return produced;
    }
  }

  bool gzip() const { return gzip_; }
  bool truncated() const { return truncated_; }
  std::uint64_t corrupt_members() const { return corrupt_members_; }

 private:
  std::size_t available() const { return end_ - begin_; }

  // Keeps unread bytes and appends more; false at the end of the file.
  bool refill_input() {
    if (begin_ > 0) {
      std::memmove(input_.data(), input_.data() + begin_, available());
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == input_.size()) return true;
    std::size_t n = std::fread(input_.data() + end_, 1, input_.size() - end_, file_);
    if (n == 0 && std::ferror(file_)) fail("reading '", path_, "' failed: ", std::strerror(errno));
    end_ += n;
    return n > 0;
  }

  // Moves to the next gzip header; bytes that are not one (garbage between members, the rest of a
  // damaged member) are skipped. False at the end of the file.
  bool seek_member() {
    bool skipped = false;
    for (;;) {
      while (available() >= 3) {
        const unsigned char* p = input_.data() + begin_;
        if (p[0] == 0x1f && p[1] == 0x8b && p[2] == 0x08) {
          if (skipped && corrupt_members_ == counted_at_skip_) ++corrupt_members_;
          return true;
        }
        const void* next = std::memchr(p + 1, 0x1f, available() - 1);
        skipped = true;
        begin_ = next ? static_cast<std::size_t>(static_cast<const unsigned char*>(next) - input_.data()) : end_;
      }
      if (!refill_input()) {
        if (available() > 0 || skipped) {
          if (corrupt_members_ == counted_at_skip_) ++corrupt_members_;  // trailing garbage
          begin_ = end_;
        }
        return false;
      }
      counted_at_skip_ = corrupt_members_;
    }
  }

  std::string path_;
  FILE* file_ = nullptr;
  std::vector<unsigned char> input_;
  std::size_t begin_ = 0, end_ = 0;
  bool gzip_ = false;
  z_stream z_{};
  bool member_open_ = false;
  bool truncated_ = false;
  std::uint64_t corrupt_members_ = 0;
  std::uint64_t counted_at_skip_ = 0;  // damage already counted by an inflate error is not counted twice
};

nlohmann::json WarcStats::to_json() const {
  return {{"records", records},
          {"html_documents", html_documents},
          {"skipped_not_response", skipped_not_response},
          {"skipped_http_status", skipped_http_status},
          {"skipped_not_html", skipped_not_html},
          {"skipped_oversized", skipped_oversized},
          {"corrupt_records", corrupt_records},
          {"corrupt_gzip_members", corrupt_gzip_members},
          {"truncated_files", truncated ? 1 : 0},
          {"charset_converted", charset_converted},
          {"utf8_repaired", utf8_repaired},
          {"bytes_read", bytes_read}};
}

void WarcStats::merge(const WarcStats& other) {
  records += other.records;
  html_documents += other.html_documents;
  skipped_not_response += other.skipped_not_response;
  skipped_http_status += other.skipped_http_status;
  skipped_not_html += other.skipped_not_html;
  skipped_oversized += other.skipped_oversized;
  corrupt_records += other.corrupt_records;
  corrupt_gzip_members += other.corrupt_gzip_members;
  truncated = truncated || other.truncated;
  charset_converted += other.charset_converted;
  utf8_repaired += other.utf8_repaired;
  bytes_read += other.bytes_read;
}

WarcReader::WarcReader(const std::string& path, WarcReaderOptions options)
    : path_(path), options_(options), stream_(std::make_unique<WarcByteStream>(path)) {}

WarcReader::~WarcReader() = default;

void WarcReader::compact() {
  if (pos_ > 0 && (pos_ >= buffer_.size() / 2 || pos_ > (std::size_t{1} << 20))) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
}

bool WarcReader::fill(std::size_t bytes) {
  while (buffer_.size() - pos_ < bytes) {
    if (at_end_) return false;
    compact();
    std::size_t old_size = buffer_.size();
    std::size_t want = std::max(kReadChunk, std::min<std::size_t>(bytes - (old_size - pos_), std::size_t{1} << 24));
    buffer_.resize(old_size + want);
    std::size_t n = stream_->read(buffer_.data() + old_size, want);
    buffer_.resize(old_size + n);
    stats_.bytes_read += n;
    if (n == 0) at_end_ = true;
  }
  return true;
}

void WarcReader::skip_stream(std::uint64_t bytes) {
  while (bytes > 0) {
    if (pos_ == buffer_.size() && !fill(1)) return;
    std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(bytes, buffer_.size() - pos_));
    pos_ += take;
    bytes -= take;
  }
}

bool WarcReader::resync(std::size_t from) {
  static constexpr std::string_view kMagic = "WARC/1.";
  std::size_t search = from;
  for (;;) {
    std::string_view view(buffer_);
    for (std::size_t at = view.find(kMagic, search); at != std::string_view::npos; at = view.find(kMagic, at + 1)) {
      if (at == 0 || view[at - 1] == '\n') {
        pos_ = at;
        return true;
      }
    }
    // Keep the last few bytes: the magic may straddle the next read.
    const std::size_t keep = kMagic.size();
    pos_ = buffer_.size() > search + keep ? buffer_.size() - keep : search;
    std::size_t before = buffer_.size() - pos_;
    if (!fill(before + 1)) {
      pos_ = buffer_.size();
      return false;
    }
    search = pos_;
  }
}

bool WarcReader::next(Document& document) {
  for (;;) {
    Step step = read_record(document);
    if (step == Step::Document) return true;
    if (step == Step::End) {
      stats_.corrupt_gzip_members = stream_->corrupt_members();
      if (stream_->truncated()) stats_.truncated = true;
      return false;
    }
  }
}

WarcReader::Step WarcReader::read_record(Document& document) {
  // Blank lines between records (the record's own CRLF CRLF trailer, or more).
  for (;;) {
    if (!fill(1)) return Step::End;
    char c = buffer_[pos_];
    if (c != '\r' && c != '\n') break;
    ++pos_;
  }
  std::size_t head_end = std::string::npos;
  for (std::size_t want = 512;; want *= 2) {
    bool complete = fill(want);
    head_end = find_head_end(std::string_view(buffer_).substr(0, std::min(buffer_.size(), pos_ + want)), pos_);
    if (head_end != std::string::npos) break;
    if (!complete || want >= kMaxHeaderBytes) {
      const std::size_t record_start = pos_;
      if (!complete && buffer_.size() - pos_ < want) {
        // The file ends inside a header: a truncated file unless another record follows.
        if (!resync(record_start + 1)) {
          stats_.truncated = true;
          return Step::End;
        }
      } else if (!resync(record_start + 1)) {
        ++stats_.corrupt_records;
        return Step::End;
      }
      ++stats_.corrupt_records;
      return Step::Corrupt;
    }
  }
  const std::size_t record_start = pos_;
  std::string_view head(buffer_.data() + pos_, head_end - pos_);
  std::uint64_t content_length = 0;
  bool has_length = false;
  std::string type, record_id, target_uri, date, warc_content_type;
  if (head.substr(0, 7) == "WARC/1.") {
    for_each_header(head, [&](const std::string& name, std::string_view value) {
      if (name == "content-length") has_length = parse_length(value, content_length);
      else if (name == "warc-type") type = lower(value);
      else if (name == "warc-record-id") record_id = value;
      else if (name == "warc-target-uri") target_uri = value;
      else if (name == "warc-date") date = value;
      else if (name == "content-type") warc_content_type = lower(value);
    });
  }
  if (!has_length) {
    ++stats_.corrupt_records;
    return resync(record_start + 1) ? Step::Corrupt : Step::End;
  }
  const std::size_t content_start = head_end;
  if (content_length > options_.max_record_bytes) {
    pos_ = content_start;
    skip_stream(content_length);
    ++stats_.records;
    ++stats_.skipped_oversized;
    return Step::Skipped;
  }
  const std::size_t length = static_cast<std::size_t>(content_length);
  // fill() may move the buffer: work with offsets from here on.
  const std::size_t content_offset = content_start - pos_;
  bool complete = fill(content_offset + length);
  std::size_t content_at = pos_ + content_offset;
  bool framed = false;
  if (complete) {
    // A record ends with CRLF CRLF (LF LF in files written with bare line ends); anything else means
    // the Content-Length is wrong or the bytes are damaged, and the record cannot be trusted.
    fill(content_offset + length + 4);
    content_at = pos_ + content_offset;
    const std::string_view trailer = std::string_view(buffer_).substr(content_at + length, 4);
    framed = trailer == "\r\n\r\n" || trailer.substr(0, 2) == "\n\n" ||
             (at_end_ && trailer.find_first_not_of("\r\n") == std::string_view::npos);
  }
  if (!framed) {
    if (!resync(content_at)) {
      if (complete) ++stats_.corrupt_records;
      else stats_.truncated = true;
      return Step::End;
    }
    ++stats_.corrupt_records;
    return Step::Corrupt;
  }
  ++stats_.records;
  std::string_view content(buffer_.data() + content_at, length);
  pos_ = content_at + length;

  if (type != "response" ||
      (!warc_content_type.empty() && warc_content_type.find("application/http") == std::string::npos)) {
    ++stats_.skipped_not_response;
    return Step::Skipped;
  }
  // The HTTP response: status line, headers, body.
  std::size_t http_end = find_head_end(content.substr(0, std::min(content.size(), kMaxHeaderBytes)), 0);
  if (content.substr(0, 5) != "HTTP/" || http_end == std::string_view::npos) {
    ++stats_.corrupt_records;
    return Step::Skipped;
  }
  std::string_view http_head = content.substr(0, http_end);
  std::size_t space = http_head.find(' ');
  int status = 0;
  if (space != std::string_view::npos && space + 4 <= http_head.size()) {
    for (std::size_t i = space + 1; i < space + 4; ++i) {
      char c = http_head[i];
      status = (c >= '0' && c <= '9') ? status * 10 + (c - '0') : -1000;
    }
  }
  if (status < 100) {
    ++stats_.corrupt_records;
    return Step::Skipped;
  }
  if (status < 200 || status >= 300) {
    ++stats_.skipped_http_status;
    return Step::Skipped;
  }
  std::string content_type, content_encoding, transfer_encoding;
  for_each_header(http_head, [&](const std::string& name, std::string_view value) {
    if (name == "content-type") content_type = value;
    else if (name == "content-encoding") content_encoding = lower(value);
    else if (name == "transfer-encoding") transfer_encoding = lower(value);
  });
  std::string_view body = content.substr(http_end);
  const std::string mime = lower(trim(std::string_view(content_type).substr(0, content_type.find(';'))));
  bool html = mime == "text/html" || mime == "application/xhtml+xml";
  if (mime.empty()) {
    const std::string start = lower(body.substr(0, 1024));
    html = start.find("<html") != std::string::npos || start.find("<!doctype html") != std::string::npos;
  }
  // Compressed payloads are rare in crawls (crawlers store them decoded) and not worth a decoder here.
  if (!html || (!content_encoding.empty() && content_encoding != "identity")) {
    ++stats_.skipped_not_html;
    return Step::Skipped;
  }
  std::string dechunked;
  if (transfer_encoding.find("chunked") != std::string::npos && dechunk(body, dechunked)) body = dechunked;

  DecodedHtml decoded = decode_html(std::string(body), content_type);
  if (decoded.charset != "utf-8") ++stats_.charset_converted;
  if (decoded.repaired) ++stats_.utf8_repaired;
  // Header values go into JSON output, which must be UTF-8.
  document.id = replace_invalid_utf8(record_id);
  document.url = replace_invalid_utf8(target_uri);
  document.text = std::move(decoded.text);
  document.metadata = nlohmann::json::object();
  document.metadata["warc_date"] = replace_invalid_utf8(date);
  document.metadata["http_status"] = status;
  document.metadata["content_type"] = replace_invalid_utf8(content_type);
  document.metadata["charset"] = decoded.charset;
  document.metadata["charset_source"] = decoded.source;
  ++stats_.html_documents;
  return Step::Document;
}

std::string charset_from_content_type(const std::string& content_type) {
  const std::string lowered = lower(content_type);
  return charset_after(lowered, 0, lowered.size());
}

std::string charset_from_meta(const std::string& html) {
  const std::string lowered = lower(std::string_view(html).substr(0, 4096));
  for (std::size_t at = lowered.find("<meta"); at != std::string::npos; at = lowered.find("<meta", at + 5)) {
    std::size_t close = lowered.find('>', at);
    if (close == std::string::npos) close = lowered.size();
    std::string charset = charset_after(lowered, at, close);
    if (!charset.empty()) return charset;
  }
  return {};
}

std::string windows1252_to_utf8(const std::string& bytes) {
  // 0x80..0x9F are the windows-1252 letters and punctuation; undefined slots map to the C1 controls
  // as the WHATWG Encoding standard does.
  static constexpr char16_t kHigh[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                         0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                         0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                         0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (unsigned char b : bytes) {
    if (b < 0x80) out += static_cast<char>(b);
    else if (b < 0xA0) append_utf8(out, kHigh[b - 0x80]);
    else append_utf8(out, b);
  }
  return out;
}

DecodedHtml decode_html(const std::string& body, const std::string& http_content_type) {
  DecodedHtml result;
  std::string charset = charset_from_content_type(http_content_type);
  result.source = "http";
  if (charset.empty()) {
    charset = charset_from_meta(body);
    result.source = "meta";
    // A page that can carry an ASCII <meta> cannot be UTF-16; browsers read it as UTF-8.
    if (charset.rfind("utf-16", 0) == 0) charset = "utf-8";
  }
  if (charset.empty()) {
    result.source = "default";
    charset = find_invalid_utf8(body) == std::string::npos ? "utf-8" : "windows-1252";
  }
  if (is_windows1252_name(charset)) {
    result.charset = "windows-1252";
    result.text = windows1252_to_utf8(body);
    return result;
  }
  if (!is_utf8_name(charset)) {
    std::string converted;
    bool repaired = false;
    if (iconv_to_utf8(body, charset, converted, repaired)) {
      result.charset = charset;
      result.repaired = repaired;
      result.text = find_invalid_utf8(converted) == std::string::npos ? std::move(converted)
                                                                      : replace_invalid_utf8(converted);
      return result;
    }
    result.source += "-unknown:" + charset;  // not a charset glibc knows: read as UTF-8
  }
  result.charset = "utf-8";
  if (find_invalid_utf8(body) == std::string::npos) {
    result.text = body;
  } else {
    result.text = replace_invalid_utf8(body);
    result.repaired = true;
  }
  return result;
}

}  // namespace hone::curate
