#include "data/tokenize_corpus.h"

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/threads.h"
#include "data/token_shard_writer.h"
#include "tokenize/tokenizer.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

std::string shard_name(int64_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "shard-%05ld.tok", static_cast<long>(index));
  return name;
}

bool is_shard_name(const std::string& name) {
  return name.rfind("shard-", 0) == 0 && name.size() > 10 && name.compare(name.size() - 4, 4, ".tok") == 0;
}

// Shards and manifests from an earlier run in out_dir.
std::vector<fs::path> previous_outputs(const fs::path& out_dir) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(out_dir)) {
    const std::string name = entry.path().filename().string();
    if (is_shard_name(name) || name == kDatasetManifestFile) found.push_back(entry.path());
  }
  return found;
}

}  // namespace

TokenizeCorpusResult tokenize_corpus(const TokenizeCorpusOptions& options,
                                     const std::function<void(const TokenizeCorpusProgress&)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  HONE_CHECK(!options.inputs.empty(), "no input files: pass --input FILE...");
  for (const auto& input : options.inputs)
    HONE_CHECK(fs::is_regular_file(input), "input file '", input, "' does not exist (check the path)");
  HONE_CHECK(options.shard_tokens > 0 && options.batch_documents > 0, "shard size and batch size must be positive");
  const Tokenizer tokenizer = Tokenizer::load(options.tokenizer_dir);

  const fs::path out_dir(options.out_dir);
  std::error_code error;
  fs::create_directories(out_dir, error);
  HONE_CHECK(!error, "cannot create output directory '", options.out_dir, "': ", error.message());
  std::vector<fs::path> stale = previous_outputs(out_dir);
  HONE_CHECK(stale.empty() || options.overwrite, "'", options.out_dir, "' already holds token shards (",
             stale.front().filename().string(), "): pass --overwrite to replace them, or choose another --out");
  // The manifest is written last and marks a complete dataset; drop the old one first so a run that
  // fails half way never leaves a manifest that describes a mix of old and new shards.
  fs::remove(out_dir / kDatasetManifestFile, error);

  const int threads = options.threads > 0 ? options.threads : num_threads();
  TokenizeCorpusResult result;
  TokenizeCorpusProgress status;
  status.files_total = static_cast<int64_t>(options.inputs.size());

  std::unique_ptr<TokenShardWriter> writer;
  auto close_shard = [&] {
    if (!writer) return;
    writer->finish();
    writer.reset();
  };
  struct PendingDocument {
    std::string text;  // the document, or its raw JSONL line
    std::string source;
    int64_t line;
    bool raw_jsonl;
  };
  std::vector<PendingDocument> batch;
  std::vector<std::vector<int32_t>> encoded;
  auto flush_batch = [&] {
    const int64_t n = static_cast<int64_t>(batch.size());
    encoded.resize(batch.size());
    // Dynamic scheduling balances long and short documents; each result slot has one writer, and the
    // sequential loop below fixes the output order.
    // An exception must not leave an OpenMP region: each slot keeps its error for the loop below, which
    // reports the first one in input order.
    std::vector<std::string> errors(batch.size());
#pragma omp parallel for schedule(dynamic, 8) num_threads(threads)
    for (int64_t i = 0; i < n; ++i) {
      try {
        encoded[i].clear();
        PendingDocument& document = batch[i];
        // JSONL lines are parsed here, in parallel: parsing costs a fair share of the encoding time.
        if (document.raw_jsonl) {
          std::string text;
          if (parse_jsonl_line(document.source, document.line, document.text, text)) encoded[i] = tokenizer.encode(text);
        } else {
          encoded[i] = tokenizer.encode(document.text);
        }
      } catch (const Error& e) {
        errors[i] = e.what();
      } catch (const std::exception& e) {
        errors[i] = "document at '" + batch[i].source + "' line " + std::to_string(batch[i].line) + ": " + e.what();
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      if (!errors[i].empty()) throw Error(errors[i]);
    }
    for (int64_t i = 0; i < n; ++i) {
      if (encoded[i].empty()) continue;  // nothing the tokenizer keeps, e.g. only unencodable spaces
      if (!writer) {
        result.shards.push_back(shard_name(static_cast<int64_t>(result.shards.size())));
        writer = std::make_unique<TokenShardWriter>((out_dir / result.shards.back()).string(), tokenizer.vocab_size());
      }
      writer->add_document(encoded[i]);
      ++result.documents;
      result.tokens += static_cast<int64_t>(encoded[i].size());
      if (writer->token_count() >= options.shard_tokens) close_shard();
    }
    batch.clear();
  };

  for (const auto& input : options.inputs) {
    const bool jsonl = is_jsonl_name(input);
    std::unique_ptr<LineReader> lines;
    std::unique_ptr<DocumentReader> documents;
    if (jsonl) lines = std::make_unique<LineReader>(input);
    else documents = std::make_unique<DocumentReader>(input, options.text_unit);
    Document document;
    while (jsonl ? lines->next(document.text) : documents->next(document)) {
      if (jsonl) document.line = lines->line_number();
      batch.push_back({std::move(document.text), input, document.line, jsonl});
      if (static_cast<int64_t>(batch.size()) == options.batch_documents) {
        flush_batch();
        if (progress) {
          status.documents = result.documents;
          status.tokens = result.tokens;
          status.seconds = elapsed();
          progress(status);
        }
      }
    }
    flush_batch();
    ++status.files_done;
    if (progress) {
      status.documents = result.documents;
      status.tokens = result.tokens;
      status.seconds = elapsed();
      progress(status);
    }
  }
  close_shard();
  HONE_CHECK(result.documents > 0, "the input files hold no documents to tokenize");

  // Earlier shards this run did not overwrite would otherwise be picked up as part of the dataset.
  for (const auto& path : stale) {
    const std::string name = path.filename().string();
    bool rewritten = name == kDatasetManifestFile;
    for (const auto& shard : result.shards) rewritten = rewritten || shard == name;
    if (!rewritten) fs::remove(path, error);
  }

  nlohmann::json manifest = {
      {"format", "hone-token-shards"},
      {"version", 1},
      {"vocab_size", tokenizer.vocab_size()},
      {"eos_id", tokenizer.eos_id()},
      {"pad_id", tokenizer.pad_id()},
      {"tokenizer", fs::absolute(options.tokenizer_dir).lexically_normal().string()},
      {"documents", result.documents},
      {"tokens", result.tokens},
      {"shards", result.shards},
  };
  const fs::path manifest_path = out_dir / kDatasetManifestFile;
  const fs::path temporary = manifest_path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << manifest.dump(2) << "\n";
    out.flush();
    HONE_CHECK(out.good(), "cannot write '", temporary.string(), "'");
  }
  fs::rename(temporary, manifest_path, error);
  HONE_CHECK(!error, "cannot move '", temporary.string(), "' into place: ", error.message());
  result.seconds = elapsed();
  return result;
}

}  // namespace hone
