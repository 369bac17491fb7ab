#pragma once
// Stage 2: the main text of an HTML page, as lines. Parsing is gumbo's (an HTML5-conformant parser, so
// broken markup is repaired the way browsers do it); what counts as main text is decided in two steps:
//  1. Structure: subtrees that are never main content are dropped whole - scripts, styles, forms,
//     <nav>, <aside>, <footer>, <header> outside an article, menus, comments, hidden elements and
//     elements whose class/id/role names boilerplate (nav, menu, sidebar, comment, share, cookie, ad...).
//  2. Density: the rest is cut into blocks (paragraphs, headings, list items, table cells, <br> lines)
//     and classified as jusText does, without its stop-word lists so it works for any language:
//     link-dense blocks are bad, long link-poor blocks are good, short ones take the class of their
//     context (both neighbours good -> good), and a heading is kept when good text follows it closely.
// Output: one line per block, a blank line before headings, never more than two newlines in a row.
// See docs/curate_input.md for the thresholds and how they were chosen.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "curate/filter_block.h"

namespace hone::curate {

struct HtmlExtractOptions {
  std::size_t max_html_bytes = std::size_t{4} << 20;  // bigger pages are skipped (counted), not parsed
  double max_seconds = 1.0;                           // per-document time budget (parse + extraction)
  // Block classes (characters are code points of the whitespace-collapsed block text).
  double max_link_density = 0.5;       // above: bad, whatever the length
  double good_max_link_density = 0.3;  // good and near-good blocks have at most this link share
  std::size_t good_min_chars = 100;    // at least this long (and link-poor): good
  std::size_t near_good_min_chars = 50;  // at least this long: near-good; shorter: short
  std::size_t max_heading_distance = 200;  // a heading is kept when good text starts within this many chars
};

enum class ExtractStatus { Ok, TooLarge, OverTime, NoText };

// One extractor per thread: it keeps scratch buffers across documents.
class HtmlExtractor {
 public:
  explicit HtmlExtractor(HtmlExtractOptions options = {}) : options_(options) {}
  // Extracts the main text of `html` (UTF-8) into `text`; on any status but Ok, `text` is empty.
  ExtractStatus extract(std::string_view html, std::string& text);
  const HtmlExtractOptions& options() const { return options_; }

  enum class Kind : std::uint8_t { Text, Heading, ListItem, Pre };
  enum class Class : std::uint8_t { Bad, Short, NearGood, Good };
  struct Block {
    std::size_t begin = 0, end = 0;  // bytes of the block in text_
    std::size_t chars = 0, link_chars = 0;
    Kind kind = Kind::Text;
    Class initial = Class::Bad, final_class = Class::Bad;
  };

 private:
  void classify();
  void write_text(std::string& text) const;

  HtmlExtractOptions options_;
  std::string text_;           // the text of all blocks, back to back
  std::vector<Block> blocks_;
};

// The extractor as a curation block: replaces the HTML in doc.text with its main text. Drops with
// reason "html_too_large", "extract_over_time" or "no_main_text"; counts bytes of HTML seen.
class HtmlExtractBlock final : public FilterBlock {
 public:
  explicit HtmlExtractBlock(HtmlExtractOptions options = {}) : FilterBlock("html_extract"), extractor_(options) {}

 protected:
  Verdict apply(Document& doc) override;

 private:
  HtmlExtractor extractor_;
  std::string scratch_;
};

}  // namespace hone::curate
