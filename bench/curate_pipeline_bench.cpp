// The whole curation pipeline on one core: Debian's HTML documentation packed into a WARC (what
// `hone curate pack-warc` does) plus the planted test corpus of tests/curate/pipeline_corpus.h
// (copies, near-copies, German and French pages, junk, a corrupt record), run through the refinedweb
// preset as one task on one thread. Prints per stage documents in and kept, docs/s and MB/s (input
// bytes over the stage's own seconds: per core, since one thread does everything) and the removal
// rate of every drop reason, then one JSON line. On a shared machine the stages' wall seconds include
// time other processes held the core, so the per-core columns divide each stage's seconds by the
// run's CPU-seconds-per-wall-second (an estimate that assumes the load was even over the run).
// Usage: curate_pipeline_bench [HTML_DIR_OR_FILE...]   (default: /usr/share/debian-reference /usr/share/doc)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/threads.h"
#include "curate/pipeline_runner.h"
#include "curate/warc_pack.h"
#include "tests/curate/pipeline_corpus.h"

using namespace hone::curate;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::vector<std::string> html;
  for (int i = 1; i < argc; ++i) html.push_back(argv[i]);
  if (html.empty()) {
    for (const char* dir : {"/usr/share/debian-reference", "/usr/share/doc"})
      if (fs::is_directory(dir)) html.push_back(dir);
  }
  hone::set_num_threads(1);
  const fs::path temp = fs::temp_directory_path() / ("hone_curate_bench_" + std::to_string(::getpid()));
  fs::remove_all(temp);
  fs::create_directories(temp / "planted");

  std::vector<std::string> inputs;
  if (!html.empty()) {
    const auto start = std::chrono::steady_clock::now();
    WarcPackOptions pack;
    pack.date = "2024-01-01T00:00:00Z";
    const WarcPackResult packed = pack_warc(html, (temp / "debian-docs.warc.gz").string(), pack);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("pack-warc: %llu Debian HTML pages, %.1f MB -> %.1f MB gzip per record, %.2f s (%.1f MB/s)\n",
                static_cast<unsigned long long>(packed.pages), static_cast<double>(packed.bytes_in) / 1e6,
                static_cast<double>(packed.bytes_out) / 1e6, seconds, static_cast<double>(packed.bytes_in) / 1e6 / seconds);
    inputs.push_back((temp / "debian-docs.warc.gz").string());
  }
  const testing::PlantedCorpus planted = testing::build_planted_corpus(temp / "planted", /*allow_real_docs=*/true, 40);
  inputs.insert(inputs.end(), planted.inputs.begin(), planted.inputs.end());

  PipelineConfig config = pipeline_preset("refinedweb");
  config.url_filter.hard_words = {"casino"};
  PipelineRunOptions options;
  options.inputs = inputs;
  options.output_dir = (temp / "out").string();
  options.tasks = 1;
  options.threads = 1;
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  PipelineRunner(config, options).run_all();
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_share = std::min(1.0, cpu / total);
  const PipelineStatsSummary summary = merge_pipeline_stats(options.output_dir);

  std::printf("refinedweb pipeline, 1 task, 1 thread: %.2f s wall, %.2f s CPU (the core was ours %.0f%% of the time)\n",
              total, cpu, 100 * cpu_share);
  std::printf("%-18s %8s %8s %7s %9s %9s %9s %11s %11s\n", "stage", "docs in", "kept", "kept%", "MB in", "docs/s",
              "MB/s", "docs/s/core", "MB/s/core");
  nlohmann::json json = {{"name", "curate_pipeline"}, {"seconds", total}, {"cpu_seconds", cpu},
                         {"stages", nlohmann::json::array()}};
  for (const auto& [name, s] : summary.stages) {
    const double mb = static_cast<double>(s.bytes_in) / 1e6;
    const double docs_per_s = s.seconds > 0 ? static_cast<double>(s.docs_in) / s.seconds : 0;
    const double mb_per_s = s.seconds > 0 ? mb / s.seconds : 0;
    std::printf("%-18s %8llu %8llu %6.1f%% %9.2f %9.0f %9.1f %11.0f %11.1f\n", name.c_str(),
                static_cast<unsigned long long>(s.docs_in), static_cast<unsigned long long>(s.docs_out),
                s.docs_in ? 100.0 * static_cast<double>(s.docs_out) / static_cast<double>(s.docs_in) : 0.0, mb,
                docs_per_s, mb_per_s, docs_per_s / cpu_share, mb_per_s / cpu_share);
    json["stages"].push_back({{"stage", name}, {"docs_in", s.docs_in}, {"docs_out", s.docs_out}, {"mb_in", mb},
                              {"docs_per_s", docs_per_s}, {"mb_per_s", mb_per_s},
                              {"docs_per_core_s", docs_per_s / cpu_share}, {"mb_per_core_s", mb_per_s / cpu_share},
                              {"drops", s.drop_reasons}});
  }
  std::printf("removal rates (share of the stage's documents):\n");
  for (const auto& [name, s] : summary.stages) {
    for (const auto& [reason, count] : s.drop_reasons) {
      std::printf("  %-18s %-30s %6llu %6.1f%%\n", name.c_str(), reason.c_str(), static_cast<unsigned long long>(count),
                  s.docs_in ? 100.0 * static_cast<double>(count) / static_cast<double>(s.docs_in) : 0.0);
    }
  }
  std::printf("%s\n", json.dump().c_str());
  fs::remove_all(temp);
  return 0;
}
