// WARC reading: record types, plain / per-record gzip / single-member gzip, and damage: a corrupt
// record or gzip member in the middle is skipped and counted while the rest is read, truncated files,
// wrong Content-Length, oversized records.
#include <gtest/gtest.h>
#include <unistd.h>

#include "core/error.h"
#include "curate/warc_reader.h"
#include "warc_test_files.h"

namespace hone::curate {
namespace {
using namespace testing;

std::vector<Document> read_all(const std::string& path, WarcStats* stats = nullptr, WarcReaderOptions options = {}) {
  WarcReader reader(path, options);
  std::vector<Document> docs;
  Document doc;
  while (reader.next(doc)) docs.push_back(doc);
  if (stats) *stats = reader.stats();
  return docs;
}

std::vector<std::string> mixed_records() {
  return {warc_record("warcinfo", "<urn:uuid:info>", "", "application/warc-fields", "software: test\r\n"),
          warc_record("request", "<urn:uuid:req-1>", "https://example.org/page1", "application/http; msgtype=request",
                      "GET /page1 HTTP/1.1\r\nHost: example.org\r\n\r\n"),
          response_record(1, "text/html; charset=utf-8", html_page(1)),
          response_record(2, "image/png", "\x89PNG\r\n\x1a\n binary"),
          response_record(3, "text/html", html_page(3), 404),
          response_record(4, "text/html", html_page(4)),
          warc_record("metadata", "<urn:uuid:meta-4>", "https://example.org/page4", "application/warc-fields", "x: y\r\n"),
          response_record(5, "application/xhtml+xml", html_page(5))};
}

void expect_mixed(const std::vector<Document>& docs, const WarcStats& stats) {
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].id, "<urn:uuid:rec-1>");
  EXPECT_EQ(docs[0].url, "https://example.org/page1");
  EXPECT_EQ(docs[0].text, html_page(1));
  EXPECT_EQ(docs[0].metadata["warc_date"], "2024-03-01T12:00:00Z");
  EXPECT_EQ(docs[0].metadata["http_status"], 200);
  EXPECT_EQ(docs[0].metadata["charset"], "utf-8");
  EXPECT_EQ(docs[0].metadata["charset_source"], "http");
  EXPECT_EQ(docs[1].id, "<urn:uuid:rec-4>");
  EXPECT_EQ(docs[1].metadata["charset_source"], "default");
  EXPECT_EQ(docs[2].id, "<urn:uuid:rec-5>");
  EXPECT_EQ(stats.records, 8u);
  EXPECT_EQ(stats.html_documents, 3u);
  EXPECT_EQ(stats.skipped_not_response, 3u);
  EXPECT_EQ(stats.skipped_not_html, 1u);
  EXPECT_EQ(stats.skipped_http_status, 1u);
  EXPECT_EQ(stats.corrupt_records, 0u);
  EXPECT_EQ(stats.corrupt_gzip_members, 0u);
  EXPECT_FALSE(stats.truncated);
}

TEST(WarcReader, PlainFileRecordTypes) {
  TempDir dir("warc_plain");
  write_file(dir / "a.warc", concat(mixed_records()));
  WarcStats stats;
  auto docs = read_all(dir / "a.warc", &stats);
  expect_mixed(docs, stats);
}

TEST(WarcReader, GzipPerRecordAndSingleMember) {
  TempDir dir("warc_gz");
  write_file(dir / "a.warc.gz", gzip_per_record(mixed_records()));
  WarcStats stats;
  expect_mixed(read_all(dir / "a.warc.gz", &stats), stats);
  write_file(dir / "b.warc.gz", gzip_member(concat(mixed_records())));
  expect_mixed(read_all(dir / "b.warc.gz", &stats), stats);
}

