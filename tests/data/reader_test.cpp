// Corpus readers: UTF-8 validation, plain/.gz/.zst decompression, JSONL and text document splitting,
// and the errors for bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/corpus_files.h"
#include "data/document_reader.h"
#include "data/line_reader.h"
#include "data/utf8.h"

namespace hone {
namespace {

using testing::TempDir;

std::vector<Document> read_all(const std::string& path, TextUnit unit = TextUnit::Paragraph) {
  DocumentReader reader(path, unit);
  std::vector<Document> documents;
  Document document;
  while (reader.next(document)) documents.push_back(document);
  return documents;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Utf8, AcceptsWellFormedAndFindsTheFirstBadByte) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE6\xBC\xA2 \xF0\x9F\x98\x80"));  // 2-, 3- and 4-byte forms
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));                         // U+10FFFF, the last code point
  EXPECT_EQ(find_invalid_utf8("ab\xFF"), 2u);
  EXPECT_EQ(find_invalid_utf8("a\xC0\xAF"), 1u);          // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);       // overlong 3-byte
  EXPECT_EQ(find_invalid_utf8("xy\xED\xA0\x80"), 2u);     // surrogate U+D800
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);   // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("abc\xE6\xBC"), 3u);        // cut short at the end
  EXPECT_EQ(find_invalid_utf8("\xC3(x"), 0u);             // bad continuation byte
}

TEST(LineReader, SplitsLinesAcrossChunksAndStripsCarriageReturns) {
  TempDir dir;
  std::string long_line(3 << 20, 'x');  // longer than one 1 MiB read
  testing::write_file(dir.file("a.txt"), "one\r\ntwo\n\n" + long_line + "\nlast without newline");
  LineReader reader(dir.file("a.txt"));
  std::string line;
  std::vector<std::string> lines;
  while (reader.next(line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "one");
  EXPECT_EQ(lines[1], "two");
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(lines[3], long_line);
  EXPECT_EQ(lines[4], "last without newline");
  EXPECT_EQ(reader.line_number(), 5);
}

TEST(DocumentReader, JsonlPlainGzipAndZstdGiveTheSameDocuments) {
  TempDir dir;
  std::string jsonl;
  std::vector<std::string> texts;
  for (const auto& sentence : testing::generated_sentences(300)) {
    texts.push_back(sentence + "\nsecond line \xC3\xA9");
    jsonl += nlohmann::json{{"id", texts.size()}, {"text", texts.back()}, {"metadata", {{"k", 1}}}}.dump() + "\n";
  }
  jsonl += "\n{\"text\": \"\"}\n";  // blank lines and empty texts are skipped
  testing::write_file(dir.file("c.jsonl"), jsonl);
  testing::write_gzip(dir.file("c.jsonl.gz"), jsonl);
  testing::write_zstd(dir.file("c.jsonl.zst"), jsonl, 777);  // many frames, split mid-line
  for (const char* name : {"c.jsonl", "c.jsonl.gz", "c.jsonl.zst"}) {
    auto documents = read_all(dir.file(name));
    ASSERT_EQ(documents.size(), texts.size()) << name;
    for (size_t i = 0; i < texts.size(); ++i) {
      EXPECT_EQ(documents[i].text, texts[i]) << name << " document " << i;
      EXPECT_EQ(documents[i].line, static_cast<int64_t>(i + 1)) << name;
    }
  }
}

TEST(DocumentReader, TextUnitsSplitParagraphsLinesOrFiles) {
  TempDir dir;
  testing::write_zstd(dir.file("t.txt.zst"), "\n\nFirst para\ncontinues.\n  \nSecond.\n\n\nThird\n\n");
  auto paragraphs = read_all(dir.file("t.txt.zst"), TextUnit::Paragraph);
  ASSERT_EQ(paragraphs.size(), 3u);
  EXPECT_EQ(paragraphs[0].text, "First para\ncontinues.");
  EXPECT_EQ(paragraphs[0].line, 3);
  EXPECT_EQ(paragraphs[1].text, "Second.");
  EXPECT_EQ(paragraphs[1].line, 6);
  EXPECT_EQ(paragraphs[2].text, "Third");
  auto lines = read_all(dir.file("t.txt.zst"), TextUnit::Line);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1].text, "continues.");
  EXPECT_EQ(lines[1].line, 4);
  auto files = read_all(dir.file("t.txt.zst"), TextUnit::File);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].text, "First para\ncontinues.\n  \nSecond.\n\n\nThird");
  EXPECT_EQ(files[0].line, 3);
}

