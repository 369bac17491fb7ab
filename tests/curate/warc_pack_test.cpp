// `hone curate pack-warc` and the WARC writer: pages packed from files and directories come back
// through the WARC reader with their URLs, dates and text; one gzip member per record; the same inputs
// give the same bytes; non-UTF-8 pages keep their bytes; and mistakes are errors that name the input.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "core/error.h"
#include "curate/jsonl_writer.h"
#include "curate/pipeline_runner.h"
#include "curate/warc_pack.h"
#include "curate/warc_reader.h"
#include "curate/warc_writer.h"
#include "support/run_command.h"
#include "pipeline_corpus.h"
#include "warc_test_files.h"

namespace hone::curate {
namespace {

namespace fs = std::filesystem;
using namespace testing;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<Document> read_warc(const fs::path& path, WarcStats* stats = nullptr) {
  WarcReader reader(path.string());
  std::vector<Document> docs;
  Document doc;
  while (reader.next(doc)) docs.push_back(doc);
  if (stats) *stats = reader.stats();
  return docs;
}

// Inflates a file member by member; returns the members' texts (fails the test on a zlib error).
std::vector<std::string> gzip_members(const std::string& bytes) {
  std::vector<std::string> members;
  std::size_t at = 0;
  while (at < bytes.size()) {
    z_stream z{};
    EXPECT_EQ(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + at));
    z.avail_in = static_cast<uInt>(bytes.size() - at);
    std::string out;
    char chunk[4096];
    int status = Z_OK;
    while (status == Z_OK) {
      z.next_out = reinterpret_cast<Bytef*>(chunk);
      z.avail_out = sizeof chunk;
      status = inflate(&z, Z_NO_FLUSH);
      out.append(chunk, sizeof chunk - z.avail_out);
    }
    EXPECT_EQ(status, Z_STREAM_END) << "member " << members.size();
    at += z.total_in;
    inflateEnd(&z);
    if (status != Z_STREAM_END) break;
    members.push_back(out);
  }
  return members;
}

const std::string kUtf8Page =
    "<html><head><meta charset=\"utf-8\"><title>Über</title></head><body><p>Grüße aus Köln.</p></body></html>";
const std::string kLatin1Declared =
    "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"></head>"
    "<body><p>Caf\xe9 cr\xe8me</p></body></html>";
const std::string kLatin1Undeclared = "<html><body><p>na\xefve r\xe9sum\xe9</p></body></html>";
const std::string kXhtmlPage = "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>x</p></body></html>";

// A small documentation tree: pages in nested folders, a file that is not HTML, and a page named
// directly on the command line.
void make_tree(const TempDir& dir) {
  fs::create_directories(dir / "docs" / "guide" / "sub");
  write_file(dir / "docs" / "index.html", kUtf8Page);
  write_file(dir / "docs" / "guide" / "latin1.htm", kLatin1Declared);
  write_file(dir / "docs" / "guide" / "sub" / "old page.html", kLatin1Undeclared);
  write_file(dir / "docs" / "guide" / "notes.txt", "not a page");
  write_file(dir / "docs" / "guide" / "style.css", "p { color: red }");
  write_file(dir / "single.xhtml", kXhtmlPage);
}

TEST(WarcPack, RoundTripThroughTheReader) {
  TempDir dir("warc_pack_roundtrip");
  make_tree(dir);
  WarcPackOptions options;
  options.url_prefix = "https://docs.example.org";
  options.date = "2024-05-06T07:08:09Z";
  const WarcPackResult r =
      pack_warc({(dir / "docs").string(), (dir / "single.xhtml").string()}, (dir / "out.warc.gz").string(), options);
  EXPECT_EQ(r.pages, 4u);
  EXPECT_EQ(r.not_utf8, 2u);
  EXPECT_EQ(r.bytes_in, kUtf8Page.size() + kLatin1Declared.size() + kLatin1Undeclared.size() + kXhtmlPage.size());
  EXPECT_EQ(r.bytes_out, fs::file_size(dir / "out.warc.gz"));
  EXPECT_FALSE(fs::exists(dir / "out.warc.gz.tmp"));

  WarcStats stats;
  const std::vector<Document> docs = read_warc(dir / "out.warc.gz", &stats);
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(stats.records, 5u);  // warcinfo + 4 responses
  EXPECT_EQ(stats.skipped_not_response, 1u);
  EXPECT_EQ(stats.corrupt_records + stats.corrupt_gzip_members, 0u);
  // Directory pages in sorted path order under the directory's name, then the named file.
  EXPECT_EQ(docs[0].url, "https://docs.example.org/docs/guide/latin1.htm");
  EXPECT_EQ(docs[1].url, "https://docs.example.org/docs/guide/sub/old%20page.html");
  EXPECT_EQ(docs[2].url, "https://docs.example.org/docs/index.html");
  EXPECT_EQ(docs[3].url, "https://docs.example.org/single.xhtml");
  std::set<std::string> ids;
  for (const Document& d : docs) {
    EXPECT_EQ(d.metadata["warc_date"], "2024-05-06T07:08:09Z");
    EXPECT_EQ(d.metadata["http_status"], 200);
    EXPECT_EQ(d.id.rfind("<urn:uuid:", 0), 0u) << d.id;
    EXPECT_EQ(d.id.size(), 47u) << d.id;
    ids.insert(d.id);
  }
  EXPECT_EQ(ids.size(), 4u);
  // UTF-8 text comes back byte for byte; the declared charset travels in the HTTP header.
  EXPECT_EQ(docs[2].text, kUtf8Page);
  EXPECT_EQ(docs[2].metadata["content_type"], "text/html; charset=utf-8");
  EXPECT_EQ(docs[0].metadata["content_type"], "text/html; charset=iso-8859-1");
  EXPECT_EQ(docs[0].metadata["charset_source"], "http");
  EXPECT_NE(docs[0].text.find("Café crème"), std::string::npos) << docs[0].text;
  // No declaration and not UTF-8: no charset is claimed, and the reader falls back to windows-1252.
  EXPECT_EQ(docs[1].metadata["content_type"], "text/html");
  EXPECT_EQ(docs[1].metadata["charset_source"], "default");
  EXPECT_NE(docs[1].text.find("naïve résumé"), std::string::npos) << docs[1].text;
  EXPECT_EQ(docs[3].metadata["content_type"], "application/xhtml+xml; charset=utf-8");
}

TEST(WarcPack, OneGzipMemberPerRecordAndPlainWarcHoldsTheSameRecords) {
  TempDir dir("warc_pack_members");
  make_tree(dir);
  WarcPackOptions options;
  options.date = "2024-01-01T00:00:00Z";
  pack_warc({(dir / "docs").string()}, (dir / "a.warc.gz").string(), options);
  pack_warc({(dir / "docs").string()}, (dir / "a.warc").string(), options);
  const std::vector<std::string> members = gzip_members(read_file(dir / "a.warc.gz"));
  ASSERT_EQ(members.size(), 4u);  // warcinfo + 3 pages
  std::string joined;
  for (const std::string& m : members) {
    EXPECT_EQ(m.rfind("WARC/1.1\r\n", 0), 0u);
    EXPECT_TRUE(m.ends_with("\r\n\r\n"));
    joined += m;
  }
  EXPECT_EQ(members[0].find("WARC-Type: warcinfo"), 10u);
  EXPECT_NE(members[1].find("WARC-Type: response"), std::string::npos);
  // The plain file differs only in its name inside warcinfo (WARC-Filename and the id hashed from it).
  const std::string plain = read_file(dir / "a.warc");
  EXPECT_EQ(plain.substr(plain.size() - (joined.size() - members[0].size())), joined.substr(members[0].size()));
  EXPECT_EQ(read_warc(dir / "a.warc").size(), 3u);
}

TEST(WarcPack, SameInputsGiveTheSameBytes) {
  TempDir dir("warc_pack_determinism");
  make_tree(dir);
  // Dates come from the files' modification times when none is given.
  const auto mtime = fs::file_time_type::clock::now() - std::chrono::hours(24 * 400);
  for (const auto& entry : fs::recursive_directory_iterator(dir / "docs"))
    if (entry.is_regular_file()) fs::last_write_time(entry.path(), mtime);
  pack_warc({(dir / "docs").string()}, (dir / "a.warc.gz").string());
  pack_warc({(dir / "docs").string()}, (dir / "a2.warc.gz").string());
  const std::string first = read_file(dir / "a.warc.gz");
  ASSERT_FALSE(first.empty());
  const std::vector<Document> docs = read_warc(dir / "a.warc.gz");
  ASSERT_EQ(docs.size(), 3u);
  const std::string date = docs[0].metadata["warc_date"];
  const auto sys = std::chrono::file_clock::to_sys(mtime);
  EXPECT_EQ(date, warc_date_from_unix(std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count()));
  pack_warc({(dir / "docs").string()}, (dir / "a.warc.gz").string());  // the rerun overwrites
  EXPECT_EQ(read_file(dir / "a.warc.gz"), first);
  // Another output name changes only the warcinfo member, never a page record.
  const std::vector<std::string> a = gzip_members(first), b = gzip_members(read_file(dir / "a2.warc.gz"));
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 1; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]);
  // A changed page changes its record.
  write_file(dir / "docs" / "index.html", kUtf8Page + " ");
  fs::last_write_time(dir / "docs" / "index.html", mtime);
  pack_warc({(dir / "docs").string()}, (dir / "a.warc.gz").string());
  EXPECT_NE(read_file(dir / "a.warc.gz"), first);
}