TEST(WarcReader, LfOnlyLineEndingsAndChunkedBody) {
  TempDir dir("warc_lf");
  std::string body = html_page(7);
  std::string chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n";
  chunked += "10\r\n" + body.substr(0, 16) + "\r\n";
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", body.size() - 16);
  chunked += std::string(size) + "\r\n" + body.substr(16) + "\r\n0\r\n\r\n";
  std::string lf = "WARC/1.1\nWARC-Type: response\nWARC-Record-ID: <id-7>\nContent-Length: " +
                   std::to_string(chunked.size()) + "\n\n" + chunked + "\n\n";
  write_file(dir / "a.warc", lf + response_record(8, "text/html", html_page(8)));
  auto docs = read_all(dir / "a.warc");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "<id-7>");
  EXPECT_EQ(docs[0].text, body);
  EXPECT_EQ(docs[1].text, html_page(8));
}

std::vector<std::string> five_pages() {
  std::vector<std::string> records;
  for (int i = 1; i <= 5; ++i) records.push_back(response_record(i, "text/html", html_page(i)));
  return records;
}

std::vector<std::string> ids(const std::vector<Document>& docs) {
  std::vector<std::string> out;
  for (const auto& d : docs) out.push_back(d.id);
  return out;
}

TEST(WarcReader, CorruptRecordInTheMiddleIsSkippedAndCounted) {
  TempDir dir("warc_corrupt");
  auto records = five_pages();
  // Record 3: header garbage (no WARC/ line, no Content-Length) followed by its body.
  records[2] = "GARBAGE\x01\x02 not a header\r\nmore junk\r\n\r\n<html>lost page</html>\r\n\r\n";
  write_file(dir / "a.warc", concat(records));
  WarcStats stats;
  auto docs = read_all(dir / "a.warc", &stats);
  EXPECT_EQ(ids(docs), (std::vector<std::string>{"<urn:uuid:rec-1>", "<urn:uuid:rec-2>", "<urn:uuid:rec-4>", "<urn:uuid:rec-5>"}));
  EXPECT_EQ(stats.corrupt_records, 1u);
  EXPECT_FALSE(stats.truncated);

  // The same damage inside a gzip member: that member decodes to junk, the others are fine.
  write_file(dir / "a.warc.gz", gzip_per_record(records));
  docs = read_all(dir / "a.warc.gz", &stats);
  EXPECT_EQ(docs.size(), 4u);
  EXPECT_EQ(stats.corrupt_records, 1u);
}

TEST(WarcReader, CorruptGzipMemberIsSkipped) {
  TempDir dir("warc_badgz");
  auto records = five_pages();
  std::vector<std::string> members;
  for (const auto& r : records) members.push_back(gzip_member(r));
  // Overwrite the middle of member 3's deflate data: inflate fails (or the CRC check does).
  std::string& bad = members[2];
  for (std::size_t i = 12; i < bad.size() - 10; i += 3) bad[i] = static_cast<char>(bad[i] ^ 0x5A);
  write_file(dir / "a.warc.gz", concat(members));
  WarcStats stats;
  auto docs = read_all(dir / "a.warc.gz", &stats);
  EXPECT_EQ(ids(docs), (std::vector<std::string>{"<urn:uuid:rec-1>", "<urn:uuid:rec-2>", "<urn:uuid:rec-4>", "<urn:uuid:rec-5>"}));
  EXPECT_GE(stats.corrupt_gzip_members, 1u);
  // Garbage bytes between members are skipped too.
  members[2] = "this is not gzip at all";
  write_file(dir / "b.warc.gz", concat(members));
  docs = read_all(dir / "b.warc.gz", &stats);
  EXPECT_EQ(docs.size(), 4u);
  EXPECT_EQ(stats.corrupt_gzip_members, 1u);
}

TEST(WarcReader, TruncatedFileKeepsCompleteRecords) {
  TempDir dir("warc_trunc");
  std::string all = concat(five_pages());
  const std::string last = response_record(5, "text/html", html_page(5));
  for (std::size_t cut : {last.size() - 10, last.size() / 2, std::size_t{30}, std::size_t{5}}) {
    write_file(dir / "a.warc", all.substr(0, all.size() - cut));
    WarcStats stats;
    auto docs = read_all(dir / "a.warc", &stats);
    EXPECT_EQ(docs.size(), 4u) << "cut " << cut;
    EXPECT_TRUE(stats.truncated) << "cut " << cut;
    EXPECT_EQ(stats.corrupt_records, 0u) << "cut " << cut;
  }
  // A gzip file cut inside the last member.
  std::string gz = gzip_per_record(five_pages());
  write_file(dir / "a.warc.gz", gz.substr(0, gz.size() - 20));
  WarcStats stats;
  auto docs = read_all(dir / "a.warc.gz", &stats);
  EXPECT_EQ(docs.size(), 4u);
  EXPECT_TRUE(stats.truncated);
}

