#pragma once
// The run registry: every training run (pretrain, ul2r, flan, demo) with its resolved config, size N,
// tokens D, FLOPs C, final loss and loss curve, in one SQLite database that `hone runs` lists and
// `hone scale fit --runs` / `hone scale report --runs` read.
//
// Location: --registry PATH, else $HONE_REGISTRY, else $XDG_DATA_HOME/hone/runs.sqlite, else
// ~/.local/share/hone/runs.sqlite. Several processes may write at once: the database is in WAL mode,
// every write is one IMMEDIATE transaction, and a writer waits up to 30 s for a lock.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "scaling/scaling_data.h"

struct sqlite3;

namespace hone::scaling {

// Kinds and statuses the runs table accepts (a CHECK constraint enforces them).
inline constexpr const char* kRunKinds[] = {"pretrain", "ul2r", "flan", "demo"};
inline constexpr const char* kRunStatuses[] = {"running", "finished", "failed"};

struct RunRecord {
  int64_t id = 0;          // assigned by begin_run
  std::string kind;        // pretrain | ul2r | flan | demo
  std::string name;
  std::string created;     // UTC, ISO 8601; set by begin_run
  nlohmann::ordered_json config = nlohmann::ordered_json::object();  // the resolved config
  int64_t params = 0;      // N, total
  int64_t params_non_embedding = 0;
  double tokens = 0;       // D, training tokens seen
  double flops = 0;        // C, training FLOPs
  std::optional<double> final_loss;
  std::string status = "running";  // running | finished | failed
};

struct LossCurvePoint {
  int64_t step = 0;
  double tokens = 0;
  double flops = 0;
  double loss = 0;
  std::optional<double> eval_loss;
};

// $HONE_REGISTRY, else $XDG_DATA_HOME/hone/runs.sqlite, else $HOME/.local/share/hone/runs.sqlite.
std::string default_registry_path();

// The columns a --runs query may name (the runs table).
inline constexpr const char* kRunQueryColumns =
    "id, kind, name, created, config, params, params_non_embedding, tokens, flops, final_loss, status";

class RunRegistry {
 public:
  // Opens (creating the file, its directory and the tables unless read_only) or throws hone::Error
  // saying why and what to do.
  explicit RunRegistry(const std::string& path, bool read_only = false);
  ~RunRegistry();
  RunRegistry(const RunRegistry&) = delete;
  RunRegistry& operator=(const RunRegistry&) = delete;

  const std::string& path() const { return path_; }

  // Inserts the run (status as given, created = now) and returns its id.
  int64_t begin_run(const RunRecord& run);
  // Appends curve points (one transaction); a step already recorded is replaced.
  void add_curve(int64_t run, const std::vector<LossCurvePoint>& points);
  // Final D, C, loss and status.
  void finish_run(int64_t run, double tokens, double flops, std::optional<double> final_loss, const std::string& status);

  // Runs matching a SQL WHERE expression over the runs table (empty: all), by id. The expression may
  // only read the runs table's columns and call plain functions (see validate_run_query).
  std::vector<RunRecord> runs(const std::string& where = "") const;
  std::optional<RunRecord> run(int64_t id) const;
  std::vector<LossCurvePoint> curve(int64_t run) const;

 private:
  void execute(const std::string& sql) const;
  sqlite3* db_ = nullptr;
  std::string path_;
};

// Throws a usage hone::Error unless `where` is one SQL expression usable as `WHERE <where>` on the runs
// table: no second statement, no comments, no reads of other tables, no writes, no PRAGMA/ATTACH.
// (The check is the database's own: the expression is compiled under an authorizer.)
void validate_run_query(const std::string& where);

// Finished runs with a final loss and positive N and D as scaling points (N = total parameters).
std::vector<ScalingPoint> scaling_points(const std::vector<RunRecord>& runs);

}  // namespace hone::scaling
