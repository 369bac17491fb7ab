// Text extraction speed: docs/s and MB/s on one core, on realistic pages (valgrind's HTML manual when
// installed, plus generated blog-style pages with boilerplate), through HtmlExtractBlock.
// Target (issue 6): >= 200 docs/s per core.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "curate/html_extract.h"

namespace {

std::string generated_page(int seed) {
  std::string h = "<!DOCTYPE html><html><head><title>Post</title><script>var a=1;</script></head><body><header><nav><ul>";
  for (int i = 0; i < 12; ++i) h += "<li><a href=\"/s" + std::to_string(i) + "\">Section " + std::to_string(i) + "</a></li>";
  h += "</ul></nav></header><main><article><h1>Title of post " + std::to_string(seed) + "</h1>";
  for (int p = 0; p < 25; ++p) {
    h += "<p>";
    for (int w = 0; w < 60; ++w) h += "word" + std::to_string((seed * 31 + p * 7 + w) % 1000) + (w % 9 == 0 ? " <a href=\"#\">link</a> " : " ");
    h += "</p>";
    if (p % 6 == 5) h += "<h2>Subheading</h2><ul><li>item one</li><li>item two</li></ul>";
  }
  h += "</article><div class=\"related\">";
  for (int i = 0; i < 10; ++i) h += "<a href=\"/r\">Related " + std::to_string(i) + "</a> ";
  h += "</div></main><footer><p>Copyright</p></footer></body></html>";
  return h;
}

}  // namespace

int main() {
  std::vector<std::string> pages;
  const std::filesystem::path dir = "/usr/share/doc/valgrind/html";
  if (std::filesystem::exists(dir))
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".html") {
        std::ifstream in(e.path());
        std::stringstream ss;
        ss << in.rdbuf();
        pages.push_back(ss.str());
      }
  const std::size_t real_pages = pages.size();
  for (int i = 0; i < 200; ++i) pages.push_back(generated_page(i));
  std::size_t bytes = 0;
  for (const auto& p : pages) bytes += p.size();

  hone::curate::HtmlExtractBlock block;
  using Clock = std::chrono::steady_clock;
  std::size_t docs = 0, processed_bytes = 0;
  const auto start = Clock::now();
  double seconds = 0;
  while (seconds < 3.0) {
    for (const auto& p : pages) {
      hone::curate::Document doc;
      doc.text = p;
      block.process(doc);
      ++docs;
      processed_bytes += p.size();
    }
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  std::printf("html_extract: %zu pages (%zu valgrind manual, %zu generated), mean %.1f KB\n", pages.size(), real_pages,
              pages.size() - real_pages, static_cast<double>(bytes) / static_cast<double>(pages.size()) / 1024.0);
  std::printf("html_extract: %.0f docs/s/core, %.1f MB/s/core (target >= 200 docs/s/core)\n",
              static_cast<double>(docs) / seconds, static_cast<double>(processed_bytes) / seconds / 1e6);
  return 0;
}
