// Stage 8: planted duplicate spans just below and at the length threshold, overlapping duplicates,
// matches that would cross document boundaries, first-occurrence semantics and determinism, the
// < 20 characters rule, whole-document duplicates, UTF-8 safety and the token mode.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "curate/exact_dedup.h"
#include "curate/repeat_candidates.h"
#include "curate/text_chars.h"

namespace hone::curate {
namespace {

// Random lowercase letters: no window of even 20 letters repeats by chance, within or across texts.
std::string random_letters(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, ' ');
  for (char& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

std::vector<Document> make_docs(const std::vector<std::string>& texts) {
  std::vector<Document> docs;
  for (std::size_t i = 0; i < texts.size(); ++i) docs.push_back({"doc" + std::to_string(i), texts[i], "", {}});
  return docs;
}

TEST(ExactDedup, SpanAtTheThresholdIsRemovedFromTheLaterDocumentOnly) {
  const std::string a = random_letters(300, 1), b = random_letters(300, 2), span = random_letters(100, 3);
  // Different delimiters around the span keep the match exactly 100 bytes long.
  auto docs = make_docs({a + "[" + span + "]" + b, b.substr(0, 50) + "<" + span + ">" + a.substr(0, 50)});
  const std::string first = docs[0].text;
  const ExactDedupResult r = exact_dedup(docs);
  EXPECT_EQ(docs[0].text, first);
  EXPECT_EQ(docs[1].text, b.substr(0, 50) + "<>" + a.substr(0, 50));
  EXPECT_TRUE(r.verdicts[0].keep);
  EXPECT_TRUE(r.verdicts[1].keep);
  EXPECT_EQ(r.stats.counters.at("duplicate_spans"), 1u);
  EXPECT_EQ(r.stats.counters.at("span_bytes_removed"), 100u);
  EXPECT_EQ(r.stats.counters.at("docs_edited"), 1u);
  EXPECT_EQ(docs[1].metadata["exact_dedup_bytes_removed"], 100);
  EXPECT_EQ(r.stats.bytes_out, r.stats.bytes_in - 100);
}

TEST(ExactDedup, SpanBelowTheThresholdIsKept) {
  const std::string a = random_letters(300, 1), b = random_letters(300, 2), span = random_letters(99, 3);
  auto docs = make_docs({a + "[" + span + "]", b + "<" + span + ">"});
  const auto before = docs;
  const ExactDedupResult r = exact_dedup(docs);
  EXPECT_EQ(docs[0].text, before[0].text);
  EXPECT_EQ(docs[1].text, before[1].text);
  EXPECT_FALSE(r.stats.counters.contains("duplicate_spans"));
  // The threshold is configurable: at 99 the same span goes.
  exact_dedup(docs, {.min_span_bytes = 99});
  EXPECT_EQ(docs[1].text, b + "<>");
}

TEST(ExactDedup, OverlappingDuplicatesMergeIntoOneRange) {
  const std::string s = random_letters(200, 4), x = random_letters(150, 5), y = random_letters(150, 6);
  const std::string f1 = random_letters(80, 7), f2 = random_letters(80, 8), f3 = random_letters(80, 9);
  // doc1 repeats s[0:150], doc2 repeats s[50:200]: both overlap doc0's s and each other.
  // doc3 holds x's tail and y's head back to back: two duplicates from two sources that touch.
  auto docs = make_docs({"{" + s + "}", f1 + "(" + s.substr(0, 150) + ")" + f2, f2 + "|" + s.substr(50) + "|" + f3,
                         x + "#" + y, f3 + "!" + x.substr(30) + y.substr(0, 120) + "!" + f1});
  const ExactDedupResult r = exact_dedup(docs);
  EXPECT_EQ(docs[0].text, "{" + s + "}");
  EXPECT_EQ(docs[1].text, f1 + "()" + f2);
  EXPECT_EQ(docs[2].text, f2 + "||" + f3);
  EXPECT_EQ(docs[3].text, x + "#" + y);
  EXPECT_EQ(docs[4].text, f3 + "!!" + f1);  // 120 + 120 bytes removed as one merged range
  EXPECT_EQ(r.stats.counters.at("duplicate_spans"), 3u);
  EXPECT_EQ(r.stats.counters.at("span_bytes_removed"), 150u + 150u + 240u);
}

TEST(ExactDedup, NoMatchAcrossDocumentBoundaries) {
  const std::string x = random_letters(120, 10);
  // doc0 ends with x[0:60] and doc1 starts with x[60:120]: joined they would spell x, which doc2 holds.
  auto docs = make_docs({random_letters(50, 11) + x.substr(0, 60), x.substr(60) + random_letters(50, 12),
                         random_letters(50, 13) + "." + x + "." + random_letters(50, 14)});
  const auto before = docs;
  const ExactDedupResult r = exact_dedup(docs);
  for (std::size_t i = 0; i < docs.size(); ++i) EXPECT_EQ(docs[i].text, before[i].text) << i;
  EXPECT_FALSE(r.stats.counters.contains("duplicate_spans"));

  // The same 120 bytes inside one later document do match.
  docs.push_back({"doc3", "," + x + ",", "", {}});
  exact_dedup(docs, {.min_doc_chars = 0});
  EXPECT_EQ(docs[3].text, ",,");
}

TEST(ExactDedup, FirstOccurrenceIsKeptAndResultsAreDeterministic) {
  std::vector<std::string> texts;
  const std::string shared = random_letters(400, 20);
  for (unsigned i = 0; i < 30; ++i) {
    texts.push_back(random_letters(200, 100 + i) + std::string(1, static_cast<char>('A' + i % 26)) +
                    shared.substr(i * 7, 150 + i) + std::string(1, static_cast<char>('A' + (i + 1) % 26)) +
                    random_letters(100, 200 + i));
  }
  auto docs1 = make_docs(texts), docs2 = make_docs(texts);
  const ExactDedupResult r1 = exact_dedup(docs1), r2 = exact_dedup(docs2);
  for (std::size_t i = 0; i < docs1.size(); ++i) {
    EXPECT_EQ(docs1[i].text, docs2[i].text);
    EXPECT_EQ(r1.verdicts[i].keep, r2.verdicts[i].keep);
  }
  EXPECT_EQ(docs1[0].text, texts[0]);  // the first copy of everything it holds
  EXPECT_LT(docs1[5].text.size(), texts[5].size());
  EXPECT_EQ(r1.stats.counters.at("docs_edited"), r2.stats.counters.at("docs_edited"));

  // Reversed order: the last document becomes the first and keeps its text.
  std::vector<std::string> reversed(texts.rbegin(), texts.rend());
  auto docs3 = make_docs(reversed);
  exact_dedup(docs3);
  EXPECT_EQ(docs3[0].text, reversed[0]);
  EXPECT_LT(docs3.back().text.size(), texts[0].size());
}

TEST(ExactDedup, DocumentsLeftWithFewerThan20CharactersAreDropped) {
  const std::string span = random_letters(100, 30);
  auto docs = make_docs({random_letters(50, 31) + "." + span + ".",
                         span + "ABCDEFGHIJKLMNOPQRS",     // 19 characters left: dropped
                         span + "TUVWXYZ0123456789#$%",    // 20 left: kept
                         span + "ÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄ",     // 19 characters (38 bytes) left: dropped
                         "short"});                         // not edited: kept whatever its length
  const ExactDedupResult r = exact_dedup(docs);
  EXPECT_EQ(r.verdicts[1].reason, "exact_dedup_too_short");
  EXPECT_TRUE(r.verdicts[2].keep);
  EXPECT_EQ(docs[2].text, "TUVWXYZ0123456789#$%");
  EXPECT_EQ(r.verdicts[3].reason, "exact_dedup_too_short");
  EXPECT_TRUE(r.verdicts[4].keep);
  EXPECT_EQ(r.stats.drop_reasons.at("exact_dedup_too_short"), 2u);
  EXPECT_EQ(r.stats.docs_out, 3u);
}

TEST(ExactDedup, WholeDocumentDuplicatesGoFirst) {
  const std::string a = random_letters(500, 40), b = random_letters(500, 41);
  auto docs = make_docs({a, b, a, b, a});
  const ExactDedupResult r = exact_dedup(docs);
  EXPECT_TRUE(r.verdicts[0].keep);
  EXPECT_TRUE(r.verdicts[1].keep);
  for (int i : {2, 3, 4}) EXPECT_EQ(r.verdicts[i].reason, "exact_duplicate_document");
  EXPECT_EQ(docs[0].text, a);  // the survivors are not edited by their own dropped copies
  EXPECT_EQ(docs[1].text, b);
  EXPECT_EQ(r.stats.drop_reasons.at("exact_duplicate_document"), 3u);
  EXPECT_EQ(r.stats.docs_out, 2u);
}

// Gopher's exact dedup: whole documents only, repeated spans stay (remove_duplicate_spans = false).
TEST(ExactDedup, WholeDocumentsOnlyLeavesRepeatedSpans) {
  const std::string a = random_letters(500, 42), span = random_letters(200, 43);
  auto docs = make_docs({a, a, "x" + span, "y" + span});
  ExactDedupConfig config;
  config.remove_duplicate_spans = false;
  const ExactDedupResult r = exact_dedup(docs, config);
  EXPECT_TRUE(r.verdicts[0].keep);
  EXPECT_EQ(r.verdicts[1].reason, "exact_duplicate_document");
  EXPECT_TRUE(r.verdicts[2].keep);
  EXPECT_TRUE(r.verdicts[3].keep);
  EXPECT_EQ(docs[3].text, "y" + span);
  EXPECT_EQ(r.stats.docs_out, 3u);
  EXPECT_EQ(r.stats.bytes_out, 500u + 2 * 201u);
  EXPECT_FALSE(r.stats.counters.count("span_bytes_removed"));
  // The same batch with span removal cuts the repeated span from the later document.
  auto again = make_docs({a, a, "x" + span, "y" + span});
  EXPECT_EQ(exact_dedup(again).stats.counters.at("span_bytes_removed"), 200u);
}

TEST(ExactDedup, NeverSplitsAUtf8Character) {
  const std::string span = random_letters(100, 50);
  // "é" is C3 A9 and "ĩ" is C4 A9: the repeated bytes start at ĩ's continuation byte A9.
  auto docs = make_docs({"xé" + span + "1", "yĩ" + span + "2"});
  exact_dedup(docs);
  EXPECT_EQ(docs[1].text, "yĩ2");
  EXPECT_EQ(find_invalid_utf8(docs[1].text), std::string::npos);
  auto bad = make_docs({"ok", std::string("bad\xff")});
  EXPECT_THROW(exact_dedup(bad), Error);
}

// Whitespace tokenizer for the token mode: a token is a word and the spaces after it.
DocumentTokens tokenize(const std::string& text, std::map<std::string, std::uint32_t>& vocab, std::uint32_t id_base) {
  DocumentTokens t;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    const auto [it, inserted] = vocab.emplace(text.substr(pos, end - pos), id_base + static_cast<std::uint32_t>(vocab.size()));
    t.ids.push_back(it->second);
    t.byte_offsets.push_back(static_cast<std::uint32_t>(pos));
    pos = text.find_first_not_of(' ', end);
    if (pos == std::string::npos) break;
  }
  return t;
}

std::string random_words(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += 'w';
    s += std::to_string(rng() % 5000);
    s += ' ';
  }
  return s;
}

// The definition, by brute force: a window of k bytes (inside one document) that also occurs earlier
// in corpus order marks [p, p + k); a character goes when its first byte is marked. Compared with the
// suffix-array implementation on small random corpora over a tiny alphabet, so repeats of every length
// are common, for window lengths around the 8-byte comparison words.
std::vector<std::string> brute_force_dedup(const std::vector<std::string>& texts, std::size_t k) {
  std::string corpus;
  std::vector<std::size_t> starts;
  for (const auto& t : texts) {
    starts.push_back(corpus.size());
    corpus += t;
    corpus += '\xFF';
  }
  std::vector<bool> marked(corpus.size(), false);
  std::map<std::string, std::size_t> first;
  for (std::size_t p = 0; p + k <= corpus.size(); ++p) {
    const std::string window = corpus.substr(p, k);
    if (window.find('\xFF') != std::string::npos) continue;
    if (!first.emplace(window, p).second) {
      for (std::size_t q = p; q < p + k; ++q) marked[q] = true;
    }
  }
  std::vector<std::string> out;
  for (std::size_t d = 0; d < texts.size(); ++d) {
    std::string kept;
    bool removing = false;
    for (std::size_t b = 0; b < texts[d].size(); ++b) {
      if ((static_cast<unsigned char>(texts[d][b]) & 0xC0) != 0x80) removing = marked[starts[d] + b];
      if (!removing) kept += texts[d][b];
    }
    out.push_back(kept);
  }
  return out;
}

TEST(ExactDedup, MatchesBruteForceOnRandomRepetitiveText) {
  std::mt19937 rng(77);
  const std::vector<std::string> alphabet = {"a", "b", "c", " ", "\xC3\xA9"};  // with a 2-byte character
  int edited = 0;
  for (int trial = 0; trial < 80; ++trial) {
    // The later trials are longer, with longer copies, for the default span length.
    const bool long_docs = trial >= 60;
    std::vector<std::string> texts;
    const int n_docs = 1 + static_cast<int>(rng() % 6);
    for (int d = 0; d < n_docs; ++d) {
      std::string t;
      const int symbols = static_cast<int>(rng() % (long_docs ? 400 : 120));
      for (int i = 0; i < symbols; ++i) t += alphabet[rng() % (trial % 2 ? 3 : alphabet.size())];
      // Copies of earlier pieces, so that long repeats occur too.
      if (!texts.empty() && rng() % 2) {
        const std::string& source = texts[rng() % texts.size()];
        std::size_t cut = std::min<std::size_t>(source.size(), rng() % (long_docs ? 300 : 40));
        while (cut < source.size() && (static_cast<unsigned char>(source[cut]) & 0xC0) == 0x80) ++cut;
        t += source.substr(0, cut);
      }
      texts.push_back(t);
    }
    const std::vector<std::size_t> lengths = long_docs ? std::vector<std::size_t>{50, 99, 100, 101}
                                                       : std::vector<std::size_t>{1, 2, 3, 7, 8, 9, 16, 17, 30};
    for (std::size_t k : lengths) {
      auto docs = make_docs(texts);
      ExactDedupConfig config;
      config.drop_duplicate_documents = false;
      config.min_span_bytes = k;
      config.min_doc_chars = 0;
      exact_dedup(docs, config);
      const std::vector<std::string> expected = brute_force_dedup(texts, k);
      for (std::size_t d = 0; d < texts.size(); ++d) {
        ASSERT_EQ(docs[d].text, expected[d]) << "trial " << trial << " k " << k << " doc " << d;
        edited += docs[d].text != texts[d];
      }
    }
  }
  EXPECT_GT(edited, 200);  // the comparison is not vacuous: many documents lost text
}

TEST(ExactDedup, SuffixArrayCoversOnlyRegionsThatCanRepeat) {
  // 20 documents of random letters (no 100-byte window repeats by chance) and one 300-byte span
  // planted in three of them: the prefilter keeps about the three copies, each with up to k - 1 + w
  // bytes of margin, of the 100 KB.
  const std::string span = random_letters(300, 90);
  std::vector<std::string> texts;
  for (unsigned d = 0; d < 20; ++d) texts.push_back(random_letters(5000, 100 + d));
  for (std::size_t d : {3u, 9u, 15u}) texts[d].insert(1000 + 100 * d, span);
  std::size_t total = 0;
  for (const auto& t : texts) total += t.size() + 1;
  std::vector<std::string_view> views(texts.begin(), texts.end());
  const std::vector<ByteRegion> regions = repeat_candidate_regions(views, 100);
  ASSERT_FALSE(regions.empty());
  std::size_t covered = 0;
  for (const ByteRegion& r : regions) {
    EXPECT_TRUE(r.text == 3 || r.text == 9 || r.text == 15) << r.text;
    EXPECT_LE(r.begin, 1000 + 100 * r.text);
    EXPECT_GE(r.end, 1000 + 100 * r.text + 300);
    covered += r.end - r.begin;
  }
  EXPECT_EQ(regions.size(), 3u);
  EXPECT_LT(covered, 3u * (300 + 2 * 150));
  auto docs = make_docs(texts);
  const ExactDedupResult r = exact_dedup(docs);
  EXPECT_EQ(r.suffix_array_bytes, covered + regions.size());
  EXPECT_LT(r.suffix_array_bytes, total / 50);
  EXPECT_EQ(r.stats.counters.at("span_bytes_removed"), 600u);
  EXPECT_EQ(docs[3].text, texts[3]);
  // Text that is one long repeat keeps everything: the prefilter never loses a candidate.
  std::vector<std::string_view> same = {std::string_view(texts[0]).substr(0, 400), std::string_view(texts[0]).substr(0, 400)};
  const std::vector<ByteRegion> all = repeat_candidate_regions(same, 100);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].begin, 0u);
  EXPECT_EQ(all[0].end, 400u);
  EXPECT_EQ(all[1].end, 400u);
}

