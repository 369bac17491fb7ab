// `hone tokenize`: corpus files -> token shards (see src/data/tokenize_corpus.h), with a progress line
// and a closing report of documents, tokens and tokens/s.
#include <cstdio>

#include "cli/commands.h"
#include "cli/progress.h"
#include "data/tokenize_corpus.h"

namespace hone::cli {

void register_tokenize(CLI::App& app) {
  struct Args {
    TokenizeCorpusOptions options;
    std::string text_unit = "paragraph";
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = add_command(app, "tokenize", "Turn text or JSONL files into token shards, in parallel", [args] {
    TokenizeCorpusOptions options = args->options;
    options.text_unit = parse_text_unit(args->text_unit);
    ProgressLine progress(1);
    double last_update = -1;
    TokenizeCorpusResult result = tokenize_corpus(options, [&](const TokenizeCorpusProgress& p) {
      // Updates come per batch of documents; a log file gets one line per second at most.
      if (p.files_done < p.files_total && p.seconds - last_update < 1.0) return;
      last_update = p.seconds;
      char status[160];
      std::snprintf(status, sizeof status, "%ld documents, %ld tokens, %.0f tokens/s", static_cast<long>(p.documents),
                    static_cast<long>(p.tokens), p.seconds > 0 ? static_cast<double>(p.tokens) / p.seconds : 0.0);
      progress.update(p.files_done, p.files_total, p.seconds, status);
    });
    progress.finish();
    std::printf("tokenized %ld documents into %ld tokens in %.2f s (%.0f tokens/s): %zu shard%s in %s\n",
                static_cast<long>(result.documents), static_cast<long>(result.tokens), result.seconds,
                result.tokens_per_second(), result.shards.size(), result.shards.size() == 1 ? "" : "s",
                options.out_dir.c_str());
  });
  command->add_option("--tokenizer", args->options.tokenizer_dir, "Tokenizer directory")->required();
  command->add_option("--input", args->options.inputs, "Text or JSONL files (.gz/.zst allowed)")->required()->expected(1, -1);
  command->add_option("--out", args->options.out_dir, "Output directory for shards and dataset.json")->required();
  command->add_option("--threads", args->options.threads, "Encoding threads (default: all)")->check(CLI::Range(1, 4096));
  command->add_option("--shard-tokens", args->options.shard_tokens, "Tokens per shard before the next one starts")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40))
      ->capture_default_str();
  command->add_option("--text-unit", args->text_unit, "Documents of plain text files: paragraph, line or file")
      ->check(CLI::IsMember({"paragraph", "line", "file"}))
      ->capture_default_str();
  command->add_flag("--overwrite", args->options.overwrite, "Replace shards already in --out");
}

}  // namespace hone::cli
