// Stage 1: every URL rule just below (kept) and at/above (dropped) its threshold, the host and
// registered-domain parsing, and the example list files.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "curate/url_filter.h"

namespace hone::curate {
namespace {

std::string reason(UrlFilter& f, const std::string& url) {
  const Verdict v = f.evaluate(url);
  return v.keep ? "kept" : std::string(v.reason);
}

TEST(UrlFilter, HostParsing) {
  EXPECT_EQ(url_host("https://User:pw@WWW.Example.COM:8080/a/b?q=1#x"), "www.example.com");
  EXPECT_EQ(url_host("http://example.org."), "example.org");
  EXPECT_EQ(url_host("example.net/path"), "example.net");
  EXPECT_EQ(url_host("//cdn.example.com/x.js"), "cdn.example.com");
  EXPECT_EQ(url_host("http://[2001:db8::1]:80/"), "2001:db8::1");
  EXPECT_EQ(url_host("mailto:someone"), "");
  EXPECT_EQ(url_host(""), "");
}

TEST(UrlFilter, RegisteredDomainUsesThePublicSuffixList) {
  EXPECT_EQ(registered_domain("a.b.example.co.uk"), "example.co.uk");  // co.uk is a public suffix
  EXPECT_EQ(registered_domain("www.example.com"), "example.com");
  EXPECT_EQ(registered_domain("news.bbc.co.uk"), "bbc.co.uk");
  EXPECT_EQ(registered_domain("x.y.city.kawasaki.jp"), "city.kawasaki.jp");  // an exception rule (!city.kawasaki.jp)
  EXPECT_EQ(registered_domain("127.0.0.1"), "127.0.0.1");  // no registered domain: the host itself
}

TEST(UrlFilter, WordsAndNormalisation) {
  EXPECT_EQ(url_words("https://Free-PORN.com/x_1"), (std::vector<std::string>{"https", "free", "porn", "com", "x", "1"}));
  EXPECT_EQ(normalize_url_text("https://Jack-Pot.com/"), "httpsjackpotcom");
}

TEST(UrlFilter, DomainBlocklist) {
  UrlFilterConfig c;
  c.blocked_domains = {"Blocked-Example.com", "ads.example.org."};
  UrlFilter f(c);
  EXPECT_EQ(reason(f, "https://www.blocked-example.com/page"), "url_domain");
  EXPECT_EQ(reason(f, "https://blocked-example.com"), "url_domain");
  EXPECT_EQ(reason(f, "https://blocked-example.com.other.org/"), "kept");  // registered domain is other.org
  EXPECT_EQ(reason(f, "https://notblocked-example.com/"), "kept");
  EXPECT_EQ(reason(f, "http://ads.example.org/banner"), "url_subdomain");
  EXPECT_EQ(reason(f, "http://x.ads.example.org/banner"), "url_subdomain");  // a child of a blocked host
  EXPECT_EQ(reason(f, "http://example.org/ads"), "kept");                   // the parent is not blocked
  EXPECT_EQ(reason(f, "http://www.example.org/"), "kept");
}

TEST(UrlFilter, ExactUrlList) {
  UrlFilterConfig c;
  c.blocked_urls = {"https://example.net/private/page.html"};
  UrlFilter f(c);
  EXPECT_EQ(reason(f, "https://example.net/private/page.html"), "url_exact");
  EXPECT_EQ(reason(f, "https://example.net/private/page.html?x=1"), "kept");
  EXPECT_EQ(reason(f, "https://example.net/private/"), "kept");
}

TEST(UrlFilter, HardWordDropsAlone) {
  UrlFilterConfig c;
  c.hard_words = {"casino"};
  UrlFilter f(c);
  EXPECT_EQ(reason(f, "https://example.com/casino-night"), "url_hard_word");
  EXPECT_EQ(reason(f, "https://CASINO.example.com/"), "url_hard_word");
  EXPECT_EQ(reason(f, "https://example.com/casinos"), "kept");  // a word, not a substring
  EXPECT_EQ(reason(f, "https://example.com/mycasino"), "kept");
}

TEST(UrlFilter, SoftWordsAtTheThreshold) {
  UrlFilterConfig c;
  c.soft_words = {"free", "bonus", "win"};
  UrlFilter f(c);
  EXPECT_EQ(reason(f, "https://example.com/free-recipes"), "kept");          // 1 < 2
  EXPECT_EQ(reason(f, "https://example.com/free/free/free"), "kept");        // one distinct word
  EXPECT_EQ(reason(f, "https://example.com/free-bonus"), "url_soft_words");  // 2 >= 2
  EXPECT_EQ(reason(f, "https://win.example.com/Bonus"), "url_soft_words");

  c.soft_word_threshold = 3;
  UrlFilter strict(c);
  EXPECT_EQ(reason(strict, "https://example.com/free-bonus"), "kept");
  EXPECT_EQ(reason(strict, "https://example.com/free-bonus-win"), "url_soft_words");
}

TEST(UrlFilter, StrictSubwordOverTheNormalisedUrl) {
  UrlFilterConfig c;
  c.strict_subwords = {"jackpot-slots"};  // normalised to "jackpotslots"
  UrlFilter f(c);
  EXPECT_EQ(reason(f, "https://example.com/JackPot_Slots.html"), "url_subword");
  EXPECT_EQ(reason(f, "https://myjackpotslotsite.com/"), "url_subword");
  EXPECT_EQ(reason(f, "https://example.com/jackpot/x/slots"), "kept");  // "jackpotxslots"
  EXPECT_EQ(reason(f, "https://example.com/jackpotslot"), "kept");
}

TEST(UrlFilter, RuleOrderAndDocumentsWithoutUrl) {
  UrlFilterConfig c;
  c.blocked_domains = {"bad.com"};
  c.hard_words = {"casino"};
  UrlFilter f(c);
  Document with_url{"1", "text", "https://bad.com/casino", {}};
  EXPECT_EQ(f.process(with_url).reason, "url_domain");  // the domain rule comes first
  Document without_url{"2", "text", "", {}};
  EXPECT_TRUE(f.process(without_url).keep);
  EXPECT_EQ(f.stats().docs_in, 2u);
  EXPECT_EQ(f.stats().docs_out, 1u);
  EXPECT_EQ(f.stats().drop_reasons.at("url_domain"), 1u);
  EXPECT_EQ(f.stats().counters.at("docs_without_url"), 1u);
}

TEST(UrlFilter, ExampleListFiles) {
  const std::string dir = std::string(HONE_TEST_DATA_DIR) + "/../../recipes/curate/";
  UrlFilterConfig c;
  c.blocked_domains = read_list_file(dir + "url_blocked_domains.example.txt");
  c.blocked_urls = read_list_file(dir + "url_blocked_urls.example.txt");
  c.hard_words = read_list_file(dir + "url_hard_words.example.txt");
  c.soft_words = read_list_file(dir + "url_soft_words.example.txt");
  c.strict_subwords = read_list_file(dir + "url_strict_subwords.example.txt");
  EXPECT_EQ(c.blocked_domains, (std::vector<std::string>{"blocked-example.com", "ads.example.org"}));  // comments skipped
  EXPECT_EQ(c.soft_words.size(), 3u);
  UrlFilter f(c);
  EXPECT_EQ(reason(f, "https://blocked-example.com/"), "url_domain");
  EXPECT_EQ(reason(f, "https://example.net/private/page.html"), "url_exact");
  EXPECT_EQ(reason(f, "https://example.com/casino"), "url_hard_word");
  EXPECT_EQ(reason(f, "https://example.com/win-free"), "url_soft_words");
  EXPECT_EQ(reason(f, "https://example.com/jackpotslots"), "url_subword");
  EXPECT_EQ(reason(f, "https://debian.org/doc/"), "kept");
  EXPECT_THROW(read_list_file(dir + "no_such_file.txt"), Error);
}

}  // namespace
}  // namespace hone::curate