TEST(DocumentReader, InvalidUtf8NamesFileAndLine) {
  TempDir dir;
  testing::write_file(dir.file("bad.txt"), "fine\nstill fine\nbroken \xFF byte\n");
  std::string message = error_of([&] { read_all(dir.file("bad.txt")); });
  EXPECT_NE(message.find("invalid UTF-8"), std::string::npos) << message;
  EXPECT_NE(message.find("bad.txt' line 3"), std::string::npos) << message;
  testing::write_gzip(dir.file("bad.jsonl.gz"), "{\"text\": \"ok\"}\n{\"text\": \"bad \xC0\xAF\"}\n");
  message = error_of([&] { read_all(dir.file("bad.jsonl.gz")); });
  EXPECT_NE(message.find("invalid UTF-8"), std::string::npos) << message;
  EXPECT_NE(message.find("bad.jsonl.gz' line 2"), std::string::npos) << message;
}

TEST(DocumentReader, MalformedJsonlIsAnErrorWithTheLine) {
  TempDir dir;
  testing::write_file(dir.file("a.jsonl"), "{\"text\": \"ok\"}\n{\"text\": \"unterminated}\n");
  std::string message = error_of([&] { read_all(dir.file("a.jsonl")); });
  EXPECT_NE(message.find("malformed JSON in '" + dir.file("a.jsonl") + "' line 2"), std::string::npos) << message;
  testing::write_file(dir.file("b.jsonl"), "{\"text\": \"ok\"}\n\n{\"body\": \"no text\"}\n");
  message = error_of([&] { read_all(dir.file("b.jsonl")); });
  EXPECT_NE(message.find("line 3 has no string field \"text\""), std::string::npos) << message;
  testing::write_file(dir.file("c.jsonl"), "{\"text\": 42}\n");
  message = error_of([&] { read_all(dir.file("c.jsonl")); });
  EXPECT_NE(message.find("line 1 has no string field"), std::string::npos) << message;
}

TEST(DocumentReader, MissingAndCorruptCompressedFilesAreErrors) {
  TempDir dir;
  std::string message = error_of([&] { read_all(dir.file("nope.jsonl.zst")); });
  EXPECT_NE(message.find("cannot open input file '" + dir.file("nope.jsonl.zst") + "'"), std::string::npos) << message;

  std::string jsonl;
  for (const auto& sentence : testing::generated_sentences(200)) jsonl += nlohmann::json{{"text", sentence}}.dump() + "\n";
  testing::write_zstd(dir.file("whole.jsonl.zst"), jsonl, 1 << 20);
  std::string zstd_bytes = testing::read_file(dir.file("whole.jsonl.zst"));
  testing::write_file(dir.file("cut.jsonl.zst"), zstd_bytes.substr(0, zstd_bytes.size() / 2));
  message = error_of([&] { read_all(dir.file("cut.jsonl.zst")); });
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  testing::write_file(dir.file("garbage.jsonl.zst"), "this is not zstd at all, just text\n");
  message = error_of([&] { read_all(dir.file("garbage.jsonl.zst")); });
  EXPECT_NE(message.find("not a valid zstd file"), std::string::npos) << message;

  testing::write_gzip(dir.file("whole.jsonl.gz"), jsonl);
  std::string gzip_bytes = testing::read_file(dir.file("whole.jsonl.gz"));
  testing::write_file(dir.file("cut.jsonl.gz"), gzip_bytes.substr(0, gzip_bytes.size() / 2));
  message = error_of([&] { read_all(dir.file("cut.jsonl.gz")); });
  EXPECT_NE(message.find("not a valid gzip file"), std::string::npos) << message;
}

TEST(DocumentReader, RecognisesJsonlByNameBeforeTheCompressionSuffix) {
  EXPECT_TRUE(is_jsonl_name("a/b.jsonl"));
  EXPECT_TRUE(is_jsonl_name("b.jsonl.gz"));
  EXPECT_TRUE(is_jsonl_name("b.json.zst"));
  EXPECT_FALSE(is_jsonl_name("b.txt.gz"));
  EXPECT_FALSE(is_jsonl_name("jsonl.txt"));
  EXPECT_EQ(compression_from_name("x.zst"), Compression::Zstd);
  EXPECT_EQ(compression_from_name("x.gz"), Compression::Gzip);
  EXPECT_EQ(compression_from_name("x.jsonl"), Compression::None);
}

}  // namespace
}  // namespace hone
