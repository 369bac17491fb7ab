// Charset detection and decoding of WARC HTML payloads: HTTP header first, then <meta>, then UTF-8
// with a validity check (windows-1252 when the bytes are not UTF-8).
#include <gtest/gtest.h>
#include <unistd.h>

#include "curate/warc_reader.h"
#include "warc_test_files.h"

namespace hone::curate {
namespace {
using namespace testing;

TEST(WarcCharset, ParsesContentTypeAndMeta) {
  EXPECT_EQ(charset_from_content_type("text/html; charset=ISO-8859-1"), "iso-8859-1");
  EXPECT_EQ(charset_from_content_type("text/html;charset=\"Windows-1252\""), "windows-1252");
  EXPECT_EQ(charset_from_content_type("text/html"), "");
  EXPECT_EQ(charset_from_meta("<html><head><META CHARSET='Shift_JIS'></head>"), "shift_jis");
  EXPECT_EQ(charset_from_meta("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">"), "koi8-r");
  EXPECT_EQ(charset_from_meta("<p>charset=utf-8 outside a meta tag</p>"), "");
  // Only the first 4 KiB count, as browsers prescan.
  EXPECT_EQ(charset_from_meta(std::string(5000, ' ') + "<meta charset=latin1>"), "");
}

TEST(WarcCharset, Windows1252AndLatin1) {
  EXPECT_EQ(windows1252_to_utf8("caf\xe9 na\xefve \x93quoted\x94 \x80" "5"), "café naïve “quoted” €5");
  DecodedHtml d = decode_html("<p>Gr\xfc\xdf" "e aus K\xf6ln</p>", "text/html; charset=ISO-8859-1");
  EXPECT_EQ(d.text, "<p>Grüße aus Köln</p>");
  EXPECT_EQ(d.charset, "windows-1252");
  EXPECT_EQ(d.source, "http");
  EXPECT_FALSE(d.repaired);
}

TEST(WarcCharset, MetaCharsetWhenHttpHasNone) {
  DecodedHtml d = decode_html("<html><head><meta charset=\"iso-8859-1\"></head><body>d\xe9j\xe0 vu</body></html>", "text/html");
  EXPECT_EQ(d.source, "meta");
  EXPECT_NE(d.text.find("déjà vu"), std::string::npos);
  // http-equiv form, through iconv: KOI8-R "привет".
  d = decode_html("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=KOI8-R\"><p>\xd0\xd2\xc9\xd7\xc5\xd4</p>", "");
  EXPECT_EQ(d.charset, "koi8-r");
  EXPECT_NE(d.text.find("<p>привет</p>"), std::string::npos) << d.text;
  // The HTTP header wins over the page's own claim.
  d = decode_html("<meta charset=\"koi8-r\"><p>caf\xc3\xa9</p>", "text/html; charset=utf-8");
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_EQ(d.text, "<meta charset=\"koi8-r\"><p>café</p>");
  // A <meta> claiming UTF-16 in an ASCII-compatible page means UTF-8.
  d = decode_html("<meta charset=utf-16><p>ok \xe2\x9c\x93</p>", "");
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_FALSE(d.repaired);
}

TEST(WarcCharset, InvalidUtf8) {
  // Declared UTF-8 but broken: the bad bytes become U+FFFD, the rest is kept.
  DecodedHtml d = decode_html("ok \xff\xfe end \xc3\xa9", "text/html; charset=utf-8");
  EXPECT_TRUE(d.repaired);
  EXPECT_EQ(d.text, "ok \xEF\xBF\xBD\xEF\xBF\xBD end é");
  // Undeclared and not UTF-8: read as windows-1252.
  d = decode_html("<p>na\xefve</p>", "text/html");
  EXPECT_EQ(d.charset, "windows-1252");
  EXPECT_EQ(d.source, "default");
  EXPECT_EQ(d.text, "<p>naïve</p>");
  // Undeclared valid UTF-8 stays as is.
  d = decode_html("<p>日本語</p>", "");
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_EQ(d.text, "<p>日本語</p>");
  // A charset nobody knows: UTF-8 with repair, and the metadata says so.
  d = decode_html("<p>x\x80y</p>", "text/html; charset=x-klingon");
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_TRUE(d.repaired);
  EXPECT_NE(d.source.find("unknown:x-klingon"), std::string::npos);
  // iconv with bytes invalid in the declared charset: replaced, not dropped or fatal.
  d = decode_html("a\x82\xa0\xff" "b", "text/html; charset=shift_jis");
  EXPECT_TRUE(d.repaired);
  EXPECT_EQ(d.text.front(), 'a');
  EXPECT_EQ(d.text.back(), 'b');
}

TEST(WarcCharset, ThroughTheReader) {
  TempDir dir("warc_charset");
  std::vector<std::string> records = {
      response_record(1, "text/html; charset=iso-8859-1", "<html><body><p>Fran\xe7" "ais</p></body></html>"),
      response_record(2, "text/html", "<html><head><meta charset=\"windows-1252\"></head><body>\x93" "hi\x94</body></html>"),
      response_record(3, "text/html", "<html><body>bad \xc3\x28 utf8</body></html>"),
      response_record(4, "text/html; charset=utf-8", "<html><body>bad \xc3\x28 utf8</body></html>"),
  };
  write_file(dir / "a.warc.gz", gzip_per_record(records));
  WarcReader reader((dir / "a.warc.gz").string());
  std::vector<Document> docs;
  Document doc;
  while (reader.next(doc)) docs.push_back(doc);
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_NE(docs[0].text.find("Français"), std::string::npos);
  EXPECT_EQ(docs[0].metadata["charset"], "windows-1252");
  EXPECT_NE(docs[1].text.find("“hi”"), std::string::npos);
  EXPECT_EQ(docs[1].metadata["charset_source"], "meta");
  EXPECT_NE(docs[2].text.find("bad Ã( utf8"), std::string::npos);  // undeclared: windows-1252 guess
  EXPECT_NE(docs[3].text.find("bad \xEF\xBF\xBD( utf8"), std::string::npos);
  EXPECT_EQ(reader.stats().charset_converted, 3u);
  EXPECT_EQ(reader.stats().utf8_repaired, 1u);
}

}  // namespace
}  // namespace hone::curate
