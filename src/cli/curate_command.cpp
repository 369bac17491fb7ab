// `hone curate run` (a curation pipeline over WARC/JSONL/text inputs, as N tasks) and `hone curate
// stats` (the per-task stats of a run merged into one table). See docs/curate_pipeline.md.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/threads.h"
#include "curate/pipeline_runner.h"
#include "curate/warc_pack.h"

namespace hone::cli {
namespace {

struct RunArgs {
  std::string pipeline;
  std::vector<std::string> inputs;
  std::string output;
  int tasks = 0;
  std::string task_index;
  std::string phase;
  int threads = 0;
};

// Task index and count from the launcher: Open MPI / PMI ranks or a Slurm array.
int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  try {
    return std::stoi(value);
  } catch (...) {
    fail_usage("environment variable ", name, "='", value, "' is not an integer");
  }
}

void task_from_environment(int& task, int& tasks) {
  if (std::getenv("OMPI_COMM_WORLD_RANK")) {
    task = env_int("OMPI_COMM_WORLD_RANK", 0);
    if (tasks == 0) tasks = env_int("OMPI_COMM_WORLD_SIZE", 0);
  } else if (std::getenv("PMI_RANK")) {
    task = env_int("PMI_RANK", 0);
    if (tasks == 0) tasks = env_int("PMI_SIZE", 0);
  } else if (std::getenv("SLURM_ARRAY_TASK_ID")) {
    task = env_int("SLURM_ARRAY_TASK_ID", 0) - env_int("SLURM_ARRAY_TASK_MIN", 0);
    if (tasks == 0) tasks = env_int("SLURM_ARRAY_TASK_COUNT", 0);
  } else {
    fail_usage("--task-index env: none of OMPI_COMM_WORLD_RANK, PMI_RANK or SLURM_ARRAY_TASK_ID is set "
               "(run under mpirun or as a Slurm array, or give the index)");
  }
  if (tasks == 0) fail_usage("--task-index env: give --tasks N (the launcher did not say how many tasks there are)");
}

void print_task(const curate::PipelineTaskReport& r) {
  if (r.skipped) {
    std::printf("%-18s task %d/%d: already done, skipped\n", r.phase.c_str(), r.task + 1, r.tasks);
  } else if (r.phase != "minhash-filter" && r.phase.rfind("minhash-", 0) == 0) {
    std::printf("%-18s task %d/%d: done (%.2f s)\n", r.phase.c_str(), r.task + 1, r.tasks, r.seconds);
  } else {
    const auto& first = r.stages.front().second;
    const auto& last = r.stages.back().second;
    std::printf("%-18s task %d/%d: %llu docs in, %llu kept (%.2f s)\n", r.phase.c_str(), r.task + 1, r.tasks,
                static_cast<unsigned long long>(first.docs_in), static_cast<unsigned long long>(last.docs_out), r.seconds);
  }
  std::fflush(stdout);
}

std::string human_bytes(double bytes) {
  char text[32];
  if (bytes >= 1e9) std::snprintf(text, sizeof text, "%.2f GB", bytes / 1e9);
  else if (bytes >= 1e6) std::snprintf(text, sizeof text, "%.2f MB", bytes / 1e6);
  else std::snprintf(text, sizeof text, "%.1f kB", bytes / 1e3);
  return text;
}

void print_stats(const curate::PipelineStatsSummary& summary) {
  std::printf("%-18s %10s %10s %7s %11s %11s %9s %8s\n", "stage", "docs in", "docs out", "kept", "bytes in", "bytes out",
              "docs/s", "MB/s");
  for (const auto& [name, s] : summary.stages) {
    const double kept = s.docs_in ? 100.0 * static_cast<double>(s.docs_out) / static_cast<double>(s.docs_in) : 0.0;
    std::printf("%-18s %10llu %10llu %6.1f%% %11s %11s %9.0f %8.1f\n", name.c_str(),
                static_cast<unsigned long long>(s.docs_in), static_cast<unsigned long long>(s.docs_out), kept,
                human_bytes(static_cast<double>(s.bytes_in)).c_str(), human_bytes(static_cast<double>(s.bytes_out)).c_str(),
                s.seconds > 0 ? static_cast<double>(s.docs_in) / s.seconds : 0.0,
                s.seconds > 0 ? static_cast<double>(s.bytes_in) / 1e6 / s.seconds : 0.0);
  }
  std::printf("\nremovals (share of the stage's documents):\n");
  for (const auto& [name, s] : summary.stages) {
    for (const auto& [reason, count] : s.drop_reasons) {
      std::printf("  %-18s %-32s %10llu %6.2f%%\n", name.c_str(), reason.c_str(), static_cast<unsigned long long>(count),
                  s.docs_in ? 100.0 * static_cast<double>(count) / static_cast<double>(s.docs_in) : 0.0);
    }
  }
  if (summary.tasks_done < summary.tasks_expected) {
    std::printf("\nincomplete: %d of %d tasks have finished\n", summary.tasks_done, summary.tasks_expected);
  }
}

void run_pipeline(const RunArgs& args) {
  curate::PipelineRunOptions options;
  options.inputs = args.inputs;
  options.output_dir = args.output;
  options.tasks = args.tasks;
  options.threads = args.threads;
  int task = -1;
  if (!args.task_index.empty()) {
    if (args.task_index == "env") {
      task_from_environment(task, options.tasks);
    } else {
      try {
        task = std::stoi(args.task_index);
      } catch (...) {
        fail_usage("--task-index must be an integer or 'env', got '", args.task_index, "'");
      }
      if (options.tasks == 0) fail_usage("--task-index needs --tasks N");
    }
  }
  if (args.threads > 0) set_num_threads(args.threads);
  curate::PipelineRunner runner(curate::load_pipeline_config(args.pipeline), options);
  if (task < 0 && !args.phase.empty()) fail_usage("--phase needs --task-index (locally every phase runs in turn)");
  if (task < 0) {
    std::printf("curating %zu inputs as %d tasks into %s\n", runner.inputs().size(), runner.tasks(), args.output.c_str());
    runner.run_all(print_task);
    std::printf("\n");
    print_stats(curate::merge_pipeline_stats(args.output));
    std::printf("\ncurated shards: %s\n", runner.output_dir().c_str());
  } else if (!args.phase.empty()) {
    print_task(runner.run_task(args.phase, task));
  } else {
    runner.run_task_all_phases(task, print_task);
  }
}

struct PackArgs {
  std::vector<std::string> inputs;
  std::string output;
  curate::WarcPackOptions options;
};

void pack_warc(const PackArgs& args) {
  const curate::WarcPackResult r = curate::pack_warc(args.inputs, args.output, args.options);
  std::printf("packed %llu pages (%s, %llu not UTF-8) into %s (%s)\n", static_cast<unsigned long long>(r.pages),
              human_bytes(static_cast<double>(r.bytes_in)).c_str(), static_cast<unsigned long long>(r.not_utf8),
              args.output.c_str(), human_bytes(static_cast<double>(r.bytes_out)).c_str());
}

}  // namespace

