// Seeded mutation testing of the WARC reader and the HTML extractor (the normal-suite counterpart of
// the libFuzzer targets in tests/fuzz): thousands of damaged inputs must never crash, hang or throw;
// every document that comes out is valid UTF-8 and the extractor's output is valid UTF-8 too.
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>

#include "curate/html_extract.h"
#include "curate/text_chars.h"
#include "curate/warc_reader.h"
#include "warc_test_files.h"

namespace hone::curate {
namespace {
using namespace testing;

std::string mutate(std::string data, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits && !data.empty(); ++e) {
    const std::size_t at = rng() % data.size();
    switch (rng() % 7) {
      case 0: data[at] = static_cast<char>(data[at] ^ (1 << (rng() % 8))); break;    // bit flip
      case 1: data[at] = static_cast<char>(rng()); break;                             // random byte
      case 2: data.erase(at, 1 + rng() % 64); break;                                  // deletion
      case 3: data.insert(at, std::string(1 + rng() % 16, static_cast<char>(rng()))); break;
      case 4: data.resize(at); break;                                                 // truncation
      case 5: {                                                                       // duplicate a span
        const std::size_t from = rng() % data.size();
        data.insert(at, data.substr(from, 1 + rng() % 200));
        break;
      }
      case 6: {  // tamper with a number (Content-Length and chunk sizes)
        std::size_t digit = data.find_first_of("0123456789", at);
        if (digit != std::string::npos) data[digit] = static_cast<char>('0' + rng() % 10);
        break;
      }
    }
  }
  return data;
}

std::vector<std::string> base_records() {
  std::vector<std::string> records = {
      warc_record("warcinfo", "<urn:uuid:info>", "", "application/warc-fields", "software: test\r\n"),
      response_record(1, "text/html; charset=iso-8859-1", "<html><body><p>Fran\xe7" "ais et d\xe9j\xe0 vu</p></body></html>"),
      response_record(2, "text/html", "<html><head><meta charset=koi8-r></head><body><p>\xd0\xd2\xc9\xd7\xc5\xd4</p></body></html>"),
      response_record(3, "text/html", html_page(3)),
      response_record(4, "image/png", "\x89PNG....")};
  std::string chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<p>ab\r\n3\r\nc</p\r\n1\r\n>\r\n0\r\n\r\n";
  records.push_back(warc_record("response", "<c>", "https://e.org/c", "application/http", chunked));
  records.push_back(response_record(5, "text/html; charset=utf-8", "<html><body><h1>T</h1><p>" + std::string(300, 'w') + "</p></body></html>"));
  return records;
}

TEST(WarcMutation, ThousandsOfDamagedFilesNeverCrash) {
  TempDir dir("warc_mutation");
  std::mt19937_64 rng(12345);
  const std::string plain = concat(base_records());
  const std::string gz = gzip_per_record(base_records());
  HtmlExtractor extractor;
  std::string text;
  std::uint64_t documents = 0, corrupt = 0, damaged_members = 0, truncated = 0;
  const int iterations = 3000;
  for (int i = 0; i < iterations; ++i) {
    const bool use_gzip = i % 2 == 1;
    const std::string input = mutate(use_gzip ? gz : plain, rng);
    const auto path = dir / (use_gzip ? "m.warc.gz" : "m.warc");
    write_file(path, input);
    try {
      WarcReaderOptions options;
      options.max_record_bytes = 1 << 16;
      WarcReader reader(path.string(), options);
      Document doc;
      int guard = 0;
      while (reader.next(doc)) {
        ASSERT_LT(++guard, 1000) << "iteration " << i << ": reader does not advance";
        ASSERT_EQ(find_invalid_utf8(doc.text), std::string::npos) << "iteration " << i;
        ASSERT_EQ(find_invalid_utf8(doc.id), std::string::npos) << "iteration " << i;
        ASSERT_EQ(find_invalid_utf8(doc.url), std::string::npos) << "iteration " << i;
        extractor.extract(doc.text, text);
        ASSERT_EQ(find_invalid_utf8(text), std::string::npos) << "iteration " << i;
        ++documents;
      }
      corrupt += reader.stats().corrupt_records;
      damaged_members += reader.stats().corrupt_gzip_members;
      truncated += reader.stats().truncated ? 1 : 0;
    } catch (const std::exception& e) {
      FAIL() << "iteration " << i << " threw: " << e.what();
    }
  }
  std::cout << iterations << " mutated files: " << documents << " documents, " << corrupt << " corrupt records, "
            << damaged_members << " damaged gzip members, " << truncated << " truncated files\n";
  // The mutations really damaged things, and most records still came through.
  EXPECT_GT(corrupt, 100u);
  EXPECT_GT(damaged_members, 100u);
  EXPECT_GT(truncated, 100u);
  EXPECT_GT(documents, static_cast<std::uint64_t>(iterations) * 2);
}

TEST(WarcMutation, MutatedHtmlNeverCrashesTheExtractor) {
  std::mt19937_64 rng(777);
  const std::string base =
      "<!DOCTYPE html><html><head><title>t</title><script>if (a < b) { x = '</div>'; }</script></head><body>"
      "<nav><ul><li><a href='/'>Home</a></li></ul></nav><article><h1>Heading &amp; more</h1><p>Some paragraph "
      "text with <a href='#'>a link</a> and <b>bold <i>nested</i></b> words that goes on for a while.</p>"
      "<table><tr><td>cell</td><td><pre>code\n  block</pre></td></tr></table><ul><li>one</li><li>two</li></ul>"
      "</article><!-- comment --><footer>foot</footer><p>d\xc3\xa9j\xc3\xa0 \xe2\x82\xac</p></body></html>";
  HtmlExtractor extractor;
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    const std::string html = mutate(base, rng);
    extractor.extract(html, text);
    // Invalid input bytes may pass through gumbo (it replaces them), the output must still be UTF-8.
    ASSERT_EQ(find_invalid_utf8(text), std::string::npos) << "iteration " << i;
    ASSERT_EQ(text.find("\n\n\n"), std::string::npos) << "iteration " << i;
  }
}

}  // namespace
}  // namespace hone::curate
