#include "scaling/run_registry.h"

#include <sqlite3.h>

#include <chrono>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>

#include "core/error.h"

namespace hone::scaling {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('pretrain', 'ul2r', 'flan', 'demo')),
  name TEXT NOT NULL,
  created TEXT NOT NULL,
  config TEXT NOT NULL,
  params INTEGER NOT NULL DEFAULT 0,
  params_non_embedding INTEGER NOT NULL DEFAULT 0,
  tokens REAL NOT NULL DEFAULT 0,
  flops REAL NOT NULL DEFAULT 0,
  final_loss REAL,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed'))
);
CREATE TABLE IF NOT EXISTS loss_curve (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  tokens REAL NOT NULL,
  flops REAL NOT NULL,
  loss REAL NOT NULL,
  eval_loss REAL,
  PRIMARY KEY (run, step)
);
)sql";

constexpr const char* kRunColumns =
    "id, kind, name, created, config, params, params_non_embedding, tokens, flops, final_loss, status";

// Functions a query may call: plain, side-effect-free SQL functions.
const std::set<std::string>& allowed_functions() {
  static const std::set<std::string> names{
      "abs", "coalesce", "ifnull", "iif", "instr", "length", "like", "glob", "lower", "upper", "max", "min",
      "round", "substr", "substring", "trim", "typeof", "json_extract", "->", "->>", "date", "datetime",
      "julianday", "strftime", "log", "log10", "ln", "exp", "pow", "power", "sqrt"};
  return names;
}

// The authorizer behind validate_run_query: reading the runs table and calling allowed functions is
// all a WHERE clause needs; everything else (other tables, writes, PRAGMA, ATTACH) is denied.
int query_authorizer(void*, int action, const char* arg1, const char* arg2, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
      return SQLITE_OK;
    case SQLITE_READ:
      return arg1 && std::strcmp(arg1, "runs") == 0 ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_FUNCTION:
      return arg2 && allowed_functions().count(arg2) ? SQLITE_OK : SQLITE_DENY;
    default:
      return SQLITE_DENY;
  }
}

struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};

std::string now_utc() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

bool only_whitespace(const char* s) {
  for (; s && *s; ++s)
    if (!std::isspace(static_cast<unsigned char>(*s))) return false;
  return true;
}

// Compiles SELECT <columns> FROM runs WHERE (<where>) under the authorizer; usage error when it is
// anything but one WHERE expression.
sqlite3_stmt* prepare_query(sqlite3* db, const std::string& where) {
  if (where.find("--") != std::string::npos || where.find("/*") != std::string::npos)
    fail_usage("--runs '", where, "': comments are not allowed; give only a WHERE expression, e.g. \"kind = 'pretrain' AND params < 1e7\"");
  std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs";
  if (!where.empty()) sql += " WHERE (" + where + ")";
  sql += " ORDER BY id";
  sqlite3_set_authorizer(db, query_authorizer, nullptr);
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, &tail);
  sqlite3_set_authorizer(db, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    fail_usage("--runs '", where, "' is not a WHERE expression over the runs table (", message, "); columns: ",
               kRunQueryColumns, ", e.g. \"kind = 'pretrain' AND params < 1e7\"");
  }
  if (!only_whitespace(tail)) {
    sqlite3_finalize(stmt);
    fail_usage("--runs '", where, "' holds more than one statement: give only a WHERE expression");
  }
  return stmt;
}

