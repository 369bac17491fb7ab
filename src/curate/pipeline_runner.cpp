#include "curate/pipeline_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <unistd.h>

#include "core/error.h"
#include "core/threads.h"
#include "curate/exact_dedup.h"
#include "curate/input_reader.h"
#include "curate/jsonl_writer.h"
#include "curate/minhash_stages.h"

namespace hone::curate {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string shard_name(std::size_t index) {
  char name[32];
  std::snprintf(name, sizeof(name), "%05zu.jsonl.zst", index);
  return name;
}

std::string task_name(const std::string& phase, int task, int tasks) {
  char name[96];
  std::snprintf(name, sizeof(name), "%s-%05d-of-%05d", phase.c_str(), task, tasks);
  return name;
}

// Small files (stats, markers, pipeline.json) through a temp name unique to this thread, then rename.
void write_atomically(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  // Unique per process and thread: tasks on other machines may write the same file at the same time.
  const fs::path temp = path.string() + ".tmp." + std::to_string(::getpid()) + "." +
                        std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    HONE_CHECK(out.good(), "cannot write ", temp.string(), ": check the output directory is writable");
    out << content;
    out.close();
    HONE_CHECK(!out.fail(), "writing ", temp.string(), " failed: is the disk full?");
  }
  fs::rename(temp, path);
}

bool is_shard_phase(const std::string& phase) {
  return phase == "documents" || phase == "minhash-filter" || phase == "exact-dedup";
}