TEST(WarcPack, NonUtf8BytesAreKeptUnchanged) {
  TempDir dir("warc_pack_bytes");
  // Shift-JIS declared in <meta>, bytes that are not UTF-8: packed as they are.
  const std::string sjis = "<html><head><meta charset=\"shift_jis\"></head><body><p>\x93\xfa\x96\x7b\x8c\xea</p></body></html>";
  write_file(dir / "ja.html", sjis);
  write_file(dir / "raw.html", kLatin1Undeclared);
  WarcPackOptions options;
  options.date = "2024-01-01T00:00:00Z";
  pack_warc({(dir / "ja.html").string(), (dir / "raw.html").string()}, (dir / "p.warc").string(), options);
  const std::string warc = read_file(dir / "p.warc");
  EXPECT_NE(warc.find("Content-Type: text/html; charset=shift_jis\r\nContent-Length: " + std::to_string(sjis.size()) +
                      "\r\n\r\n" + sjis + "\r\n\r\n"),
            std::string::npos);
  EXPECT_NE(warc.find("\r\n\r\n" + kLatin1Undeclared + "\r\n\r\n"), std::string::npos);
  const std::vector<Document> docs = read_warc(dir / "p.warc");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_NE(docs[0].text.find("日本語"), std::string::npos) << docs[0].text;
}