std::optional<double> column_optional(sqlite3_stmt* stmt, int i) {
  if (sqlite3_column_type(stmt, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(stmt, i);
}

std::string column_text(sqlite3_stmt* stmt, int i) {
  const unsigned char* text = sqlite3_column_text(stmt, i);
  return text ? reinterpret_cast<const char*>(text) : "";
}

RunRecord read_run(sqlite3_stmt* stmt) {
  RunRecord r;
  r.id = sqlite3_column_int64(stmt, 0);
  r.kind = column_text(stmt, 1);
  r.name = column_text(stmt, 2);
  r.created = column_text(stmt, 3);
  r.config = nlohmann::ordered_json::parse(column_text(stmt, 4), nullptr, false);
  if (r.config.is_discarded()) r.config = nlohmann::ordered_json::object();
  r.params = sqlite3_column_int64(stmt, 5);
  r.params_non_embedding = sqlite3_column_int64(stmt, 6);
  r.tokens = sqlite3_column_double(stmt, 7);
  r.flops = sqlite3_column_double(stmt, 8);
  r.final_loss = column_optional(stmt, 9);
  r.status = column_text(stmt, 10);
  return r;
}

void bind_optional(sqlite3_stmt* stmt, int i, std::optional<double> value) {
  if (value)
    sqlite3_bind_double(stmt, i, *value);
  else
    sqlite3_bind_null(stmt, i);
}

}  // namespace

std::string default_registry_path() {
  if (const char* env = std::getenv("HONE_REGISTRY"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return (std::filesystem::path(xdg) / "hone" / "runs.sqlite").string();
  const char* home = std::getenv("HOME");
  if (!home || !*home) fail_usage("no run registry location: set $HONE_REGISTRY or $HOME, or pass --registry PATH");
  return (std::filesystem::path(home) / ".local" / "share" / "hone" / "runs.sqlite").string();
}

RunRegistry::RunRegistry(const std::string& path, bool read_only) : path_(path) {
  if (!read_only) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code error;
    if (!parent.empty()) std::filesystem::create_directories(parent, error);
    HONE_CHECK(!error, "cannot create the run registry's directory ", parent.string(), ": ", error.message(),
               " (choose another with --registry PATH or $HONE_REGISTRY)");
  } else {
    HONE_CHECK(std::filesystem::exists(path), "no run registry at ", path,
               ": nothing registered yet, or pass --registry PATH / set $HONE_REGISTRY");
  }
  const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    fail("cannot open the run registry ", path, ": ", message, " (choose another with --registry PATH or $HONE_REGISTRY)");
  }
  // Writers in other processes hold the lock briefly; wait for them instead of failing.
  sqlite3_busy_timeout(db_, 30000);
  try {
    if (!read_only) {
      execute("PRAGMA journal_mode = WAL");
      execute("PRAGMA foreign_keys = ON");
      execute(std::string("BEGIN IMMEDIATE;") + kSchema + "COMMIT;");
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

RunRegistry::~RunRegistry() { sqlite3_close(db_); }

void RunRegistry::execute(const std::string& sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    fail("run registry ", path_, ": ", text);
  }
}

int64_t RunRegistry::begin_run(const RunRecord& run) {
  Statement s;
  const char* sql =
      "INSERT INTO runs (kind, name, created, config, params, params_non_embedding, tokens, flops, final_loss, status) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  HONE_CHECK(sqlite3_prepare_v2(db_, sql, -1, &s.stmt, nullptr) == SQLITE_OK, "run registry ", path_, ": ", sqlite3_errmsg(db_));
  const std::string created = now_utc(), config = run.config.dump();
  sqlite3_bind_text(s.stmt, 1, run.kind.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.stmt, 2, run.name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.stmt, 3, created.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.stmt, 4, config.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s.stmt, 5, run.params);
  sqlite3_bind_int64(s.stmt, 6, run.params_non_embedding);
  sqlite3_bind_double(s.stmt, 7, run.tokens);
  sqlite3_bind_double(s.stmt, 8, run.flops);
  bind_optional(s.stmt, 9, run.final_loss);
  sqlite3_bind_text(s.stmt, 10, run.status.c_str(), -1, SQLITE_TRANSIENT);
  // One statement is its own transaction; the busy timeout covers concurrent writers.
  const int rc = sqlite3_step(s.stmt);
  HONE_CHECK(rc == SQLITE_DONE, "run registry ", path_, ": cannot register run '", run.name, "': ", sqlite3_errmsg(db_),
             " (kind must be one of pretrain, ul2r, flan, demo; status one of running, finished, failed)");
  return sqlite3_last_insert_rowid(db_);
}

void RunRegistry::add_curve(int64_t run, const std::vector<LossCurvePoint>& points) {
  if (points.empty()) return;
  execute("BEGIN IMMEDIATE");
  Statement s;
  const char* sql = "INSERT OR REPLACE INTO loss_curve (run, step, tokens, flops, loss, eval_loss) VALUES (?, ?, ?, ?, ?, ?)";
  if (sqlite3_prepare_v2(db_, sql, -1, &s.stmt, nullptr) != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db_);
    execute("ROLLBACK");
    fail("run registry ", path_, ": ", message);
  }
  for (const LossCurvePoint& p : points) {
    sqlite3_reset(s.stmt);
    sqlite3_bind_int64(s.stmt, 1, run);
    sqlite3_bind_int64(s.stmt, 2, p.step);
    sqlite3_bind_double(s.stmt, 3, p.tokens);
    sqlite3_bind_double(s.stmt, 4, p.flops);
    sqlite3_bind_double(s.stmt, 5, p.loss);
    bind_optional(s.stmt, 6, p.eval_loss);
    if (sqlite3_step(s.stmt) != SQLITE_DONE) {
      std::string message = sqlite3_errmsg(db_);
      execute("ROLLBACK");
      fail("run registry ", path_, ": cannot record the loss curve of run ", run, ": ", message);
    }
  }
  execute("COMMIT");
}

void RunRegistry::finish_run(int64_t run, double tokens, double flops, std::optional<double> final_loss, const std::string& status) {
  Statement s;
  const char* sql = "UPDATE runs SET tokens = ?, flops = ?, final_loss = ?, status = ? WHERE id = ?";
  HONE_CHECK(sqlite3_prepare_v2(db_, sql, -1, &s.stmt, nullptr) == SQLITE_OK, "run registry ", path_, ": ", sqlite3_errmsg(db_));
  sqlite3_bind_double(s.stmt, 1, tokens);
  sqlite3_bind_double(s.stmt, 2, flops);
  bind_optional(s.stmt, 3, final_loss);
  sqlite3_bind_text(s.stmt, 4, status.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s.stmt, 5, run);
  HONE_CHECK(sqlite3_step(s.stmt) == SQLITE_DONE, "run registry ", path_, ": cannot finish run ", run, ": ", sqlite3_errmsg(db_));
  HONE_CHECK(sqlite3_changes(db_) == 1, "run registry ", path_, ": no run ", run);
}

std::vector<RunRecord> RunRegistry::runs(const std::string& where) const {
  Statement s;
  s.stmt = prepare_query(db_, where);
  std::vector<RunRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.stmt)) == SQLITE_ROW) out.push_back(read_run(s.stmt));
  HONE_CHECK(rc == SQLITE_DONE, "run registry ", path_, ": query '", where, "' failed: ", sqlite3_errmsg(db_));
  return out;
}