void register_curate(CLI::App& app) {
  auto self = std::make_shared<CLI::App*>(nullptr);
  CLI::App* curate = add_command(app, "curate", "Curate web or text corpora: filters, deduplication, stats",
                                 [self] { run_selected(**self); });
  *self = curate;
  curate->require_subcommand(1);

  auto args = std::make_shared<RunArgs>();
  CLI::App* run = add_command(*curate, "run", "Run a curation pipeline (PIPELINE.toml or a preset) over WARC, JSONL or text files",
                              [args] { run_pipeline(*args); });
  run->add_option("pipeline", args->pipeline, "PIPELINE.toml, or a preset: refinedweb, gopher, c4, fineweb")->required();
  run->add_option("--input", args->inputs, "Input files or directories (.warc, .warc.gz, .jsonl[.gz|.zst], text)")
      ->required()
      ->expected(1, -1);
  run->add_option("--output", args->output, "Output directory (shards, stats, done-markers)")->required();
  run->add_option("--tasks", args->tasks, "Number of tasks N (default: one per thread)")->check(CLI::Range(1, 1 << 20));
  run->add_option("--task-index", args->task_index,
                  "Run only task i of N (a Slurm array task or MPI rank); 'env' reads OMPI_COMM_WORLD_RANK, PMI_RANK "
                  "or SLURM_ARRAY_TASK_ID");
  run->add_option("--phase", args->phase,
                  "With --task-index: run only this phase (documents, minhash-signatures, minhash-buckets, "
                  "minhash-clusters, minhash-filter, exact-dedup); default: all, waiting for the other tasks between phases");
  run->add_option("--threads", args->threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 4096));

  auto dir = std::make_shared<std::string>();
  auto json_path = std::make_shared<std::string>();
  CLI::App* stats = add_command(*curate, "stats", "Merge the per-task stats of a curation run into one table and JSON",
                                [dir, json_path] {
                                  const curate::PipelineStatsSummary summary = curate::merge_pipeline_stats(*dir);
                                  print_stats(summary);
                                  const std::string path =
                                      json_path->empty() ? (std::filesystem::path(*dir) / "stats.json").string() : *json_path;
                                  std::ofstream out(path);
                                  HONE_CHECK(out.good(), "cannot write ", path);
                                  out << summary.to_json().dump(2) << '\n';
                                  std::printf("\nJSON: %s\n", path.c_str());
                                });
  stats->add_option("dir", *dir, "The --output directory of 'hone curate run'")->required();
  stats->add_option("--json", *json_path, "Where to write the merged stats JSON (default: DIR/stats.json)");

  auto pack = std::make_shared<PackArgs>();
  CLI::App* pack_cmd = add_command(*curate, "pack-warc", "Pack HTML files into a WARC of response records (one gzip member each)",
                                   [pack] { pack_warc(*pack); });
  pack_cmd->add_option("--input", pack->inputs, "HTML files, or directories (their .html/.htm/.xhtml/.shtml files, recursively)")
      ->required()
      ->expected(1, -1);
  pack_cmd->add_option("--out", pack->output, "The WARC to write: X.warc.gz (gzip per record) or X.warc")->required();
  pack_cmd->add_option("--url-prefix", pack->options.url_prefix,
                       "URL prefix; a page's URL is the prefix + its path under the input (default http://localhost/)");
  pack_cmd->add_option("--date", pack->options.date,
                       "WARC-Date of every record, e.g. 2024-03-01T12:00:00Z (default: each file's modification time)");
}

}  // namespace hone::cli