std::string with_content_length(std::string record, long delta) {
  const std::string key = "Content-Length: ";
  std::size_t at = record.find(key);
  std::size_t end = record.find("\r\n", at);
  long value = std::stol(record.substr(at + key.size(), end - at - key.size()));
  return record.replace(at + key.size(), end - at - key.size(), std::to_string(value + delta));
}

TEST(WarcReader, BadContentLengthSkipsOnlyThatRecord) {
  TempDir dir("warc_len");
  for (long delta : {-40L, -1L, 3L, 200L, 100000L}) {
    auto records = five_pages();
    records[1] = with_content_length(records[1], delta);
    write_file(dir / "a.warc", concat(records));
    WarcStats stats;
    auto docs = read_all(dir / "a.warc", &stats);
    EXPECT_EQ(ids(docs), (std::vector<std::string>{"<urn:uuid:rec-1>", "<urn:uuid:rec-3>", "<urn:uuid:rec-4>", "<urn:uuid:rec-5>"}))
        << "delta " << delta;
    EXPECT_EQ(stats.corrupt_records, 1u) << "delta " << delta;
  }
  // Not a number.
  auto records = five_pages();
  std::size_t at = records[3].find("Content-Length: ") + 16;
  records[3].replace(at, 1, "x");
  write_file(dir / "b.warc", concat(records));
  WarcStats stats;
  EXPECT_EQ(read_all(dir / "b.warc", &stats).size(), 4u);
  EXPECT_EQ(stats.corrupt_records, 1u);
}

TEST(WarcReader, OversizedRecordsAreSkippedUnread) {
  TempDir dir("warc_big");
  auto records = five_pages();
  records[2] = response_record(3, "text/html", "<html><body>" + std::string(50000, 'x') + "</body></html>");
  write_file(dir / "a.warc.gz", gzip_per_record(records));
  WarcStats stats;
  WarcReaderOptions options;
  options.max_record_bytes = 10000;
  auto docs = read_all(dir / "a.warc.gz", &stats, options);
  EXPECT_EQ(docs.size(), 4u);
  EXPECT_EQ(stats.skipped_oversized, 1u);
  EXPECT_EQ(stats.records, 5u);
}

TEST(WarcReader, BadHttpHeadIsCountedNotFatal) {
  TempDir dir("warc_http");
  auto records = five_pages();
  records[0] = warc_record("response", "<x>", "https://e.org", "application/http", "NOT HTTP AT ALL\r\n\r\nbody");
  write_file(dir / "a.warc", concat(records));
  WarcStats stats;
  EXPECT_EQ(read_all(dir / "a.warc", &stats).size(), 4u);
  EXPECT_EQ(stats.corrupt_records, 1u);
  EXPECT_EQ(stats.records, 5u);
}

TEST(WarcReader, ManyRecordsStreamAcrossBufferRefills) {
  TempDir dir("warc_many");
  std::string all;
  for (int i = 0; i < 3000; ++i) all += response_record(i, "text/html", html_page(i) + std::string(static_cast<std::size_t>(i % 700), ' '));
  write_file(dir / "a.warc", all);
  write_file(dir / "a.warc.gz", gzip_member(all));
  for (const char* name : {"a.warc", "a.warc.gz"}) {
    WarcStats stats;
    auto docs = read_all(dir / name, &stats);
    ASSERT_EQ(docs.size(), 3000u) << name;
    EXPECT_EQ(docs[2999].id, "<urn:uuid:rec-2999>");
    EXPECT_EQ(stats.corrupt_records, 0u);
  }
}

TEST(WarcReader, MissingFileIsAClearError) {
  try {
    WarcReader reader("/nonexistent/dir/file.warc.gz");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open WARC file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hone::curate
