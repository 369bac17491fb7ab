#include "curate/html_extract.h"

#include <gumbo.h>

#include <array>
#include <chrono>
#include <cstring>

namespace hone::curate {
namespace {

enum TagRole : std::uint8_t { kInline = 0, kBlock, kSkip };

// What each tag does to extraction: start a block, vanish with its subtree, or nothing (inline).
const std::array<TagRole, GUMBO_TAG_LAST + 1>& tag_roles() {
  static const auto roles = [] {
    std::array<TagRole, GUMBO_TAG_LAST + 1> r{};
    for (GumboTag t : {GUMBO_TAG_P, GUMBO_TAG_DIV, GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3, GUMBO_TAG_H4,
                       GUMBO_TAG_H5, GUMBO_TAG_H6, GUMBO_TAG_LI, GUMBO_TAG_DT, GUMBO_TAG_DD, GUMBO_TAG_BLOCKQUOTE,
                       GUMBO_TAG_PRE, GUMBO_TAG_TD, GUMBO_TAG_TH, GUMBO_TAG_CAPTION, GUMBO_TAG_TR, GUMBO_TAG_TABLE,
                       GUMBO_TAG_UL, GUMBO_TAG_OL, GUMBO_TAG_DL, GUMBO_TAG_SECTION, GUMBO_TAG_ARTICLE,
                       GUMBO_TAG_MAIN, GUMBO_TAG_BODY, GUMBO_TAG_ADDRESS, GUMBO_TAG_FIGCAPTION, GUMBO_TAG_CENTER,
                       GUMBO_TAG_HR, GUMBO_TAG_DETAILS, GUMBO_TAG_SUMMARY, GUMBO_TAG_FIGURE, GUMBO_TAG_HGROUP,
                       GUMBO_TAG_LISTING, GUMBO_TAG_PLAINTEXT, GUMBO_TAG_XMP, GUMBO_TAG_HEADER})
      r[t] = kBlock;
    for (GumboTag t : {GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE, GUMBO_TAG_NOSCRIPT, GUMBO_TAG_NAV, GUMBO_TAG_ASIDE,
                       GUMBO_TAG_FOOTER, GUMBO_TAG_FORM, GUMBO_TAG_IFRAME, GUMBO_TAG_SVG, GUMBO_TAG_MATH,
                       GUMBO_TAG_BUTTON, GUMBO_TAG_SELECT, GUMBO_TAG_TEXTAREA, GUMBO_TAG_INPUT, GUMBO_TAG_TEMPLATE,
                       GUMBO_TAG_HEAD, GUMBO_TAG_MENU, GUMBO_TAG_OBJECT, GUMBO_TAG_EMBED, GUMBO_TAG_CANVAS,
                       GUMBO_TAG_AUDIO, GUMBO_TAG_VIDEO, GUMBO_TAG_MAP, GUMBO_TAG_TITLE,
                       GUMBO_TAG_FRAMESET, GUMBO_TAG_NOFRAMES, GUMBO_TAG_APPLET, GUMBO_TAG_DATALIST,
                       GUMBO_TAG_OPTGROUP, GUMBO_TAG_OPTION, GUMBO_TAG_LABEL, GUMBO_TAG_FIELDSET,
                       GUMBO_TAG_KEYGEN, GUMBO_TAG_MENUITEM})
      r[t] = kSkip;
    return r;
  }();
  return roles;
}

bool is_boilerplate_word(std::string_view word) {
  // Class/id/role words that name page furniture rather than content (compared lower-cased, whole
  // words of the attribute split at non-letters, so "main-nav" matches but "canvas" does not).
  static constexpr std::string_view kWords[] = {
      "nav",       "navbar",     "navigation", "menu",     "menubar",    "breadcrumb", "breadcrumbs",
      "footer",    "sidebar",    "comment",    "comments", "share",      "sharing",    "social",
      "cookie",    "cookies",    "banner",     "ad",       "ads",        "advert",     "advertisement",
      "adsbygoogle", "sponsor",  "sponsored",  "promo",    "related",    "subscribe",  "newsletter",
      "popup",     "modal",      "widget",     "toolbar",  "pagination", "pager",      "masthead",
      "signup",    "login",      "disqus",     "contentinfo", "complementary", "search", "skiplink"};
  for (std::string_view w : kWords)
    if (word == w) return true;
  return false;
}

bool attribute_names_boilerplate(std::string_view value) {
  char word[32];
  std::size_t n = 0;
  bool overflow = false;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    char c = i < value.size() ? value[i] : ' ';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (n < sizeof(word)) word[n++] = c;
      else overflow = true;
      continue;
    }
    if (n > 0 && !overflow && is_boilerplate_word(std::string_view(word, n))) return true;
    n = 0;
    overflow = false;
  }
  return false;
}

