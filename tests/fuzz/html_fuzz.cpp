// libFuzzer target for HTML text extraction: any bytes, never a crash, output always valid UTF-8 with
// at most two newlines in a row.
#include <cstdlib>
#include <string>

#include "curate/html_extract.h"
#include "curate/text_chars.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static hone::curate::HtmlExtractor extractor;
  static std::string text;
  extractor.extract(std::string_view(reinterpret_cast<const char*>(data), size), text);
  if (hone::curate::find_invalid_utf8(text) != std::string::npos) std::abort();
  if (text.find("\n\n\n") != std::string::npos) std::abort();
  return 0;
}
