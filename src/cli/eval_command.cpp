// `hone eval --model DIR --tasks LIST [--shots 0,3] [--cot] [--self-consistency N] [--json OUT]
//            [--predictions OUT.jsonl] [--perplexity DATASET]`: the evaluation harness (src/eval/) on a
// checkpoint or Hugging Face directory, with a table on the terminal.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "core/threads.h"
#include "eval/comparison_table.h"
#include "eval/infilling_probe.h"
#include "eval/perplexity.h"
#include "eval/task_evaluation.h"
#include "model/generation.h"
#include "train/checkpoint.h"

namespace hone::cli {
namespace {

struct EvalArgs {
  std::string model, tokenizer, json_out, predictions_out, perplexity_dataset;
  std::vector<std::string> table;  // LABEL=SUMMARY.json
  eval::TaskEvalOptions options;
  int64_t perplexity_length = 256, perplexity_tokens = 0;
  std::string infilling_dataset;
  eval::InfillingOptions infilling;
  int threads = 0;
};

void write_text(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    HONE_CHECK(out.good(), "cannot write '", temporary, "'");
    out << text;
    out.flush();
    HONE_CHECK(out.good(), "cannot write '", temporary, "' (disk full?)");
  }
  std::filesystem::rename(temporary, path);
}

void print_table(const std::vector<std::string>& entries) {
  std::vector<std::pair<std::string, nlohmann::json>> summaries;
  for (const std::string& entry : entries) {
    const size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) fail_usage("eval --table: expected LABEL=SUMMARY.json, got '", entry, "'");
    const std::string path = entry.substr(equals + 1);
    std::ifstream in(path);
    HONE_CHECK(in.good(), "cannot read eval summary '", path, "'");
    try {
      summaries.emplace_back(entry.substr(0, equals), nlohmann::json::parse(in));
    } catch (const nlohmann::json::parse_error& e) {
      fail("'", path, "' is not valid JSON (", e.what(), ")");
    }
  }
  std::fputs(eval::comparison_table(summaries).c_str(), stdout);
}

void run_eval(const EvalArgs& args) {
  if (!args.table.empty()) {
    if (!args.model.empty()) fail_usage("eval: --table prints saved summaries; it does not take --model");
    print_table(args.table);
    return;
  }
  if (args.model.empty()) fail_usage("eval: --model DIR is required");
  if (args.threads > 0) set_num_threads(args.threads);
  if (args.options.tasks.empty() && args.perplexity_dataset.empty() && args.infilling_dataset.empty())
    fail_usage("eval: give --tasks, --perplexity DATASET and/or --infilling DATASET");
  const LanguageModel model = load_language_model(args.model);
  nlohmann::ordered_json summary = {{"model", args.model}};

  if (!args.options.tasks.empty()) {
    const std::string tokenizer_dir = args.tokenizer.empty() ? args.model : args.tokenizer;
    const Tokenizer tokenizer = Tokenizer::load(tokenizer_dir);
    eval::GenerateFunction generator = [&](const std::vector<std::vector<int32_t>>& prompts,
                                           const eval::SamplingSettings& s) {
      GenerationOptions g;
      g.max_new_tokens = s.max_new_tokens;
      g.temperature = s.temperature;
      g.top_k = s.top_k;
      g.top_p = s.top_p;
      g.seed = s.seed;
      g.eos_id = tokenizer.eos_id();
      std::vector<std::vector<int32_t>> out;
      g.batch_size = args.options.batch_size;
      for (auto& row : generate(model, prompts, g)) {
        if (row.stopped_at_eos) row.tokens.pop_back();
        out.push_back(std::move(row.tokens));
      }
      return out;
    };
    const eval::TaskEvalReport report = eval::evaluate_tasks(model, tokenizer, args.options, generator);
    std::printf("%-28s %-15s %5s %-16s %8s %9s %10s\n", "task", "cluster", "shots", "method", "examples", "accuracy",
                "tokens/s");
    for (const eval::TaskResult& r : report.results)
      std::printf("%-28s %-15s %5ld %-16s %8ld %8.1f%% %10.0f\n", r.task.c_str(), r.cluster.c_str(),
                  static_cast<long>(r.shots), r.method.c_str(), static_cast<long>(r.examples), 100 * r.accuracy(),
                  r.seconds > 0 ? r.tokens / r.seconds : 0.0);
    const auto tasks_summary = report.summary_json();
    for (const auto& c : tasks_summary["clusters"])
      std::printf("cluster %-15s shots %ld: %.1f%% (mean of %d tasks)\n", c["cluster"].get<std::string>().c_str(),
                  static_cast<long>(c["shots"].get<int64_t>()), 100 * c["accuracy"].get<double>(), c["tasks"].get<int>());
    summary["tasks"] = tasks_summary["tasks"];
    summary["clusters"] = tasks_summary["clusters"];
    if (!args.predictions_out.empty()) {
      std::string lines;
      for (const auto& p : report.predictions) lines += eval::to_json(p).dump() + "\n";
      write_text(args.predictions_out, lines);
    }
  }
  if (!args.perplexity_dataset.empty()) {
    const eval::PerplexityResult p = eval::held_out_perplexity(
        model, {args.perplexity_dataset, args.perplexity_length, args.perplexity_tokens, args.options.batch_size});
    std::printf("perplexity %.3f (mean NLL %.4f nats over %ld tokens, %.0f tokens/s)\n", p.perplexity(), p.mean_nll,
                static_cast<long>(p.tokens), p.seconds > 0 ? p.tokens / p.seconds : 0.0);
    summary["perplexity"] = {{"dataset", args.perplexity_dataset}, {"tokens", p.tokens}, {"mean_nll", p.mean_nll},
                             {"perplexity", p.perplexity()}};
  }
  if (!args.infilling_dataset.empty()) {
    eval::InfillingOptions o = args.infilling;
    o.dataset_dir = args.infilling_dataset;
    if (o.tokenizer_dir.empty()) o.tokenizer_dir = args.tokenizer.empty() ? args.model : args.tokenizer;
    o.batch_size = args.options.batch_size;
    const eval::InfillingResult r = eval::infilling_probe(model, o);
    std::printf("infilling: span exact match %.1f%%, target NLL %.4f nats/token (%ld examples, spans of %ld tokens)\n",
                100 * r.span_exact_match, r.target_nll, static_cast<long>(r.examples), static_cast<long>(o.span_length));
    summary["infilling"] = {{"dataset", o.dataset_dir}, {"examples", r.examples}, {"span_length", o.span_length},
                            {"span_exact_match", r.span_exact_match}, {"target_nll", r.target_nll}};
  }
  if (!args.json_out.empty()) write_text(args.json_out, summary.dump(2) + "\n");
}

}  // namespace