TEST(WarcPack, DirectoryNamesComeFromTheAbsolutePath) {
  TempDir dir("warc_pack_names");
  make_tree(dir);
  WarcPackOptions options;
  options.date = "2024-01-01T00:00:00Z";
  for (const std::string& input : {(dir / "docs").string() + "/", (dir / "docs" / "guide" / "..").string()}) {
    pack_warc({input}, (dir / "n.warc").string(), options);
    const std::vector<Document> docs = read_warc(dir / "n.warc");
    ASSERT_EQ(docs.size(), 3u) << input;
    EXPECT_EQ(docs[2].url, "http://localhost/docs/index.html") << input;
  }
}

TEST(WarcPack, MistakesAreErrorsThatNameTheInput) {
  TempDir dir("warc_pack_errors");
  fs::create_directories(dir / "empty");
  write_file(dir / "empty" / "a.txt", "text");
  write_file(dir / "p.html", kUtf8Page);
  auto expect_error = [&](const std::vector<std::string>& inputs, const std::string& out, const std::string& message,
                          WarcPackOptions options = {}) {
    try {
      pack_warc(inputs, out, options);
      ADD_FAILURE() << "no error; expected: " << message;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(out)) << out;
    EXPECT_FALSE(fs::exists(out + ".tmp")) << out;
  };
  const std::string out = (dir / "o.warc.gz").string();
  expect_error({(dir / "missing.html").string()}, out, "missing.html' does not exist");
  expect_error({(dir / "p.html").string(), (dir / "nope").string()}, out, "nope' does not exist");
  expect_error({(dir / "empty").string()}, out, "no .html, .htm, .xhtml or .shtml files under");
  expect_error({}, out, "at least one --input");
  expect_error({(dir / "p.html").string()}, (dir / "o.gz").string(), "must end in .warc or .warc.gz");
  expect_error({(dir / "p.html").string()}, (dir / "no_dir" / "o.warc").string(), "cannot create");
  WarcPackOptions bad_date;
  bad_date.date = "yesterday";
  expect_error({(dir / "p.html").string()}, out, "--date must look like", bad_date);
  WarcWriter writer((dir / "w.warc").string());
  EXPECT_THROW(writer.write_response("https://a/\r\nX: y", "2024-01-01T00:00:00Z", "text/html", "x"), Error);
}

