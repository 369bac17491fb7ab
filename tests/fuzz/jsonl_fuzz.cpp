// libFuzzer target for the runner's JSONL document reader (curate::InputReader on .jsonl files): the
// input is written to a file and read as plain .jsonl and, when it starts with the gzip or zstd magic,
// also as .jsonl.gz / .jsonl.zst, so the fuzzer reaches the decompressors too. No input may crash it,
// every document has an id, valid UTF-8 text and object metadata, and the stats add up (every
// non-blank line is a document or a counted corrupt record).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "curate/input_reader.h"
#include "curate/text_chars.h"

namespace {

void read_as(const std::string& path, const uint8_t* data, size_t size) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return;
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  hone::curate::InputReader reader(path);
  hone::curate::Document doc;
  while (reader.next(doc)) {
    if (doc.id.empty() || !doc.metadata.is_object()) std::abort();
    if (hone::curate::find_invalid_utf8(doc.text) != std::string::npos) std::abort();
  }
  const hone::curate::FilterStats stats = reader.stats();
  std::uint64_t drops = 0;
  for (const auto& [reason, count] : stats.drop_reasons) drops += count;
  if (stats.docs_in != stats.docs_out + drops) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string base = "/tmp/hone_jsonl_fuzz_" + std::to_string(::getpid());
  read_as(base + ".jsonl", data, size);
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) read_as(base + ".jsonl.gz", data, size);
  if (size >= 4 && data[0] == 0x28 && data[1] == 0xb5 && data[2] == 0x2f && data[3] == 0xfd)
    read_as(base + ".jsonl.zst", data, size);
  return 0;
}
