#include "train/sweep_runner.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "core/error.h"
#include "core/threads.h"
#include "scaling/run_registry.h"
#include "train/checkpoint.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRunRecipeFile = "sweep_run.toml";
constexpr const char* kRunLogFile = "train.log";

// The registry the run records into, opened read-only; nullptr when it is off or does not exist yet.
std::unique_ptr<scaling::RunRegistry> open_run_registry(const SweepRun& run) {
  const std::string& setting = run.recipe.train.registry;
  if (setting == "none") return nullptr;
  try {
    const std::string path = setting.empty() ? scaling::default_registry_path() : setting;
    if (!fs::exists(path)) return nullptr;
    return std::make_unique<scaling::RunRegistry>(path, true);
  } catch (const Error&) {
    return nullptr;
  }
}

// The newest finished pretrain run of this name with at least `min_tokens` tokens.
std::optional<scaling::RunRecord> finished_record(const SweepRun& run, double min_tokens) {
  std::unique_ptr<scaling::RunRegistry> registry = open_run_registry(run);
  if (!registry) return std::nullopt;
  // Run names are plain (sweep_plan.cpp checks them), so quoting them is safe.
  const std::vector<scaling::RunRecord> records =
      registry->runs("name = '" + run.name + "' AND kind = 'pretrain' AND status = 'finished'");
  for (auto it = records.rbegin(); it != records.rend(); ++it)
    if (it->tokens >= min_tokens) return *it;
  return std::nullopt;
}

std::optional<TrainerState> checkpoint_state(const SweepRun& run) {
  const fs::path checkpoint = run.run_dir / "checkpoint";
  if (!fs::exists(checkpoint / kTrainerStateFile)) return std::nullopt;
  try {
    return load_trainer_state(checkpoint);
  } catch (const Error&) {
    return std::nullopt;  // an unreadable checkpoint is the trainer's to report
  }
}

PretrainRecipe with_threads(const SweepRun& run, int64_t threads) {
  PretrainRecipe recipe = run.recipe;
  if (threads > 0) {
    recipe.train.threads = threads;
    recipe.resolved["train"].as_table()->insert_or_assign("threads", threads);
  }
  return recipe;
}

SweepRunSummary failed(const SweepRun& run, const std::string& error) {
  SweepRunSummary s = summarize_sweep_run(run);
  s.outcome = SweepRunOutcome::Failed;
  s.error = error;
  return s;
}

// The last line of a log file (why a subprocess failed).
std::string last_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) {
    // A progress line redraws itself with '\r': keep what it shows last.
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    const size_t cr = line.rfind('\r');
    if (cr != std::string::npos) line = line.substr(cr + 1);
    if (!line.empty()) last = line;
  }
  return last;
}

SweepRunSummary train_in_process(const SweepRun& run, int64_t threads, const SweepRunnerOptions& options) {
  try {
    TrainerOptions trainer_options;
    trainer_options.kind = "pretrain";
    if (options.on_step) {
      trainer_options.on_step = [&](const StepMetrics& m, int64_t total) { options.on_step(run, m, total); };
    }
    Trainer trainer(with_threads(run, threads), trainer_options);
    trainer.run();
  } catch (const std::exception& e) {
    return failed(run, e.what());
  }
  return summarize_sweep_run(run);
}

pid_t start_subprocess(const SweepRun& run, int64_t threads, const fs::path& binary) {
  fs::create_directories(run.run_dir);
  const fs::path recipe_path = run.run_dir / kRunRecipeFile;
  {
    std::ofstream out(recipe_path, std::ios::trunc);
    out << with_threads(run, threads).to_toml();
    HONE_CHECK(out.good(), "cannot write '", recipe_path.string(), "': check the run directory is writable");
  }
  const std::string log_path = (run.run_dir / kRunLogFile).string();
  const std::string binary_path = binary.string(), recipe_arg = recipe_path.string(), threads_arg = std::to_string(threads);
  const pid_t pid = ::fork();
  HONE_CHECK(pid >= 0, "cannot start a process for sweep run ", run.name, ": fork failed");
  if (pid == 0) {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    std::vector<const char*> argv = {binary_path.c_str(), "pretrain", recipe_arg.c_str()};
    if (threads > 0) argv.insert(argv.end(), {"--threads", threads_arg.c_str()});
    argv.push_back(nullptr);
    ::execv(binary_path.c_str(), const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  return pid;
}

std::string describe_plan(const SweepRun& run) {
  char text[160];
  std::snprintf(text, sizeof text, "N %ld, %ld steps, D %.3g tokens, C %.3g FLOPs", static_cast<long>(run.params),
                static_cast<long>(run.steps), static_cast<double>(run.tokens), run.flops);
  return text;
}

}  // namespace

bool sweep_run_finished(const SweepRun& run, int64_t* registry_id) {
  if (registry_id) *registry_id = 0;
  if (const std::optional<TrainerState> state = checkpoint_state(run)) {
    if (state->step < run.steps) return false;
    if (registry_id) {
      if (auto record = finished_record(run, static_cast<double>(state->tokens_seen))) *registry_id = record->id;
    }
    return true;
  }
  const std::optional<scaling::RunRecord> record = finished_record(run, static_cast<double>(run.tokens));
  if (record && registry_id) *registry_id = record->id;
  return record.has_value();
}

SweepRunSummary summarize_sweep_run(const SweepRun& run) {
  SweepRunSummary s;
  s.name = run.name;
  s.params = run.params;
  if (const std::optional<TrainerState> state = checkpoint_state(run)) {
    s.steps = state->step;
    s.tokens = static_cast<double>(state->tokens_seen);
    s.flops = state->extra.value("flops", 0.0);
  }
  std::ifstream metrics(run.run_dir / "metrics.jsonl");
  std::vector<double> losses;
  std::string line;
  while (std::getline(metrics, line)) {
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      if (j.value("step", int64_t{0}) > s.steps && s.steps > 0) break;  // past the checkpoint (a killed run)
      if (!j.value("skipped", false) && j.contains("loss") && j["loss"].is_number()) losses.push_back(j["loss"].get<double>());
      if (j.contains("eval_loss") && j["eval_loss"].is_number()) s.eval_loss = j["eval_loss"].get<double>();
    } catch (const nlohmann::json::exception&) {
    }
  }
  if (!losses.empty()) {
    const size_t n = std::min<size_t>(losses.size(), static_cast<size_t>(std::max<int64_t>(1, run.recipe.train.log_every)));
    double sum = 0.0;
    for (size_t i = losses.size() - n; i < losses.size(); ++i) sum += losses[i];
    s.final_loss = sum / static_cast<double>(n);
  }
  if (auto record = finished_record(run, s.tokens)) {
    s.registry_id = record->id;
    if (s.steps == 0) {
      // No run directory left: the registry's numbers (its final loss is the held-out one when measured).
      s.tokens = record->tokens;
      s.flops = record->flops;
      s.final_loss = record->final_loss;
    }
  }
  return s;
}

