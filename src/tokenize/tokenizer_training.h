#pragma once
// Trains a SentencePiece tokenizer on corpus files and writes a tokenizer directory (see tokenizer.h).
#include <cstdint>
#include <string>
#include <vector>

#include "data/document_reader.h"

namespace hone {

struct TokenizerTrainingOptions {
  std::vector<std::string> inputs;  // text or JSONL files, optionally .gz/.zst
  // The full vocabulary, sentinels included: with T5 conventions SentencePiece learns vocab_size - 100
  // pieces (T5's own 32,100 = 32,000 pieces + 100 sentinels).
  int64_t vocab_size = 8000;
  std::string model_type = "unigram";  // unigram or bpe
  bool byte_fallback = false;          // unseen characters become <0xNN> byte pieces instead of unk
  std::vector<std::string> user_symbols;  // always kept whole, never split
  bool t5_conventions = false;  // pad 0, eos 1, unk 2, no bos, 100 sentinels; otherwise unk 0, bos 1, eos 2
  std::string normalization = "nmt_nfkc";  // a SentencePiece rule name; "identity" keeps text as is
  double character_coverage = 0.9995;
  int64_t max_sentences = 2'000'000;  // SentencePiece samples this many lines when there are more
  TextUnit text_unit = TextUnit::Paragraph;
  int threads = 0;  // 0: hone's default thread count
  std::string out_dir;
};

struct TokenizerTrainingResult {
  int64_t documents = 0;
  int64_t sentences = 0;  // lines handed to SentencePiece
  int64_t vocab_size = 0;
  double seconds = 0;
};

// The smallest vocab_size these options can train (special ids, byte pieces, user symbols,
// sentinels, plus a margin for real pieces).
int64_t minimum_vocab_size(const TokenizerTrainingOptions& options);

TokenizerTrainingResult train_tokenizer(const TokenizerTrainingOptions& options);

}  // namespace hone