bool is_hidden(const GumboElement& element) {
  for (unsigned i = 0; i < element.attributes.length; ++i) {
    const auto* attribute = static_cast<const GumboAttribute*>(element.attributes.data[i]);
    const char* name = attribute->name;  // gumbo lower-cases attribute names
    std::string_view value = attribute->value;
    if (std::strcmp(name, "hidden") == 0) return true;
    if (std::strcmp(name, "aria-hidden") == 0 && value == "true") return true;
    if (std::strcmp(name, "class") == 0 || std::strcmp(name, "id") == 0 || std::strcmp(name, "role") == 0) {
      if (attribute_names_boilerplate(value)) return true;
    } else if (std::strcmp(name, "style") == 0) {
      std::string compact;
      for (char c : value)
        if (c != ' ' && c != '\t') compact += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      if (compact.find("display:none") != std::string::npos || compact.find("visibility:hidden") != std::string::npos)
        return true;
    }
  }
  return false;
}

bool is_space_byte(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

struct GumboOutputDeleter {
  GumboOutput* output;
  ~GumboOutputDeleter() {
    if (output) gumbo_destroy_output(&kGumboDefaultOptions, output);
  }
};

}  // namespace

ExtractStatus HtmlExtractor::extract(std::string_view html, std::string& text) {
  using Clock = std::chrono::steady_clock;
  text.clear();
  if (html.size() > options_.max_html_bytes) return ExtractStatus::TooLarge;
  const auto start = Clock::now();
  auto over_time = [&] {
    return std::chrono::duration<double>(Clock::now() - start).count() > options_.max_seconds;
  };

  GumboOptions gumbo_options = kGumboDefaultOptions;
  gumbo_options.max_errors = 0;  // parse errors are not needed; recording them costs time and memory
  GumboOutputDeleter output{gumbo_parse_with_options(&gumbo_options, html.data(), html.size())};
  if (!output.output) return ExtractStatus::NoText;
  if (over_time()) return ExtractStatus::OverTime;

  text_.clear();
  blocks_.clear();
  const auto& roles = tag_roles();

  // Explicit stack: deeply nested junk must not overflow the call stack.
  struct Frame {
    const GumboNode* node;
    unsigned next_child;
    Kind kind;
  };
  std::vector<Frame> stack;
  Block current;
  current.begin = 0;
  int link_depth = 0, pre_depth = 0, article_depth = 0;
  bool pending_space = false;
  bool after_br = false;  // a <br> ended the block's last line and no text has followed yet

  auto flush = [&](Kind next_kind) {
    if (after_br && text_.size() > current.begin && text_.back() == '\n') text_.pop_back();  // a <br> at the end
    while (text_.size() > current.begin && text_.back() == ' ') text_.pop_back();
    if (current.chars > 0) {
      current.end = text_.size();
      blocks_.push_back(current);
    } else {
      text_.resize(current.begin);
    }
    current = Block{};
    current.begin = text_.size();
    current.kind = next_kind;
    pending_space = false;
    after_br = false;
  };
  auto append_text = [&](const char* data) {
    for (const char* p = data; *p; ++p) {
      const char c = *p;
      if (pre_depth == 0 && is_space_byte(c)) {
        pending_space = current.chars > 0 && !after_br;  // no space at the start of a <br> line
        continue;
      }
      if (pending_space) {
        text_ += ' ';
        current.chars += 1;
        pending_space = false;
      }
      text_ += c;
      after_br = false;
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 && !(pre_depth > 0 && is_space_byte(c) && c != ' ')) {
        current.chars += 1;
        if (link_depth > 0) current.link_chars += 1;
      }
    }
  };

  auto kind_of = [](GumboTag tag, Kind parent) {
    switch (tag) {
      case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
      case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: return Kind::Heading;
      case GUMBO_TAG_LI: case GUMBO_TAG_DT: case GUMBO_TAG_DD: return Kind::ListItem;
      case GUMBO_TAG_PRE: case GUMBO_TAG_LISTING: case GUMBO_TAG_XMP: return Kind::Pre;
      case GUMBO_TAG_P: case GUMBO_TAG_TD: case GUMBO_TAG_TH: return Kind::Text;
      default: return parent == Kind::Pre ? Kind::Pre : (parent == Kind::Heading ? Kind::Heading : Kind::Text);
    }
  };

  stack.push_back({output.output->root, 0, Kind::Text});
  std::size_t visited = 0;
  while (!stack.empty()) {
    Frame& frame = stack.back();
    const GumboNode* node = frame.node;
    const GumboVector& children = node->v.element.children;
    if (frame.next_child < children.length) {
      const auto* child = static_cast<const GumboNode*>(children.data[frame.next_child++]);
      if ((++visited & 2047) == 0 && over_time()) return ExtractStatus::OverTime;
      const Kind parent_kind = frame.kind;
      switch (child->type) {
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_CDATA:
        case GUMBO_NODE_WHITESPACE: append_text(child->v.text.text); break;
        case GUMBO_NODE_ELEMENT:
        case GUMBO_NODE_TEMPLATE: {
          const GumboTag tag = child->v.element.tag;
          const TagRole role = tag <= GUMBO_TAG_LAST ? roles[tag] : kInline;
          if (role == kSkip || (tag == GUMBO_TAG_HEADER && article_depth == 0) || is_hidden(child->v.element)) break;
          if (tag == GUMBO_TAG_BR) {
            // As in jusText: one <br> breaks the line inside the block (text laid out with <br>, like
            // a README or a poem, stays one block and is judged as a whole); <br><br> ends the block.
            if (after_br) {
              flush(current.kind);
            } else if (current.chars > 0) {
              while (text_.size() > current.begin && text_.back() == ' ') text_.pop_back();
              text_ += '\n';
              pending_space = false;
              after_br = true;
            }
            break;
          }
          const Kind kind = kind_of(tag, parent_kind);
          if (role == kBlock) flush(kind);
          if (tag == GUMBO_TAG_A) ++link_depth;
          if (kind == Kind::Pre && role == kBlock) ++pre_depth;
          if (tag == GUMBO_TAG_ARTICLE || tag == GUMBO_TAG_MAIN) ++article_depth;
          stack.push_back({child, 0, kind});
          break;
        }
        default: break;  // comments and the document node
      }
      continue;
    }
    // All children done: close the element.
    if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) {
      const GumboTag tag = node->v.element.tag;
      const TagRole role = tag <= GUMBO_TAG_LAST ? roles[tag] : kInline;
      if (tag == GUMBO_TAG_A) --link_depth;
      if (frame.kind == Kind::Pre && role == kBlock) --pre_depth;
      if (tag == GUMBO_TAG_ARTICLE || tag == GUMBO_TAG_MAIN) --article_depth;
      const Kind parent_kind = stack.size() >= 2 ? stack[stack.size() - 2].kind : Kind::Text;
      if (role == kBlock) flush(parent_kind);
    }
    stack.pop_back();
  }
  flush(Kind::Text);
  classify();
  write_text(text);
  if (over_time()) {
    text.clear();
    return ExtractStatus::OverTime;
  }
  return text.empty() ? ExtractStatus::NoText : ExtractStatus::Ok;
}

