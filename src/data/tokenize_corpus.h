#pragma once
// `hone tokenize` as a library call: corpus files -> token shards plus a dataset.json manifest.
// Documents are read in order, encoded in parallel in batches (each document owned by one thread) and
// written in input order, so the shards are byte-identical for any thread count.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/document_reader.h"

namespace hone {

inline constexpr const char* kDatasetManifestFile = "dataset.json";

struct TokenizeCorpusOptions {
  std::string tokenizer_dir;
  std::vector<std::string> inputs;  // text or JSONL, optionally .gz/.zst
  std::string out_dir;
  int threads = 0;                          // 0: hone's default thread count
  int64_t shard_tokens = int64_t{1} << 28;  // a shard closes at the first document boundary past this
  int64_t batch_documents = 2048;           // documents encoded per parallel batch
  TextUnit text_unit = TextUnit::Paragraph;
  bool overwrite = false;  // replace shards and manifest already in out_dir
};

struct TokenizeCorpusProgress {
  int64_t files_done = 0;
  int64_t files_total = 0;
  int64_t documents = 0;
  int64_t tokens = 0;
  double seconds = 0;
};

struct TokenizeCorpusResult {
  int64_t documents = 0;
  int64_t tokens = 0;
  std::vector<std::string> shards;  // file names inside out_dir
  double seconds = 0;
  double tokens_per_second() const { return seconds > 0 ? static_cast<double>(tokens) / seconds : 0; }
};

TokenizeCorpusResult tokenize_corpus(const TokenizeCorpusOptions& options,
                                     const std::function<void(const TokenizeCorpusProgress&)>& progress = {});

}  // namespace hone
