// libFuzzer target for the WARC reader: the input is written to a file (the reader streams files),
// read as plain WARC and, when it starts with the gzip magic, as .warc.gz. No input may crash it, and
// every document must be valid UTF-8.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "curate/text_chars.h"
#include "curate/warc_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/hone_warc_fuzz_" + std::to_string(::getpid()) + ".warc.gz";
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return 0;
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  hone::curate::WarcReaderOptions options;
  options.max_record_bytes = 1 << 20;
  hone::curate::WarcReader reader(path, options);
  hone::curate::Document doc;
  while (reader.next(doc))
    if (hone::curate::find_invalid_utf8(doc.text) != std::string::npos) std::abort();
  return 0;
}
