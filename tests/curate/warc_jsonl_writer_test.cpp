// JSONL.zst shards: WARC -> extraction -> shard round trip keeps id, url, metadata and stage
// measurements; the shard exists only under its temp name until close(); bad UTF-8 is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "curate/html_extract.h"
#include "curate/jsonl_writer.h"
#include "curate/warc_reader.h"
#include "warc_test_files.h"

namespace hone::curate {
namespace {
using namespace testing;

TEST(WarcJsonlWriter, WarcToShardRoundTrip) {
  TempDir dir("warc_jsonl");
  std::vector<std::string> records;
  const std::string para = "A paragraph long enough to be kept as the main text of the page, well over one hundred characters long.";
  for (int i = 0; i < 50; ++i)
    records.push_back(response_record(i, "text/html", "<html><body><nav><a href=/>Home</a></nav><p>" + para + " #" +
                                                          std::to_string(i) + "</p></body></html>"));
  write_file(dir / "in.warc.gz", gzip_per_record(records));
  const std::string shard = (dir / "out.jsonl.zst").string();
  {
    WarcReader reader((dir / "in.warc.gz").string());
    HtmlExtractBlock extract;
    JsonlZstWriter writer(shard);
    Document doc;
    while (reader.next(doc)) {
      if (!extract.process(doc).keep) continue;
      record_measurement(doc, "html_extract", "chars", doc.text.size());
      writer.write(doc);
    }
    EXPECT_TRUE(std::filesystem::exists(writer.temp_path()));
    EXPECT_FALSE(std::filesystem::exists(shard));
    writer.close();
    EXPECT_EQ(writer.documents(), 50u);
    EXPECT_FALSE(std::filesystem::exists(writer.temp_path()));
  }
  JsonlDocumentReader reader(shard);
  Document doc;
  int n = 0;
  while (reader.next(doc)) {
    EXPECT_EQ(doc.id, "<urn:uuid:rec-" + std::to_string(n) + ">");
    EXPECT_EQ(doc.url, "https://example.org/page" + std::to_string(n));
    EXPECT_EQ(doc.text, para + " #" + std::to_string(n));
    EXPECT_EQ(doc.metadata["warc_date"], "2024-03-01T12:00:00Z");
    EXPECT_EQ(doc.metadata["html_extract"]["chars"], doc.text.size());
    ++n;
  }
  EXPECT_EQ(n, 50);
}

TEST(WarcJsonlWriter, UnclosedWriterLeavesNoShardAndBadUtf8IsRefused) {
  TempDir dir("warc_jsonl2");
  const std::string shard = (dir / "out.jsonl.zst").string();
  {
    JsonlZstWriter writer(shard);
    Document doc;
    doc.id = "x";
    doc.text = "ok";
    writer.write(doc);
    doc.text = "bad \xff";
    EXPECT_THROW(writer.write(doc), Error);
  }  // destroyed without close(): a crashed task
  EXPECT_FALSE(std::filesystem::exists(shard));
  EXPECT_FALSE(std::filesystem::exists(shard + ".tmp"));
}

TEST(WarcJsonlWriter, ReaderDefaultsAndErrors) {
  TempDir dir("warc_jsonl3");
  write_file(dir / "a.jsonl", "{\"text\": \"t1\", \"id\": 7}\n\n{\"text\": \"t2\", \"metadata\": {\"k\": 1}}\n{\"id\": \"no text\"}\n");
  JsonlDocumentReader reader((dir / "a.jsonl").string());
  Document doc;
  ASSERT_TRUE(reader.next(doc));
  EXPECT_EQ(doc.id, "7");
  ASSERT_TRUE(reader.next(doc));
  EXPECT_EQ(doc.id, (dir / "a.jsonl").string() + ":3");
  EXPECT_EQ(doc.metadata["k"], 1);
  try {
    reader.next(doc);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(":4: missing string field \"text\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hone::curate
