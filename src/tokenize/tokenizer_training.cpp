#include "tokenize/tokenizer_training.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/error.h"
#include "core/log.h"
#include "core/threads.h"
#include "tokenize/tokenizer.h"

namespace hone {
namespace {

// SentencePiece learns from lines; documents are split at newlines so paragraphs and JSONL texts with
// line breaks become sentences of a sensible length (SentencePiece drops sentences over 4192 bytes).
class CorpusSentences final : public sentencepiece::SentenceIterator {
 public:
  CorpusSentences(const std::vector<std::string>& inputs, TextUnit text_unit) : inputs_(inputs), text_unit_(text_unit) {
    Next();
  }
  bool done() const override { return done_; }
  // Errors (a missing file, invalid UTF-8) must not unwind through SentencePiece's frames: they are
  // kept, end the iteration, and train_tokenizer rethrows them.
  void Next() override {
    try {
      advance();
    } catch (const std::exception& e) {
      error_ = e.what();
      done_ = true;
    }
  }
  const std::string& value() const override { return sentence_; }
  sentencepiece::util::Status status() const override {
    if (error_.empty()) return sentencepiece::util::Status();
    return sentencepiece::util::Status(sentencepiece::util::StatusCode::kInvalidArgument, error_);
  }

  const std::string& error() const { return error_; }
  int64_t documents() const { return documents_; }
  int64_t sentences() const { return sentences_; }

 private:
  void advance() {
    for (;;) {
      // The next non-blank line of the current document.
      while (line_begin_ < document_.text.size()) {
        size_t end = document_.text.find('\n', line_begin_);
        if (end == std::string::npos) end = document_.text.size();
        sentence_.assign(document_.text, line_begin_, end - line_begin_);
        line_begin_ = end + 1;
        if (sentence_.find_first_not_of(" \t\r") != std::string::npos) {
          ++sentences_;
          return;
        }
      }
      if (reader_ && reader_->next(document_)) {
        ++documents_;
        line_begin_ = 0;
        continue;
      }
      if (next_input_ == inputs_.size()) {
        done_ = true;
        return;
      }
      reader_ = std::make_unique<DocumentReader>(inputs_[next_input_++], text_unit_);
    }
  }

  const std::vector<std::string>& inputs_;
  TextUnit text_unit_;
  size_t next_input_ = 0;
  std::unique_ptr<DocumentReader> reader_;
  Document document_;
  size_t line_begin_ = 0;
  std::string sentence_;
  bool done_ = false;
  std::string error_;
  int64_t documents_ = 0;
  int64_t sentences_ = 0;
};

std::string join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const auto& part : parts) joined += (joined.empty() ? "" : ",") + part;
  return joined;
}

void write_file_atomically(const std::filesystem::path& path, const std::string& bytes) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    HONE_CHECK(out.good(), "cannot write '", temporary.string(), "' (check that the directory is writable and has free space)");
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  HONE_CHECK(!error, "cannot move '", temporary.string(), "' into place: ", error.message());
}

}  // namespace

int64_t minimum_vocab_size(const TokenizerTrainingOptions& options) {
  const int64_t specials = 3;  // unk, eos and pad or bos
  const int64_t bytes = options.byte_fallback ? 256 : 0;
  const int64_t sentinels = options.t5_conventions ? kT5SentinelCount : 0;
  // SentencePiece also needs room for the corpus's characters; 32 is a floor for a tiny alphabet and
  // anything tighter is reported by SentencePiece itself.
  return specials + bytes + sentinels + static_cast<int64_t>(options.user_symbols.size()) + 32;
}