void register_eval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* command = add_command(app, "eval", "Evaluate a model on tasks (rank classification, generation, "
                                               "self-consistency) and held-out perplexity",
                                  [args] { run_eval(*args); });
  eval::TaskEvalOptions& o = args->options;
  command->add_option("--model", args->model, "hone checkpoint or Hugging Face directory");
  command->add_option("--tokenizer", args->tokenizer, "Tokenizer directory (default: the model directory)");
  command->add_option("--tasks", o.tasks, "Task names, task .toml files or cluster:NAME")->delimiter(',');
  command->add_option("--shots", o.shots, "Numbers of exemplars, e.g. 0,3")->delimiter(',')->capture_default_str();
  command->add_flag("--cot", o.chain_of_thought, "Chain-of-thought prompts, scored by generation and answer extraction");
  command->add_option("--self-consistency", o.self_consistency, "Sampled chains of thought per example, majority vote")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--split", o.split, "train, validation or test")
      ->check(CLI::IsMember({"train", "validation", "test"}))
      ->capture_default_str();
  command->add_option("--max-examples", o.max_examples, "Examples per task (0: the whole split)")->check(CLI::NonNegativeNumber);
  command->add_flag("--length-normalized", o.length_normalized, "Rank options by mean instead of summed log-probability");
  command->add_option("--max-new-tokens", o.sampling.max_new_tokens, "Generation length limit")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--temperature", o.sampling.temperature, "Sampling temperature (0: greedy)")->check(CLI::NonNegativeNumber);
  command->add_option("--top-k", o.sampling.top_k, "Sample from the k most likely tokens (0: all)")->check(CLI::NonNegativeNumber);
  command->add_option("--top-p", o.sampling.top_p, "Nucleus sampling mass")->check(CLI::Range(0.0, 1.0));
  command->add_option("--seed", o.sampling.seed, "Sampling seed");
  command->add_option("--split-seed", o.seed, "Seed of the task splits (as [flan] split_seed of the training run)")
      ->capture_default_str();
  command->add_option("--batch-size", o.batch_size, "Rows per forward pass")->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--perplexity", args->perplexity_dataset, "Token dataset (hone tokenize output) for held-out perplexity");
  command->add_option("--perplexity-length", args->perplexity_length, "Window length for perplexity")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--perplexity-tokens", args->perplexity_tokens, "Tokens to score (0: the whole dataset)");
  command->add_option("--infilling", args->infilling_dataset,
                      "Token dataset for the infilling probe ([NLU] + sentinel: fill a masked span)");
  command->add_option("--infilling-examples", args->infilling.examples, "Examples of the infilling probe")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--span-length", args->infilling.span_length, "Masked span length of the infilling probe")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--mode-tokens", args->infilling.mode_tokens, "How [NLU] is written: reserved, text or none")
      ->check(CLI::IsMember({"reserved", "text", "none"}))
      ->capture_default_str();
  command->add_option("--json", args->json_out, "Write the summary as JSON");
  command->add_option("--predictions", args->predictions_out, "Write per-example predictions as JSONL");
  command->add_option("--table", args->table, "Print LABEL=SUMMARY.json files (from --json) as one Markdown table")
      ->expected(1, -1);
  command->add_option("--threads", args->threads, "Threads (default: all cores)")->check(CLI::PositiveNumber);
}

}  // namespace hone::cli