std::vector<std::string> expand_inputs(const std::vector<std::string>& given) {
  std::vector<std::string> files;
  for (const auto& path : given) {
    if (fs::is_directory(path)) {
      for (const auto& entry : fs::recursive_directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path().string());
      }
    } else {
      HONE_CHECK(fs::is_regular_file(path), "curation input '", path, "' does not exist: check --input");
      files.push_back(path);
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  HONE_CHECK(!files.empty(), "no input files: give --input files or directories that contain some");
  return files;
}

// Runs fn(0..count-1) on up to `threads` threads; the first exception is rethrown after all finish.
void parallel_tasks(int count, int threads, const std::function<void(int)>& fn) {
  std::atomic<int> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (int task = next++; task < count; task = next++) {
      try {
        fn(task);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::min(threads, count); ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
}

// Extraction applies to HTML pages (WARC inputs) only: JSONL and text documents are text already and
// pass through unchanged (counted as "text_passed_through"), so one pipeline handles mixed inputs.
class HtmlPagesExtract final : public FilterBlock {
 public:
  explicit HtmlPagesExtract(const HtmlExtractOptions& options) : FilterBlock("html_extract"), inner_(options) {}
  void set_input_is_html(bool html) { html_ = html; }

 protected:
  Verdict apply(Document& doc) override {
    if (!html_) {
      mutable_stats().add_counter("text_passed_through", 1);
      return Verdict::kept();
    }
    return inner_.process(doc);
  }

 private:
  HtmlExtractBlock inner_;
  bool html_ = true;
};

std::unique_ptr<FilterBlock> make_block(const PipelineConfig& c, const std::string& stage) {
  if (stage == "url_filter") return std::make_unique<UrlFilter>(c.url_filter);
  if (stage == "html_extract") return std::make_unique<HtmlPagesExtract>(c.html_extract);
  if (stage == "language_filter") return std::make_unique<LanguageFilter>(c.language_filter);
  if (stage == "gopher_repetition") return std::make_unique<GopherRepetitionFilter>(c.gopher_repetition);
  if (stage == "gopher_quality") return std::make_unique<GopherQualityFilter>(c.gopher_quality);
  if (stage == "line_corrections") return std::make_unique<LineCorrections>(c.line_corrections);
  fail("no per-document block named '", stage, "'");
}

// Rejected documents of one input, one lazily opened shard per stage.
class RejectedWriters {
 public:
  RejectedWriters(std::string dir, std::size_t index, int level, bool enabled)
      : dir_(std::move(dir)), index_(index), level_(level), enabled_(enabled) {}
  void write(Document& doc, const std::string& stage, std::string_view reason) {
    if (!enabled_) return;
    auto& writer = writers_[stage];
    if (!writer) {
      const fs::path path = fs::path(dir_) / stage / shard_name(index_);
      fs::create_directories(path.parent_path());
      writer = std::make_unique<JsonlZstWriter>(path.string(), level_);
    }
    doc.metadata["rejected"] = {{"stage", stage}, {"reason", std::string(reason)}};
    writer->write(doc);
  }
  void close() {
    for (auto& [stage, writer] : writers_) writer->close();
  }

 private:
  std::string dir_;
  std::size_t index_;
  int level_;
  bool enabled_;
  std::map<std::string, std::unique_ptr<JsonlZstWriter>> writers_;
};

void add_stage(std::vector<std::pair<std::string, FilterStats>>& stages, const std::string& name,
               const FilterStats& stats) {
  for (auto& [existing, s] : stages) {
    if (existing == name) {
      s.merge(stats);
      return;
    }
  }
  stages.emplace_back(name, stats);
}

}  // namespace

PipelineRunner::PipelineRunner(PipelineConfig config, PipelineRunOptions options)
    : config_(std::move(config)), dir_(options.output_dir) {
  HONE_CHECK(!dir_.empty(), "curate run needs an output directory (--output DIR)");
  inputs_ = expand_inputs(options.inputs);
  threads_ = options.threads > 0 ? options.threads : num_threads();
  tasks_ = options.tasks > 0 ? options.tasks : threads_;
  HONE_CHECK(tasks_ >= 1, "the task count must be >= 1");
  phases_ = {"documents"};
  for (const auto& stage : config_.corpus_stages()) {
    if (stage == "minhash_dedup") {
      for (const char* p : {"minhash-signatures", "minhash-buckets", "minhash-clusters", "minhash-filter"}) phases_.push_back(p);
    } else {
      phases_.push_back("exact-dedup");
    }
  }
  // Every task of every machine must agree on the pipeline, the inputs and N, or shards would mix.
  const nlohmann::json record = {{"pipeline", config_.to_json()}, {"inputs", inputs_}, {"tasks", tasks_}};
  const fs::path record_path = fs::path(dir_) / "pipeline.json";
  if (fs::exists(record_path)) {
    std::ifstream in(record_path);
    const nlohmann::json existing = nlohmann::json::parse(in, nullptr, false);
    HONE_CHECK(!existing.is_discarded() && existing == record, dir_,
               " holds a run with another pipeline, input list or task count (see its pipeline.json): "
               "relaunch with the same settings, or use a fresh --output directory");
  } else {
    write_atomically(record_path, record.dump(2) + "\n");
  }
}

int PipelineRunner::phase_tasks(const std::string& phase) const { return phase == "minhash-clusters" ? 1 : tasks_; }

bool PipelineRunner::task_done(const std::string& phase, int task) const {
  return fs::exists(fs::path(dir_) / "done" / task_name(phase, task, tasks_));
}

bool PipelineRunner::phase_done(const std::string& phase) const {
  for (int task = 0; task < phase_tasks(phase); ++task)
    if (!task_done(phase, task)) return false;
  return true;
}

std::string PipelineRunner::phase_dir(const std::string& phase) const {
  std::string last_shard_phase;
  for (const auto& p : phases_)
    if (is_shard_phase(p)) last_shard_phase = p;
  if (phase == last_shard_phase) return (fs::path(dir_) / "output").string();
  return (fs::path(dir_) / "work" / phase).string();
}

std::string PipelineRunner::output_dir() const { return (fs::path(dir_) / "output").string(); }
std::string PipelineRunner::output_shard(std::size_t index) const { return (fs::path(output_dir()) / shard_name(index)).string(); }

// The shard-producing phase whose output `phase` reads.
std::string PipelineRunner::previous_document_phase(const std::string& phase) const {
  std::string previous;
  for (const auto& p : phases_) {
    if (p == phase) break;
    if (is_shard_phase(p)) previous = p;
  }
  HONE_CHECK(!previous.empty(), "phase ", phase, " has no input phase");
  return previous;
}

std::string PipelineRunner::shard_in(const std::string& phase, std::size_t index) const {
  return (fs::path(phase_dir(previous_document_phase(phase))) / shard_name(index)).string();
}

void PipelineRunner::finish_task(PipelineTaskReport& report) const {
  nlohmann::json stats = {{"phase", report.phase}, {"task", report.task}, {"tasks", report.tasks},
                          {"seconds", report.seconds}, {"inputs", report.inputs}, {"stages", nlohmann::json::array()}};
  for (const auto& [name, s] : report.stages) {
    nlohmann::json entry = s.to_json();
    entry["name"] = name;
    stats["stages"].push_back(entry);
  }
  write_atomically(fs::path(dir_) / "stats" / (task_name(report.phase, report.task, tasks_) + ".json"), stats.dump(2) + "\n");
  write_atomically(fs::path(dir_) / "done" / task_name(report.phase, report.task, tasks_), "done\n");  // last
}

PipelineTaskReport PipelineRunner::run_task(const std::string& phase, int task) {
  HONE_CHECK(std::find(phases_.begin(), phases_.end(), phase) != phases_.end(), "this pipeline has no phase '", phase,
             "'");
  HONE_CHECK(task >= 0 && task < tasks_, "task index ", task, " is outside 0..", tasks_ - 1,
             ": pass --task-index in [0, --tasks)");
  PipelineTaskReport report;
  report.phase = phase;
  report.task = task;
  report.tasks = tasks_;
  report.skipped = true;
  if (task >= phase_tasks(phase) || task_done(phase, task)) return report;
  const auto start = Clock::now();
  if (phase == "documents") report = run_documents(task);
  else if (phase == "minhash-filter") report = run_minhash_filter(task);
  else if (phase == "exact-dedup") report = run_exact_dedup(task);
  else report = run_minhash(phase, task);
  report.phase = phase;
  report.task = task;
  report.tasks = tasks_;
  report.skipped = false;
  report.seconds = seconds_since(start);
  finish_task(report);
  return report;
}

PipelineTaskReport PipelineRunner::run_documents(int task) {
  PipelineTaskReport report;
  std::vector<std::unique_ptr<FilterBlock>> blocks;
  for (const auto& stage : config_.document_stages()) blocks.push_back(make_block(config_, stage));
  FilterStats reader_stats;
  const std::string out_dir = phase_dir("documents");
  fs::create_directories(out_dir);
  const std::string rejected_dir = (fs::path(dir_) / "rejected").string();
  for (std::size_t index = static_cast<std::size_t>(task); index < inputs_.size(); index += static_cast<std::size_t>(tasks_)) {
    InputReader reader(inputs_[index]);
    report.inputs.push_back(inputs_[index]);
    for (auto& block : blocks) {
      if (auto* extract = dynamic_cast<HtmlPagesExtract*>(block.get()))
        extract->set_input_is_html(input_kind(inputs_[index]) == InputKind::Warc);
    }
    JsonlZstWriter out((fs::path(out_dir) / shard_name(index)).string(), config_.zstd_level);
    RejectedWriters rejected(rejected_dir, index, config_.zstd_level, config_.write_rejected);
    Document doc;
    while (reader.next(doc)) {
      bool kept = true;
      for (auto& block : blocks) {
        Verdict verdict;
        try {
          verdict = block->process(doc);
        } catch (const Error&) {
          verdict = Verdict::dropped("invalid_input");  // counted by the block; the run goes on
        }
        if (!verdict.keep) {
          rejected.write(doc, block->name(), verdict.reason);
          kept = false;
          break;
        }
      }
      if (kept) out.write(doc);
    }
    reader_stats.merge(reader.stats());
    rejected.close();
    out.close();
  }
  report.stages.emplace_back("reader", reader_stats);
  for (auto& block : blocks) report.stages.emplace_back(block->name(), block->stats());
  return report;
}

PipelineTaskReport PipelineRunner::run_minhash(const std::string& phase, int task) {
  MinhashJob job;
  for (std::size_t k = 0; k < inputs_.size(); ++k) job.inputs.push_back(shard_in("minhash-signatures", k));
  job.work_dir = (fs::path(dir_) / "work" / "minhash").string();
  job.output_dir = phase_dir("minhash-filter");
  job.config = config_.minhash_dedup;
  job.tasks = tasks_;
  StageReport stage;
  if (phase == "minhash-signatures") stage = run_minhash_signatures(job, task);
  else if (phase == "minhash-buckets") stage = run_minhash_buckets(job, task);
  else if (phase == "minhash-clusters") stage = run_minhash_clusters(job);
  else fail("unknown MinHash phase ", phase);
  // Only the time counts towards the stage's totals: documents are counted once, by the filter phase.
  FilterStats stats;
  stats.seconds = stage.seconds;
  if (phase == "minhash-buckets") stats.add_counter("candidate_pairs", stage.docs_out);
  if (phase == "minhash-clusters") stats.add_counter("documents_in_clusters_removed", stage.docs_out);
  PipelineTaskReport report;
  report.stages.emplace_back("minhash_dedup", stats);
  return report;
}

PipelineTaskReport PipelineRunner::run_minhash_filter(int task) {
  MinhashJob job;
  job.work_dir = (fs::path(dir_) / "work" / "minhash").string();
  const std::vector<std::uint64_t> removed = read_removed_ids(job);  // sorted
  FilterStats stats;
  PipelineTaskReport report;
  const auto start = Clock::now();
  const std::string out_dir = phase_dir("minhash-filter");
  fs::create_directories(out_dir);
  for (std::size_t index = static_cast<std::size_t>(task); index < inputs_.size(); index += static_cast<std::size_t>(tasks_)) {
    JsonlDocumentReader reader(shard_in("minhash-filter", index));
    report.inputs.push_back(inputs_[index]);
    JsonlZstWriter out((fs::path(out_dir) / shard_name(index)).string(), config_.zstd_level);
    RejectedWriters rejected((fs::path(dir_) / "rejected").string(), index, config_.zstd_level, config_.write_rejected);
    Document doc;
    // Ids as the signatures stage numbers them: (shard << 32) | document index within the shard.
    for (std::uint64_t line = 0; reader.next(doc); ++line) {
      stats.docs_in += 1;
      stats.bytes_in += doc.text.size();
      if (std::binary_search(removed.begin(), removed.end(), (static_cast<std::uint64_t>(index) << 32) | line)) {
        stats.add_drop("minhash_duplicate");
        rejected.write(doc, "minhash_dedup", "minhash_duplicate");
        continue;
      }
      stats.docs_out += 1;
      stats.bytes_out += doc.text.size();
      out.write(doc);
    }
    rejected.close();
    out.close();
  }
  stats.seconds = seconds_since(start);
  report.stages.emplace_back("minhash_dedup", stats);
  return report;
}

PipelineTaskReport PipelineRunner::run_exact_dedup(int task) {
  // Batches: consecutive shards until their compressed size passes batch_bytes.
  std::vector<std::vector<std::size_t>> batches(1);
  std::uint64_t batch_size = 0;
  for (std::size_t k = 0; k < inputs_.size(); ++k) {
    const std::string path = shard_in("exact-dedup", k);
    HONE_CHECK(fs::exists(path), "missing ", path, ": every task of the previous phase must finish first");
    if (!batches.back().empty() && batch_size >= config_.exact_dedup_batch_bytes) {
      batches.emplace_back();
      batch_size = 0;
    }
    batches.back().push_back(k);
    batch_size += fs::file_size(path);
  }
  FilterStats stats;
  PipelineTaskReport report;
  const std::string out_dir = phase_dir("exact-dedup");
  fs::create_directories(out_dir);
  for (std::size_t b = static_cast<std::size_t>(task); b < batches.size(); b += static_cast<std::size_t>(tasks_)) {
    std::vector<Document> docs;
    std::vector<std::size_t> shard_of;
    for (const std::size_t k : batches[b]) {
      report.inputs.push_back(inputs_[k]);
      JsonlDocumentReader reader(shard_in("exact-dedup", k));
      Document doc;
      while (reader.next(doc)) {
        docs.push_back(std::move(doc));
        shard_of.push_back(k);
        doc = Document{};
      }
    }
    ExactDedupResult result = exact_dedup(docs, config_.exact_dedup);
    stats.merge(result.stats);
    std::size_t d = 0;
    for (const std::size_t k : batches[b]) {
      JsonlZstWriter out((fs::path(out_dir) / shard_name(k)).string(), config_.zstd_level);
      RejectedWriters rejected((fs::path(dir_) / "rejected").string(), k, config_.zstd_level, config_.write_rejected);
      for (; d < docs.size() && shard_of[d] == k; ++d) {
        if (result.verdicts[d].keep) out.write(docs[d]);
        else rejected.write(docs[d], "exact_dedup", result.verdicts[d].reason);
      }
      rejected.close();
      out.close();
    }
  }
  report.stages.emplace_back("exact_dedup", stats);
  return report;
}

void PipelineRunner::run_all(const std::function<void(const PipelineTaskReport&)>& on_task) {
  std::mutex report_mutex;
  for (const auto& phase : phases_) {
    // MinHash's own stages parallelise inside with OpenMP: their tasks run one after another.
    const bool openmp_inside = phase == "minhash-signatures" || phase == "minhash-buckets" || phase == "minhash-clusters";
    parallel_tasks(phase_tasks(phase), openmp_inside ? 1 : threads_, [&](int task) {
      const PipelineTaskReport report = run_task(phase, task);
      if (on_task) {
        std::lock_guard<std::mutex> lock(report_mutex);
        on_task(report);
      }
    });
  }
}

void PipelineRunner::run_task_all_phases(int task, const std::function<void(const PipelineTaskReport&)>& on_task,
                                         double poll_seconds) {
  std::string previous;
  for (const auto& phase : phases_) {
    while (!previous.empty() && !phase_done(previous)) {
      std::this_thread::sleep_for(std::chrono::duration<double>(poll_seconds));
    }
    const PipelineTaskReport report = run_task(phase, task);
    if (on_task) on_task(report);
    previous = phase;
  }
}

nlohmann::json PipelineStatsSummary::to_json() const {
  nlohmann::json out = {{"tasks_done", tasks_done}, {"tasks_expected", tasks_expected}, {"stages", nlohmann::json::array()}};
  for (const auto& [name, s] : stages) {
    nlohmann::json entry = s.to_json();
    entry["name"] = name;
    entry["docs_per_second"] = s.seconds > 0 ? static_cast<double>(s.docs_in) / s.seconds : 0.0;
    entry["mb_per_second"] = s.seconds > 0 ? static_cast<double>(s.bytes_in) / 1e6 / s.seconds : 0.0;
    entry["removal_rate"] = nlohmann::json::object();
    for (const auto& [reason, count] : s.drop_reasons)
      entry["removal_rate"][reason] = s.docs_in > 0 ? static_cast<double>(count) / static_cast<double>(s.docs_in) : 0.0;
    out["stages"].push_back(entry);
  }
  return out;
}

PipelineStatsSummary merge_pipeline_stats(const std::string& dir) {
  const fs::path record_path = fs::path(dir) / "pipeline.json";
  std::ifstream record_in(record_path);
  HONE_CHECK(record_in.good(), "no ", record_path.string(), ": is ", dir, " the --output of 'hone curate run'?");
  const nlohmann::json record = nlohmann::json::parse(record_in, nullptr, false);
  HONE_CHECK(!record.is_discarded() && record.contains("pipeline"), record_path.string(), " is damaged");
  PipelineStatsSummary summary;
  summary.stages.emplace_back("reader", FilterStats{});
  for (const auto& stage : record["pipeline"]["stages"]) summary.stages.emplace_back(stage.get<std::string>(), FilterStats{});
  const int tasks = record.value("tasks", 1);
  const bool minhash = std::any_of(summary.stages.begin(), summary.stages.end(), [](const auto& s) { return s.first == "minhash_dedup"; });
  const bool exact = std::any_of(summary.stages.begin(), summary.stages.end(), [](const auto& s) { return s.first == "exact_dedup"; });
  summary.tasks_expected = tasks * (1 + (exact ? 1 : 0) + (minhash ? 3 : 0)) + (minhash ? 1 : 0);

  std::vector<fs::path> files;
  if (fs::is_directory(fs::path(dir) / "stats")) {
    for (const auto& entry : fs::directory_iterator(fs::path(dir) / "stats"))
      if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // a fixed merge order: the same sums (and seconds) every time
  for (const auto& path : files) {
    std::ifstream in(path);
    const nlohmann::json stats = nlohmann::json::parse(in, nullptr, false);
    HONE_CHECK(!stats.is_discarded() && stats.contains("stages"), path.string(), " is not a stats file: delete it");
    if (stats.value("tasks", 0) != tasks) continue;  // left over from another task count (pipeline.json forbids)
    ++summary.tasks_done;
    for (const auto& stage : stats["stages"]) add_stage(summary.stages, stage.value("name", std::string("?")), FilterStats::from_json(stage));
  }
  return summary;
}

}  // namespace hone::curate
