// `hone tokenizer train|encode|decode`: train a SentencePiece tokenizer directory and use it from the
// shell. encode reads text lines from stdin (or --text) and prints one line of ids per input line;
// decode reads lines of whitespace-separated ids and prints one text line per input line.
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "core/threads.h"
#include "tokenize/tokenizer.h"
#include "tokenize/tokenizer_training.h"

namespace hone::cli {
namespace {

void register_train(CLI::App& parent, CLI::App*& command, std::shared_ptr<TokenizerTrainingOptions> options,
                    std::shared_ptr<std::string> text_unit) {
  command = parent.add_subcommand("train", "Train a SentencePiece tokenizer on text or JSONL files");
  command->add_option("--input", options->inputs, "Text or JSONL files (.gz/.zst allowed)")->required()->expected(1, -1);
  command->add_option("--vocab-size", options->vocab_size, "Full vocabulary size, sentinels included")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 31))
      ->capture_default_str();
  command->add_option("--model-type", options->model_type, "unigram or bpe")
      ->check(CLI::IsMember({"unigram", "bpe"}))
      ->capture_default_str();
  command->add_flag("--byte-fallback", options->byte_fallback, "Encode unseen characters as UTF-8 byte pieces");
  // One string split here: CLI11 would read a value such as "[NLU],[NLG],[S2S]" as its own list syntax
  // and strip the outer brackets.
  command->add_option_function<std::string>(
      "--user-symbols",
      [options](const std::string& text) {
        std::stringstream in(text);
        for (std::string symbol; std::getline(in, symbol, ',');)
          if (!symbol.empty()) options->user_symbols.push_back(symbol);
      },
      "Pieces never split, comma-separated (e.g. '[NLU],[NLG],[S2S]')");
  command->add_flag("--t5-conventions", options->t5_conventions,
                    "pad 0, eos 1, unk 2 and 100 sentinels <extra_id_0..99> at the top of the vocabulary");
  command->add_option("--normalization", options->normalization, "SentencePiece normalization rule (nmt_nfkc, identity, ...)")
      ->capture_default_str();
  command->add_option("--character-coverage", options->character_coverage, "Share of characters covered by pieces")
      ->check(CLI::Range(0.5, 1.0))
      ->capture_default_str();
  command->add_option("--max-sentences", options->max_sentences, "Lines sampled for training when there are more")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40))
      ->capture_default_str();
  command->add_option("--text-unit", *text_unit, "Documents of plain text files: paragraph, line or file")
      ->check(CLI::IsMember({"paragraph", "line", "file"}))
      ->capture_default_str();
  command->add_option("--threads", options->threads, "Training threads (default: all)")->check(CLI::Range(1, 4096));
  command->add_option("--out", options->out_dir, "Output tokenizer directory")->required();
}

std::string read_all_stdin() {
  std::ostringstream text;
  text << std::cin.rdbuf();
  return text.str();
}

}  // namespace

void register_tokenizer(CLI::App& app) {
  struct Args {
    std::shared_ptr<TokenizerTrainingOptions> train = std::make_shared<TokenizerTrainingOptions>();
    std::shared_ptr<std::string> text_unit = std::make_shared<std::string>("paragraph");
    std::string tokenizer_dir;
    std::string text;
    bool pieces = false;
    CLI::App* train_command = nullptr;
    CLI::App* encode_command = nullptr;
    CLI::App* decode_command = nullptr;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = add_command(app, "tokenizer", "Train a tokenizer, or encode and decode with one", [args] {
    if (args->train_command->parsed()) {
      TokenizerTrainingOptions options = *args->train;
      options.text_unit = parse_text_unit(*args->text_unit);
      TokenizerTrainingResult result = train_tokenizer(options);
      std::printf("trained a %s tokenizer with %ld tokens on %ld documents (%ld lines) in %.1f s: %s\n",
                  options.model_type.c_str(), static_cast<long>(result.vocab_size), static_cast<long>(result.documents),
                  static_cast<long>(result.sentences), result.seconds, options.out_dir.c_str());
      return;
    }
    const Tokenizer tokenizer = Tokenizer::load(args->tokenizer_dir);
    std::string input = args->text.empty() ? read_all_stdin() : args->text + "\n";
    std::istringstream lines(input);
    std::string line;
    if (args->encode_command->parsed()) {
      while (std::getline(lines, line)) {
        std::string out;
        if (args->pieces) {
          for (const auto& piece : tokenizer.encode_pieces(line)) out += (out.empty() ? "" : " ") + piece;
        } else {
          for (int32_t id : tokenizer.encode(line)) out += (out.empty() ? "" : " ") + std::to_string(id);
        }
        std::printf("%s\n", out.c_str());
      }
      return;
    }
    while (std::getline(lines, line)) {
      std::istringstream words(line);
      std::vector<int32_t> ids;
      std::string word;
      while (words >> word) {
        size_t used = 0;
        long long id = 0;
        try {
          id = std::stoll(word, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != word.size() || id < 0 || id > INT32_MAX)
          fail_usage("'", word, "' is not a token id: decode reads lines of whitespace-separated non-negative integers");
        ids.push_back(static_cast<int32_t>(id));
      }
      std::printf("%s\n", tokenizer.decode(ids).c_str());
    }
  });
  command->require_subcommand(1);
  register_train(*command, args->train_command, args->train, args->text_unit);
  args->encode_command = command->add_subcommand("encode", "Print the token ids of each text line (stdin or --text)");
  args->encode_command->add_option("--tokenizer", args->tokenizer_dir, "Tokenizer directory")->required();
  args->encode_command->add_option("--text", args->text, "Text to encode instead of stdin");
  args->encode_command->add_flag("--pieces", args->pieces, "Print pieces instead of ids");
  args->decode_command = command->add_subcommand("decode", "Print the text of each line of token ids (stdin or --text)");
  args->decode_command->add_option("--tokenizer", args->tokenizer_dir, "Tokenizer directory")->required();
  args->decode_command->add_option("--text", args->text, "Ids to decode instead of stdin");
}

}  // namespace hone::cli
