#include "tokenize/tokenizer.h"

#include <sentencepiece_processor.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hone {
namespace {

constexpr std::string_view kSentinelPrefix = "<extra_id_";
constexpr std::string_view kWordBoundary = "\xE2\x96\x81";  // U+2581, SentencePiece's space marker

// Parses "<extra_id_K>" at the start of text; returns its length (0 if there is none) and K.
size_t match_sentinel(std::string_view text, int sentinel_count, int* k) {
  if (text.substr(0, kSentinelPrefix.size()) != kSentinelPrefix) return 0;
  size_t i = kSentinelPrefix.size();
  int value = 0;
  size_t digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 4) {
    value = value * 10 + (text[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0 || i >= text.size() || text[i] != '>' || value >= sentinel_count) return 0;
  if (digits > 1 && text[kSentinelPrefix.size()] == '0') return 0;  // "<extra_id_01>" is plain text
  *k = value;
  return i + 1;
}

int32_t json_id(const nlohmann::json& config, const char* key) {
  auto it = config.find(key);
  return it == config.end() || it->is_null() ? -1 : it->get<int32_t>();
}

}  // namespace

Tokenizer Tokenizer::load(const std::string& directory) {
  namespace fs = std::filesystem;
  const fs::path model_path = fs::path(directory) / kTokenizerModelFile;
  const fs::path config_path = fs::path(directory) / kTokenizerConfigFile;
  HONE_CHECK(fs::is_regular_file(model_path), "no tokenizer in '", directory, "': ", model_path.string(),
             " is missing (create one with 'hone tokenizer train')");
  HONE_CHECK(fs::is_regular_file(config_path), "no tokenizer in '", directory, "': ", config_path.string(),
             " is missing (create one with 'hone tokenizer train')");

  auto processor = std::make_shared<sentencepiece::SentencePieceProcessor>();
  auto status = processor->Load(model_path.string());
  HONE_CHECK(status.ok(), "cannot load SentencePiece model '", model_path.string(), "': ", status.ToString());

  nlohmann::json config;
  try {
    std::ifstream in(config_path);
    config = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail("cannot read '", config_path.string(), "': ", e.what());
  }

  Tokenizer tokenizer;
  tokenizer.processor_ = processor;
  tokenizer.piece_count_ = processor->GetPieceSize();
  try {
    tokenizer.conventions_.pad_id = json_id(config, "pad_id");
    tokenizer.conventions_.eos_id = json_id(config, "eos_id");
    tokenizer.conventions_.unk_id = json_id(config, "unk_id");
    tokenizer.conventions_.bos_id = json_id(config, "bos_id");
    tokenizer.conventions_.sentinel_count = config.value("sentinel_count", 0);
    const int64_t vocab_size = config.at("vocab_size").get<int64_t>();
    HONE_CHECK(vocab_size == tokenizer.vocab_size(), "'", config_path.string(), "' says vocab_size ", vocab_size,
               " but the model has ", tokenizer.piece_count_, " pieces and ", tokenizer.sentinel_count(),
               " sentinels: the directory mixes files from different tokenizers");
  } catch (const nlohmann::json::exception& e) {
    fail("'", config_path.string(), "' is malformed: ", e.what());
  }
  // The conventions must be the model's own special ids, or encode/decode would disagree with them.
  const TokenizerConventions& c = tokenizer.conventions_;
  HONE_CHECK(c.pad_id == processor->pad_id() && c.eos_id == processor->eos_id() && c.unk_id == processor->unk_id() &&
                 c.bos_id == processor->bos_id(),
             "'", config_path.string(), "' special ids do not match the SentencePiece model: the directory mixes "
             "files from different tokenizers");
  return tokenizer;
}

void Tokenizer::encode_plain(std::string_view text, std::vector<int32_t>& ids) const {
  if (text.empty()) return;
  std::vector<int> pieces;
  auto status = processor_->Encode(text, &pieces);
  HONE_CHECK(status.ok(), "SentencePiece could not encode the text: ", status.ToString());
  ids.insert(ids.end(), pieces.begin(), pieces.end());
}

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  if (sentinel_count() == 0) {
    encode_plain(text, ids);
    return ids;
  }
  size_t plain_begin = 0;
  size_t search = 0;
  while ((search = text.find(kSentinelPrefix, search)) != std::string_view::npos) {
    int k = 0;
    size_t length = match_sentinel(text.substr(search), sentinel_count(), &k);
    if (length == 0) {
      ++search;
      continue;
    }
    encode_plain(text.substr(plain_begin, search - plain_begin), ids);
    ids.push_back(sentinel_id(k));
    search += length;
    plain_begin = search;
  }
  encode_plain(text.substr(plain_begin), ids);
  return ids;
}

std::vector<std::string> Tokenizer::encode_pieces(std::string_view text) const {
  std::vector<std::string> pieces;
  for (int32_t id : encode(text)) pieces.push_back(id_to_piece(id));
  return pieces;
}

void Tokenizer::check_id(int32_t id) const {
  HONE_CHECK(id >= 0 && id < vocab_size(), "token id ", id, " is outside the vocabulary [0, ", vocab_size(), ")");
}

std::string Tokenizer::decode(std::span<const int32_t> ids) const {
  std::string text;
  std::vector<int> run;
  auto flush = [&] {
    if (run.empty()) return;
    std::string piece_text;
    auto status = processor_->Decode(run, &piece_text);
    HONE_CHECK(status.ok(), "SentencePiece could not decode the ids: ", status.ToString());
    // SentencePiece drops the word-boundary space of the first piece it decodes; after a sentinel that
    // space separates words ("<extra_id_0> cat"), so put it back.
    if (!text.empty() && processor_->IdToPiece(run.front()).starts_with(kWordBoundary)) text += ' ';
    text += piece_text;
    run.clear();
  };
  for (int32_t id : ids) {
    check_id(id);
    if (id >= piece_count_) {
      flush();
      text += id_to_piece(id);
    } else {
      run.push_back(id);
    }
  }
  flush();
  return text;
}

int32_t Tokenizer::sentinel_id(int k) const {
  HONE_CHECK(k >= 0 && k < sentinel_count(), "sentinel <extra_id_", k, "> does not exist: this tokenizer has ",
             sentinel_count(), " sentinels (train it with --t5-conventions for 100)");
  return static_cast<int32_t>(vocab_size() - 1 - k);
}

std::string Tokenizer::id_to_piece(int32_t id) const {
  check_id(id);
  if (id >= piece_count_) return std::string(kSentinelPrefix) + std::to_string(vocab_size() - 1 - id) + ">";
  return processor_->IdToPiece(id);
}

int32_t Tokenizer::piece_to_id(std::string_view piece) const {
  int k = 0;
  if (match_sentinel(piece, sentinel_count(), &k) == piece.size() && !piece.empty()) return sentinel_id(k);
  const int id = processor_->PieceToId(piece);
  // SentencePiece answers unk for unknown pieces; tell them apart from the unk piece itself.
  if (id == processor_->unk_id() && processor_->IdToPiece(id) != piece) return -1;
  return id;
}

bool Tokenizer::is_byte_piece(int32_t id) const {
  check_id(id);
  return id < piece_count_ && processor_->IsByte(id);
}

}  // namespace hone