TokenizerTrainingResult train_tokenizer(const TokenizerTrainingOptions& options) {
  namespace fs = std::filesystem;
  const auto start = std::chrono::steady_clock::now();
  HONE_CHECK(!options.inputs.empty(), "no input files: pass --input FILE...");
  for (const auto& input : options.inputs)
    HONE_CHECK(fs::is_regular_file(input), "input file '", input, "' does not exist (check the path)");
  HONE_CHECK(options.model_type == "unigram" || options.model_type == "bpe", "unknown model type '",
             options.model_type, "': use unigram or bpe");
  const int64_t minimum = minimum_vocab_size(options);
  HONE_CHECK(options.vocab_size >= minimum, "vocabulary size ", options.vocab_size, " is too small: these options need at least ",
             minimum, " (special ids", options.byte_fallback ? ", 256 byte pieces" : "",
             options.t5_conventions ? ", 100 sentinels" : "", options.user_symbols.empty() ? "" : ", user symbols",
             " and room for learned pieces)");
  HONE_CHECK(options.vocab_size <= (int64_t{1} << 31) - 1, "vocabulary size ", options.vocab_size, " is too large");
  for (const auto& symbol : options.user_symbols) {
    HONE_CHECK(!symbol.empty() && symbol.find(',') == std::string::npos, "user symbol '", symbol, "' is empty or holds a comma");
    HONE_CHECK(!options.t5_conventions || symbol.rfind("<extra_id_", 0) != 0, "user symbol '", symbol,
               "' collides with the T5 sentinels, which --t5-conventions already provides");
  }
  HONE_CHECK(!options.out_dir.empty(), "no output directory: pass --out DIR");

  const int sentinels = options.t5_conventions ? kT5SentinelCount : 0;
  const int64_t pieces = options.vocab_size - sentinels;
  std::unordered_map<std::string, std::string> args = {
      {"model_type", options.model_type},
      {"vocab_size", std::to_string(pieces)},
      {"byte_fallback", options.byte_fallback ? "true" : "false"},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"normalization_rule_name", options.normalization},
      {"input_sentence_size", std::to_string(options.max_sentences)},
      {"shuffle_input_sentence", "true"},
      {"num_threads", std::to_string(options.threads > 0 ? options.threads : num_threads())},
      {"minloglevel", "1"},  // SentencePiece's per-iteration log is noise for a CLI user
  };
  if (options.normalization == "identity") args["remove_extra_whitespaces"] = "false";
  if (!options.user_symbols.empty()) args["user_defined_symbols"] = join(options.user_symbols);
  if (options.t5_conventions) {
    args.insert({{"pad_id", "0"}, {"eos_id", "1"}, {"unk_id", "2"}, {"bos_id", "-1"}});
  } else {
    args.insert({{"unk_id", "0"}, {"bos_id", "1"}, {"eos_id", "2"}, {"pad_id", "-1"}});
  }

  CorpusSentences sentences(options.inputs, options.text_unit);
  if (!sentences.error().empty()) throw Error(sentences.error());
  HONE_CHECK(!sentences.done(), "the input files hold no text to train on");
  std::string model;
  log_info("training a ", options.model_type, " SentencePiece model with ", pieces, " pieces");
  auto status = sentencepiece::SentencePieceTrainer::Train(args, &sentences, &model);
  if (!sentences.error().empty()) throw Error(sentences.error());
  HONE_CHECK(status.ok(), "SentencePiece training failed: ", status.ToString(),
             " (for 'vocabulary size too high', use a smaller --vocab-size or more text",
             sentinels > 0 ? "; SentencePiece counts pieces without the 100 sentinels, --vocab-size includes them" : "",
             ")");

  // Check the model loads before anything is written, and read its special ids back.
  sentencepiece::SentencePieceProcessor processor;
  auto loaded = processor.LoadFromSerializedProto(model);
  HONE_CHECK(loaded.ok(), "SentencePiece produced a model it cannot load: ", loaded.ToString());
  HONE_CHECK(processor.GetPieceSize() == pieces, "SentencePiece produced ", processor.GetPieceSize(),
             " pieces instead of ", pieces);

  std::error_code error;
  fs::create_directories(options.out_dir, error);
  HONE_CHECK(!error, "cannot create output directory '", options.out_dir, "': ", error.message());
  nlohmann::json config = {
      {"format", "hone-tokenizer"},
      {"version", 1},
      {"model_file", kTokenizerModelFile},
      {"model_type", options.model_type},
      {"vocab_size", options.vocab_size},
      {"piece_count", pieces},
      {"pad_id", processor.pad_id()},
      {"eos_id", processor.eos_id()},
      {"unk_id", processor.unk_id()},
      {"bos_id", processor.bos_id()},
      {"sentinel_count", sentinels},
      {"t5_conventions", options.t5_conventions},
      {"byte_fallback", options.byte_fallback},
      {"user_symbols", options.user_symbols},
      {"normalization", options.normalization},
  };
  // The model first: a directory with a config is only complete once its model is in place.
  write_file_atomically(fs::path(options.out_dir) / kTokenizerModelFile, model);
  write_file_atomically(fs::path(options.out_dir) / kTokenizerConfigFile, config.dump(2) + "\n");

  TokenizerTrainingResult result;
  result.documents = sentences.documents();
  result.sentences = sentences.sentences();
  result.vocab_size = options.vocab_size;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace hone