std::optional<RunRecord> RunRegistry::run(int64_t id) const {
  std::vector<RunRecord> found = runs("id = " + std::to_string(id));
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<LossCurvePoint> RunRegistry::curve(int64_t run) const {
  Statement s;
  const char* sql = "SELECT step, tokens, flops, loss, eval_loss FROM loss_curve WHERE run = ? ORDER BY step";
  HONE_CHECK(sqlite3_prepare_v2(db_, sql, -1, &s.stmt, nullptr) == SQLITE_OK, "run registry ", path_, ": ", sqlite3_errmsg(db_));
  sqlite3_bind_int64(s.stmt, 1, run);
  std::vector<LossCurvePoint> out;
  while (sqlite3_step(s.stmt) == SQLITE_ROW)
    out.push_back({sqlite3_column_int64(s.stmt, 0), sqlite3_column_double(s.stmt, 1), sqlite3_column_double(s.stmt, 2),
                   sqlite3_column_double(s.stmt, 3), column_optional(s.stmt, 4)});
  return out;
}

void validate_run_query(const std::string& where) {
  sqlite3* db = nullptr;
  HONE_CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK, "cannot open an in-memory SQLite database");
  sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr);
  try {
    sqlite3_finalize(prepare_query(db, where));
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  sqlite3_close(db);
}

std::vector<ScalingPoint> scaling_points(const std::vector<RunRecord>& runs) {
  std::vector<ScalingPoint> points;
  for (const RunRecord& r : runs) {
    if (r.status != "finished" || !r.final_loss || r.params <= 0 || r.tokens <= 0 || *r.final_loss <= 0) continue;
    const double flops = r.flops > 0 ? r.flops : 6.0 * static_cast<double>(r.params) * r.tokens;
    points.push_back({static_cast<double>(r.params), r.tokens, flops, *r.final_loss});
  }
  return points;
}

}  // namespace hone::scaling
