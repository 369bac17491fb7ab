#pragma once
// Stage 1: URL filtering as RefinedWeb (Penedo et al. 2023, appendix G.1) describes it and datatrove's
// URLFilter implements it. A document is dropped, in this order, when
//   its registered domain (public suffix list, libpsl's built-in copy) is blocked    "url_domain"
//   its host or any parent domain of the host is blocked                             "url_subdomain"
//   its URL is on the exact-URL list (compared verbatim)                             "url_exact"
//   a hard word is one of the URL's words                                            "url_hard_word"
//   >= soft_word_threshold distinct soft words are among the URL's words             "url_soft_words"
//   a strict subword occurs anywhere in the normalised URL                           "url_subword"
// URL words are the URL split on runs of characters outside [A-Za-z0-9], lowercased; the normalised URL
// is the URL with those characters removed, lowercased. List words are normalised the same way, so
// "sex-cam" in a list means the subword "sexcam". Documents without a URL are kept and counted.
// Lists come from user files (one entry per line, '#' starts a comment line): hone ships only tiny
// examples under recipes/curate/, never a real blocklist.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "curate/filter_block.h"

namespace hone::curate {

struct UrlFilterConfig {
  std::vector<std::string> blocked_domains;  // registered domains or hosts, e.g. "example.com", "ads.example.org"
  std::vector<std::string> blocked_urls;     // full URLs, matched exactly
  std::vector<std::string> hard_words;       // one in the URL drops it
  std::vector<std::string> soft_words;       // soft_word_threshold of them drop it
  std::vector<std::string> strict_subwords;  // a substring of the normalised URL drops it
  std::size_t soft_word_threshold = 2;
};

// Reads a list file: one entry per line, surrounding whitespace trimmed, empty lines and lines whose
// first character is '#' skipped. Throws hone::Error naming the file when it cannot be read.
std::vector<std::string> read_list_file(const std::string& path);

// The host of `url` in lowercase, without scheme, user info, port or trailing dot; empty when the URL
// has no host ("mailto:x", "").
std::string url_host(std::string_view url);

// The registered domain of `host` by the public suffix list ("a.b.example.co.uk" -> "example.co.uk"),
// or the host itself when it has none (an IP address, a bare public suffix, "localhost").
std::string registered_domain(const std::string& host);

// Lowercased runs of [A-Za-z0-9] in `text` ("Free-PORN.com/x" -> free, porn, com, x).
std::vector<std::string> url_words(std::string_view text);

// `text` with every character outside [A-Za-z0-9] removed, lowercased.
std::string normalize_url_text(std::string_view text);

class UrlFilter : public FilterBlock {
 public:
  explicit UrlFilter(const UrlFilterConfig& config);

  // The verdict for one URL (the document's other fields do not matter to this stage).
  Verdict evaluate(std::string_view url);

 protected:
  Verdict apply(Document& doc) override;

 private:
  // Transparent hashing lets string_view keys probe the sets without building a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Set = std::unordered_set<std::string, Hash, std::equal_to<>>;

  Set domains_;
  Set urls_;
  Set hard_words_;
  Set soft_words_;
  std::vector<std::string> subwords_;
  std::size_t soft_word_threshold_;
};

}  // namespace hone::curate
