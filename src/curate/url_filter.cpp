#include "curate/url_filter.h"

#include <fstream>

#include <libpsl.h>

#include "core/error.h"

namespace hone::curate {

namespace {

bool is_alnum_ascii(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace

std::vector<std::string> read_list_file(const std::string& path) {
  std::ifstream in(path);
  HONE_CHECK(in.good(), "cannot read the list file '", path, "': check the path in the pipeline config");
  std::vector<std::string> entries;
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view entry = trim(line);
    if (entry.empty() || line[0] == '#') continue;
    entries.emplace_back(entry);
  }
  return entries;
}

std::string url_host(std::string_view url) {
  url = trim(url);
  std::size_t start = 0;
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
    start = scheme + 3;
  } else if (url.starts_with("//")) {
    start = 2;
  } else if (const auto colon = url.find(':'); colon != std::string_view::npos && url.find('.') > colon) {
    return {};  // "mailto:x", "javascript:..": a scheme without an authority
  }
  std::string_view authority = url.substr(start);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.starts_with('[')) {  // IPv6 literal: keep the brackets' content, drop the port
    const auto close = authority.find(']');
    return lowercase(authority.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  authority = authority.substr(0, authority.find(':'));
  while (authority.ends_with('.')) authority.remove_suffix(1);
  return lowercase(authority);
}

std::string registered_domain(const std::string& host) {
  // IP literals have no registered domain (libpsl would call "0.1" the one of "127.0.0.1").
  if (host.empty() || host.find(':') != std::string::npos ||
      host.find_first_not_of("0123456789.") == std::string::npos) {
    return host;
  }
  const char* domain = psl_registrable_domain(psl_builtin(), host.c_str());
  return domain ? std::string(domain) : host;
}

std::vector<std::string> url_words(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_alnum_ascii(text[i])) ++i;
    const std::size_t begin = i;
    while (i < text.size() && is_alnum_ascii(text[i])) ++i;
    if (i > begin) words.push_back(lowercase(text.substr(begin, i - begin)));
  }
  return words;
}

std::string normalize_url_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (is_alnum_ascii(c)) out += lower_ascii(c);
  }
  return out;
}

UrlFilter::UrlFilter(const UrlFilterConfig& config)
    : FilterBlock("url_filter"), soft_word_threshold_(config.soft_word_threshold) {
  HONE_CHECK(psl_builtin() != nullptr, "libpsl has no built-in public suffix list: install libpsl5 from Debian");
  HONE_CHECK(config.soft_word_threshold >= 1, "url_filter: soft_word_threshold must be >= 1, got ",
             config.soft_word_threshold);
  for (const auto& d : config.blocked_domains) {
    std::string domain = lowercase(trim(d));
    while (domain.ends_with('.')) domain.pop_back();
    if (!domain.empty()) domains_.insert(std::move(domain));
  }
  for (const auto& u : config.blocked_urls) urls_.emplace(trim(u));
  // List words are normalised like the URL: a list entry that normalises to nothing matches nothing.
  auto add_words = [](Set& set, const std::vector<std::string>& words) {
    for (const auto& w : words) {
      std::string n = normalize_url_text(w);
      if (!n.empty()) set.insert(std::move(n));
    }
  };
  add_words(hard_words_, config.hard_words);
  add_words(soft_words_, config.soft_words);
  for (const auto& w : config.strict_subwords) {
    std::string n = normalize_url_text(w);
    if (!n.empty()) subwords_.push_back(std::move(n));
  }
}

Verdict UrlFilter::evaluate(std::string_view url) {
  const std::string host = url_host(url);
  if (!host.empty() && !domains_.empty()) {
    const std::string registered = registered_domain(host);
    if (domains_.contains(registered)) return Verdict::dropped("url_domain");
    // The host and its parents down to the registered domain: blocking "ads.example.org" also blocks
    // "x.ads.example.org" but not "example.org".
    std::string_view name = host;
    while (name.size() > registered.size()) {
      if (domains_.contains(name)) return Verdict::dropped("url_subdomain");
      const auto dot = name.find('.');
      if (dot == std::string_view::npos) break;
      name.remove_prefix(dot + 1);
    }
  }
  if (urls_.contains(trim(url))) return Verdict::dropped("url_exact");

  if (!hard_words_.empty() || !soft_words_.empty()) {
    const std::vector<std::string> words = url_words(url);
    for (const auto& w : words) {
      if (hard_words_.contains(w)) return Verdict::dropped("url_hard_word");
    }
    Set soft_seen;  // distinct soft words: a word repeated in the URL counts once
    for (const auto& w : words) {
      if (soft_words_.contains(w)) soft_seen.insert(w);
    }
    if (soft_seen.size() >= soft_word_threshold_) return Verdict::dropped("url_soft_words");
  }
  if (!subwords_.empty()) {
    const std::string normalized = normalize_url_text(url);
    for (const auto& s : subwords_) {
      if (normalized.find(s) != std::string::npos) return Verdict::dropped("url_subword");
    }
  }
  return Verdict::kept();
}

Verdict UrlFilter::apply(Document& doc) {
  if (doc.url.empty()) {
    mutable_stats().add_counter("docs_without_url", 1);
    return Verdict::kept();
  }
  return evaluate(doc.url);
}

}  // namespace hone::curate