// jusText's context-sensitive classification (Pomikalek 2011, "Removing Boilerplate and Duplicate
// Content from Web Corpora", ch. 4) with length and link density only.
void HtmlExtractor::classify() {
  const std::size_t n = blocks_.size();
  for (Block& b : blocks_) {
    const double link_density = b.chars ? static_cast<double>(b.link_chars) / static_cast<double>(b.chars) : 1.0;
    if (link_density > options_.max_link_density) b.initial = Class::Bad;
    else if (b.kind == Kind::Pre && link_density <= options_.good_max_link_density) b.initial = Class::Good;
    else if (b.chars >= options_.good_min_chars && link_density <= options_.good_max_link_density) b.initial = Class::Good;
    else if (b.chars >= options_.near_good_min_chars && link_density <= options_.good_max_link_density)
      b.initial = Class::NearGood;
    else b.initial = Class::Short;
    b.final_class = b.initial;
  }
  // The class of the nearest block before/after i that is not short (and, if asked, not near-good);
  // the page edges count as bad.
  auto neighbour = [&](std::size_t i, int step, bool skip_near_good) {
    for (std::ptrdiff_t j = static_cast<std::ptrdiff_t>(i) + step; j >= 0 && j < static_cast<std::ptrdiff_t>(n); j += step) {
      const Class c = blocks_[static_cast<std::size_t>(j)].final_class;
      if (c == Class::Bad || c == Class::Good) return c;
      if (c == Class::NearGood && !skip_near_good) return c;
    }
    return Class::Bad;
  };
  auto good_follows = [&](std::size_t i) {
    std::size_t distance = 0;
    for (std::size_t j = i + 1; j < n && distance <= options_.max_heading_distance; ++j) {
      if (blocks_[j].final_class == Class::Good) return true;
      distance += blocks_[j].chars;
    }
    return false;
  };
  // Short headings right before good text become near-good.
  for (std::size_t i = 0; i < n; ++i)
    if (blocks_[i].kind == Kind::Heading && blocks_[i].final_class == Class::Short && good_follows(i))
      blocks_[i].final_class = Class::NearGood;
  // Short blocks take their context's class: good between good blocks, bad between bad ones; with one
  // of each, good only when a near-good block stands between it and the bad side.
  std::vector<Class> revised(n);
  for (std::size_t i = 0; i < n; ++i) revised[i] = blocks_[i].final_class;
  for (std::size_t i = 0; i < n; ++i) {
    if (blocks_[i].final_class != Class::Short) continue;
    const Class prev = neighbour(i, -1, true), next = neighbour(i, +1, true);
    if (prev == Class::Good && next == Class::Good) revised[i] = Class::Good;
    else if (prev == Class::Bad && next == Class::Bad) revised[i] = Class::Bad;
    else if ((prev == Class::Bad && neighbour(i, -1, false) == Class::NearGood) ||
             (next == Class::Bad && neighbour(i, +1, false) == Class::NearGood))
      revised[i] = Class::Good;
    else revised[i] = Class::Bad;
  }
  // Near-good blocks are good unless bad on both sides.
  for (std::size_t i = 0; i < n; ++i) {
    if (blocks_[i].final_class != Class::NearGood) continue;
    revised[i] = (neighbour(i, -1, true) == Class::Bad && neighbour(i, +1, true) == Class::Bad) ? Class::Bad : Class::Good;
  }
  for (std::size_t i = 0; i < n; ++i) blocks_[i].final_class = revised[i];
  // Headings that lost to their context are rescued when good text follows them closely.
  for (std::size_t i = 0; i < n; ++i)
    if (blocks_[i].kind == Kind::Heading && blocks_[i].final_class == Class::Bad && blocks_[i].initial != Class::Bad &&
        good_follows(i))
      blocks_[i].final_class = Class::Good;
}

void HtmlExtractor::write_text(std::string& text) const {
  std::size_t newlines = 2;  // at the start: no leading blank lines
  auto put = [&](char c) {
    if (c == '\n') {
      while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
      if (newlines >= 2) return;
      ++newlines;
    } else {
      newlines = 0;
    }
    text += c;
  };
  for (const Block& b : blocks_) {
    if (b.final_class != Class::Good) continue;
    if (!text.empty()) {
      put('\n');
      if (b.kind == Kind::Heading) put('\n');
    }
    for (std::size_t i = b.begin; i < b.end; ++i) {
      const char c = text_[i];
      if (c == '\r') continue;
      put(c == '\f' || c == '\v' ? '\n' : c);
    }
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
}

Verdict HtmlExtractBlock::apply(Document& doc) {
  switch (extractor_.extract(doc.text, scratch_)) {
    case ExtractStatus::TooLarge: return Verdict::dropped("html_too_large");
    case ExtractStatus::OverTime: return Verdict::dropped("extract_over_time");
    case ExtractStatus::NoText: return Verdict::dropped("no_main_text");
    case ExtractStatus::Ok: break;
  }
  doc.text.swap(scratch_);
  return Verdict::kept();
}

}  // namespace hone::curate
