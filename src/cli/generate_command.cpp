// `hone generate`: continuations of prompts from a checkpoint (or Hugging Face directory) with its
// tokenizer, decoded with a key/value cache (model/generation.h); reports tokens/s on stderr so that
// --json output stays pure JSONL.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/threads.h"
#include "model/generation.h"
#include "tokenize/tokenizer.h"
#include "train/checkpoint.h"

namespace hone::cli {
namespace {

// Prompts of a JSONL file: each line an object with "prompt" (or "inputs", seqio's name, or "text").
std::vector<std::string> read_prompt_file(const std::string& path) {
  std::ifstream in(path);
  HONE_CHECK(in.good(), "cannot read prompts from ", path, ": check the path");
  std::vector<std::string> prompts;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      fail(path, ":", number, ": not a JSON object (", e.what(), ")");
    }
    bool found = false;
    for (const char* key : {"prompt", "inputs", "text"}) {
      if (record.is_object() && record.contains(key) && record[key].is_string()) {
        prompts.push_back(record[key].get<std::string>());
        found = true;
        break;
      }
    }
    HONE_CHECK(found, path, ":", number, ": needs a string field \"prompt\" (or \"inputs\" or \"text\")");
  }
  HONE_CHECK(!prompts.empty(), path, " holds no prompts");
  return prompts;
}

// The ids a prompt enters the model with: Llama-style tokenizers start with bos; T5 inputs end with eos
// (as their tokenizers and seqio do).
std::vector<int32_t> prompt_ids(const Tokenizer& tokenizer, const std::string& text, bool encoder_decoder) {
  std::vector<int32_t> ids = tokenizer.encode(text);
  if (encoder_decoder && tokenizer.eos_id() >= 0) ids.push_back(tokenizer.eos_id());
  if (!encoder_decoder && tokenizer.bos_id() >= 0) ids.insert(ids.begin(), tokenizer.bos_id());
  return ids;
}

}  // namespace

void register_generate(CLI::App& app) {
  struct Args {
    std::string model_dir, tokenizer_dir, input;
    std::vector<std::string> prompts;
    GenerationOptions options;
    int64_t num_samples = 1;
    int threads = 0;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = add_command(app, "generate", "Continue prompts with a trained model (greedy or sampled)", [args] {
    if (args->threads > 0) set_num_threads(args->threads);
    HONE_CHECK(args->prompts.empty() != args->input.empty(), "give prompts with --prompt TEXT or --input FILE.jsonl (one of them)");
    HONE_CHECK(args->num_samples >= 1, "--num-samples must be at least 1, got ", args->num_samples);
    GenerationOptions options = args->options;
    check_generation_options(options);
    const std::vector<std::string> texts = args->input.empty() ? args->prompts : read_prompt_file(args->input);
    const LanguageModel model = load_language_model(args->model_dir);
    const Tokenizer tokenizer = Tokenizer::load(args->tokenizer_dir.empty() ? args->model_dir : args->tokenizer_dir);
    HONE_CHECK(tokenizer.vocab_size() <= model.config().vocab_size, "the tokenizer has ", tokenizer.vocab_size(),
               " ids but the model only ", model.config().vocab_size, ": pass the model's own tokenizer with --tokenizer");
    if (options.eos_id < 0) options.eos_id = tokenizer.eos_id() >= 0 ? tokenizer.eos_id() : model.config().eos_token_id;

    // Sample j of prompt i is row i * num_samples + j: its own random stream.
    std::vector<std::vector<int32_t>> rows;
    for (const std::string& text : texts) {
      const std::vector<int32_t> ids = prompt_ids(tokenizer, text, model.is_encoder_decoder());
      for (int64_t j = 0; j < args->num_samples; ++j) rows.push_back(ids);
    }
    const auto start = std::chrono::steady_clock::now();
    const std::vector<GeneratedSequence> generated = generate(model, rows, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    int64_t new_tokens = 0;
    for (size_t r = 0; r < generated.size(); ++r) {
      const GeneratedSequence& g = generated[r];
      new_tokens += static_cast<int64_t>(g.tokens.size());
      std::vector<int32_t> visible = g.tokens;
      if (g.stopped_at_eos) visible.pop_back();
      const std::string text = tokenizer.decode(visible);
      const size_t prompt = r / static_cast<size_t>(args->num_samples), sample = r % static_cast<size_t>(args->num_samples);
      if (args->json) {
        double logprob = 0.0;
        for (float lp : g.logprobs) logprob += lp;
        nlohmann::ordered_json line = {{"prompt_index", prompt}, {"sample", sample},   {"prompt", texts[prompt]},
                                       {"text", text},           {"tokens", g.tokens}, {"logprob", logprob},
                                       {"finished", g.stopped_at_eos}};
        std::printf("%s\n", line.dump().c_str());
      } else {
        if (sample == 0) std::printf("%s[prompt %zu] %s\n", prompt ? "\n" : "", prompt, texts[prompt].c_str());
        std::printf("%s%s\n", args->num_samples > 1 ? ("[sample " + std::to_string(sample) + "] ").c_str() : "", text.c_str());
      }
    }
    std::fflush(stdout);
    std::fprintf(stderr, "generated %ld tokens for %zu sequences in %.2f s (%.1f tokens/s)\n", static_cast<long>(new_tokens),
                 generated.size(), seconds, seconds > 0 ? static_cast<double>(new_tokens) / seconds : 0.0);
  });
  command->add_option("--model", args->model_dir, "Checkpoint or Hugging Face directory (config.json + model.safetensors)")
      ->required();
  command->add_option("--tokenizer", args->tokenizer_dir, "Tokenizer directory (default: the model directory)");
  command->add_option("--prompt", args->prompts, "Prompt text (repeatable)");
  command->add_option("--input", args->input, "JSONL file with a \"prompt\" string per line");
  command->add_option("--max-new-tokens", args->options.max_new_tokens, "Tokens to generate per sample")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20))
      ->capture_default_str();
  command->add_option("--temperature", args->options.temperature, "Sampling temperature; 0 is greedy")->capture_default_str();
  command->add_option("--top-k", args->options.top_k, "Sample among the k most likely tokens; 0: all")->capture_default_str();
  command->add_option("--top-p", args->options.top_p, "Nucleus sampling mass in (0, 1]")->capture_default_str();
  command->add_option("--seed", args->options.seed, "Random seed of sampling")->capture_default_str();
  command->add_option("--num-samples", args->num_samples, "Samples per prompt")->capture_default_str();
  command->add_option("--batch-size", args->options.batch_size, "Sequences decoded together; 0: all")->capture_default_str();
  command->add_option("--threads", args->threads, "CPU threads (default: all)")->check(CLI::Range(1, 4096));
  command->add_flag("--json", args->json, "One JSON object per sample (prompt_index, sample, text, tokens, logprob)");
}

}  // namespace hone::cli