TEST(ExactDedup, TokenModeAtTheThreshold) {
  for (std::uint32_t id_base : {0u, 100000u}) {  // 2-byte and 3-byte codes for divsufsort
    const std::string a = random_words(80, 60), b = random_words(80, 61);
    const std::string span50 = random_words(50, 62), span49 = random_words(49, 63);
    auto docs = make_docs({a + "X1 " + span50 + "X2 " + span49 + "X3 end", b + "Y1 " + span50 + "Y2 " + span49 + "Y3 end"});
    std::map<std::string, std::uint32_t> vocab;
    std::vector<DocumentTokens> tokens;
    for (const auto& d : docs) tokens.push_back(tokenize(d.text, vocab, id_base));
    const ExactDedupResult r = exact_dedup_tokens(docs, tokens);
    EXPECT_EQ(docs[0].text, a + "X1 " + span50 + "X2 " + span49 + "X3 end");
    EXPECT_EQ(docs[1].text, b + "Y1 Y2 " + span49 + "Y3 end") << id_base;  // 50 tokens go, 49 stay
    EXPECT_EQ(r.stats.counters.at("duplicate_spans"), 1u);
  }
  std::vector<Document> docs = make_docs({"a b"});
  EXPECT_THROW(exact_dedup_tokens(docs, {}), Error);
}

}  // namespace
}  // namespace hone::curate