// The demo's first step: a folder of HTML pages packed into a WARC and curated with the refinedweb
// preset. The pages' prose survives with its URLs, their planted boilerplate does not, and a copy of a
// page under another name is removed.
TEST(WarcPack, PackedPagesGoThroughThePipeline) {
  TempDir dir("warc_pack_pipeline");
  bool real_docs = false;
  const std::vector<PageText> pages = english_pages(12, /*allow_real_docs=*/false, real_docs);
  fs::create_directories(dir / "site" / "manual");
  for (std::size_t i = 0; i < pages.size(); ++i)
    write_file(dir / "site" / "manual" / ("page" + std::to_string(10 + i) + ".html"), page_html(pages[i]));
  write_file(dir / "site" / "zz-copy-of-page10.html", page_html(pages[0]));
  WarcPackOptions pack;
  pack.date = "2024-01-01T00:00:00Z";
  ASSERT_EQ(pack_warc({(dir / "site").string()}, (dir / "site.warc.gz").string(), pack).pages, 13u);

  PipelineRunOptions options;
  options.inputs = {(dir / "site.warc.gz").string()};
  options.output_dir = (dir / "out").string();
  options.tasks = 1;
  options.threads = 1;
  PipelineRunner runner(pipeline_preset("refinedweb"), options);
  runner.run_all();
  std::map<std::string, Document> kept;
  JsonlDocumentReader reader(runner.output_shard(0));
  Document doc;
  while (reader.next(doc)) kept[doc.url] = doc;
  ASSERT_EQ(kept.size(), 12u);
  EXPECT_EQ(kept.count("http://localhost/site/zz-copy-of-page10.html"), 0u);
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const std::string url = "http://localhost/site/manual/page" + std::to_string(10 + i) + ".html";
    ASSERT_EQ(kept.count(url), 1u) << url;
    const Document& d = kept[url];
    EXPECT_EQ(d.metadata["warc_date"], "2024-01-01T00:00:00Z");
    EXPECT_EQ(d.metadata["language"], "en");
    for (const std::string& paragraph : pages[i].paragraphs) EXPECT_NE(d.text.find(paragraph), std::string::npos) << url;
    for (const std::string& line : planted_boilerplate()) EXPECT_EQ(d.text.find(line), std::string::npos) << url;
  }
}

TEST(WarcPack, CommandLine) {
  TempDir dir("warc_pack_cli");
  make_tree(dir);
  const std::string out = (dir / "c.warc.gz").string();
  auto run = hone::testing::run_command(hone::testing::hone_binary() + " curate pack-warc --input " +
                                        (dir / "docs").string() + " --out " + out +
                                        " --url-prefix http://mirror.test/ --date 2024-02-03T04:05:06Z");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("packed 3 pages"), std::string::npos) << run.output;
  const std::vector<Document> docs = read_warc(out);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[2].url, "http://mirror.test/docs/index.html");
  EXPECT_EQ(docs[2].metadata["warc_date"], "2024-02-03T04:05:06Z");
  auto missing = hone::testing::run_command(hone::testing::hone_binary() + " curate pack-warc --input " +
                                            (dir / "nothing").string() + " --out " + out);
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("does not exist"), std::string::npos) << missing.output;
  auto usage = hone::testing::run_command(hone::testing::hone_binary() + " curate pack-warc --out " + out);
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
}

}  // namespace
}  // namespace hone::curate