std::vector<SweepRunSummary> run_sweep(const SweepPlan& plan, const SweepRunnerOptions& options) {
  const int64_t jobs = std::max<int64_t>(1, options.jobs > 0 ? options.jobs : plan.jobs);
  const int64_t all_threads = options.threads > 0 ? options.threads : plan.threads > 0 ? plan.threads : num_threads();
  const int64_t threads = std::max<int64_t>(1, all_threads / jobs);
  auto log = [&](const std::string& text) {
    if (options.log) options.log(text);
  };
  const size_t n = plan.runs.size();
  std::vector<std::optional<SweepRunSummary>> results(n);
  std::vector<size_t> pending;
  for (size_t i = 0; i < n; ++i) {
    const SweepRun& run = plan.runs[i];
    const std::string position = "[" + std::to_string(i + 1) + "/" + std::to_string(n) + "] " + run.name;
    if (sweep_run_finished(run)) {
      log(position + ": finished earlier, skipped");
      results[i] = summarize_sweep_run(run);
      results[i]->outcome = SweepRunOutcome::Skipped;
      continue;
    }
    pending.push_back(i);
  }

  auto start_message = [&](size_t i) {
    const SweepRun& run = plan.runs[i];
    std::string text = "[" + std::to_string(i + 1) + "/" + std::to_string(n) + "] " + run.name + ": " + describe_plan(run);
    if (const auto state = checkpoint_state(run)) text += ", resuming at step " + std::to_string(state->step);
    return text;
  };

  if (jobs == 1) {
    for (size_t i : pending) {
      log(start_message(i));
      results[i] = train_in_process(plan.runs[i], threads, options);
      if (results[i]->outcome == SweepRunOutcome::Failed) log(plan.runs[i].name + " failed: " + results[i]->error);
    }
  } else {
    HONE_CHECK(!options.hone_binary.empty(), "sweep with jobs > 1 needs the hone binary to start `hone pretrain` processes");
    std::vector<std::pair<pid_t, size_t>> running;
    size_t next = 0;
    while (next < pending.size() || !running.empty()) {
      while (next < pending.size() && static_cast<int64_t>(running.size()) < jobs) {
        const size_t i = pending[next++];
        log(start_message(i) + " (process, " + std::to_string(threads) + " threads, log " +
            (plan.runs[i].run_dir / kRunLogFile).string() + ")");
        try {
          running.emplace_back(start_subprocess(plan.runs[i], threads, options.hone_binary), i);
        } catch (const Error& e) {
          results[i] = failed(plan.runs[i], e.what());
        }
      }
      bool reaped = false;
      for (auto it = running.begin(); it != running.end();) {
        int status = 0;
        if (::waitpid(it->first, &status, WNOHANG) != it->first) {
          ++it;
          continue;
        }
        const size_t i = it->second;
        const SweepRun& run = plan.runs[i];
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
          results[i] = summarize_sweep_run(run);
          log(run.name + ": done");
        } else {
          const std::string why = WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                                    : "killed by signal " + std::to_string(WTERMSIG(status));
          results[i] = failed(run, "`hone pretrain` " + why + ": " + last_line(run.run_dir / kRunLogFile) + " (log: " +
                                       (run.run_dir / kRunLogFile).string() + ")");
          log(run.name + " failed: " + results[i]->error);
        }
        it = running.erase(it);
        reaped = true;
      }
      if (!reaped && !running.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  std::vector<SweepRunSummary> out;
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

}  // namespace hone
