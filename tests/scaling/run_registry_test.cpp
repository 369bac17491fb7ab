// The run registry: round trips, the WHERE-only query guard, concurrent writers, and the commands
// (`hone runs`, `hone demo --registry`, `hone scale fit --runs`).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.h"
#include "scaling/chinchilla_law.h"
#include "scaling/run_registry.h"
#include "support/run_command.h"

namespace hone::scaling {
namespace {

using hone::testing::hone_binary;
using hone::testing::run_command;

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("hone_registry_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

RunRecord make_run(const std::string& name, int64_t params, double tokens, double loss) {
  RunRecord r;
  r.kind = "pretrain";
  r.name = name;
  r.config = {{"d_model", 64}, {"n_layers", 2}};
  r.params = params;
  r.params_non_embedding = params / 2;
  r.tokens = tokens;
  r.flops = 6.0 * static_cast<double>(params) * tokens;
  r.final_loss = loss;
  r.status = "finished";
  return r;
}

TEST(RunRegistry, RoundTripsRunsAndLossCurves) {
  const auto dir = temp_dir("roundtrip");
  const std::string path = (dir / "sub" / "runs.sqlite").string();  // the directory is created
  {
    RunRegistry registry(path);
    RunRecord run = make_run("a, \"quoted\" run", 1000, 5e4, 2.5);
    run.status = "running";
    run.final_loss.reset();
    const int64_t id = registry.begin_run(run);
    EXPECT_EQ(id, 1);
    registry.add_curve(id, {{1, 100, 6e5, 4.0, std::nullopt}, {2, 200, 1.2e6, 3.0, 3.1}});
    registry.finish_run(id, 5e4, 3e8, 2.5, "finished");
    EXPECT_EQ(registry.begin_run(make_run("b", 2000, 1e5, 2.2)), 2);
  }
  RunRegistry registry(path, true);
  const std::optional<RunRecord> a = registry.run(1);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->name, "a, \"quoted\" run");
  EXPECT_EQ(a->kind, "pretrain");
  EXPECT_EQ(a->status, "finished");
  EXPECT_EQ(a->params, 1000);
  EXPECT_EQ(a->params_non_embedding, 500);
  EXPECT_DOUBLE_EQ(a->tokens, 5e4);
  EXPECT_DOUBLE_EQ(a->flops, 3e8);
  EXPECT_DOUBLE_EQ(*a->final_loss, 2.5);
  EXPECT_EQ(a->config["d_model"], 64);
  EXPECT_EQ(a->created.size(), 20u);  // 2024-01-01T00:00:00Z
  const std::vector<LossCurvePoint> curve = registry.curve(1);
  ASSERT_EQ(curve.size(), 2u);
  EXPECT_EQ(curve[1].step, 2);
  EXPECT_DOUBLE_EQ(curve[1].loss, 3.0);
  EXPECT_FALSE(curve[0].eval_loss.has_value());
  EXPECT_DOUBLE_EQ(*curve[1].eval_loss, 3.1);
  EXPECT_FALSE(registry.run(3).has_value());
  EXPECT_EQ(registry.runs().size(), 2u);
  EXPECT_EQ(registry.runs("params > 1500").size(), 1u);
  EXPECT_EQ(registry.runs("json_extract(config, '$.d_model') = 64 AND name LIKE 'b%'").front().id, 2);
  std::filesystem::remove_all(dir);
}

TEST(RunRegistry, RefusesBadKindsAndStatuses) {
  const auto dir = temp_dir("check");
  RunRegistry registry((dir / "runs.sqlite").string());
  RunRecord run = make_run("x", 1, 1, 1);
  run.kind = "finetune";
  EXPECT_THROW(registry.begin_run(run), Error);
  run.kind = "flan";
  run.status = "done";
  EXPECT_THROW(registry.begin_run(run), Error);
  EXPECT_THROW(registry.finish_run(99, 1, 1, 1.0, "finished"), Error);  // no such run
  std::filesystem::remove_all(dir);
}

TEST(RunRegistry, QueriesMustBeOneWhereExpression) {
  EXPECT_NO_THROW(validate_run_query("kind = 'pretrain' AND params < 1e7"));
  EXPECT_NO_THROW(validate_run_query("status IN ('finished', 'failed') OR abs(final_loss - 2) < 0.5"));
  for (const char* bad : {"1; DROP TABLE runs", "1) UNION SELECT * FROM runs --", "id IN (SELECT run FROM loss_curve)",
                          "1 /* comment */", "load_extension('x')", "no_such_column = 1", "kind = 'a' ; ",
                          "id = (SELECT name FROM sqlite_master)", ""}) {
    if (std::string(bad).empty()) continue;  // empty means "all runs", allowed
    try {
      validate_run_query(bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Usage) << bad;
    }
  }
}

TEST(RunRegistry, ConcurrentWritersEachGetEveryRun) {
  const auto dir = temp_dir("concurrent");
  const std::string path = (dir / "runs.sqlite").string();
  { RunRegistry create(path); }
  constexpr int kWriters = 4, kRuns = 25;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      RunRegistry registry(path);  // each writer its own connection, as separate processes would
      for (int i = 0; i < kRuns; ++i) {
        const int64_t id = registry.begin_run(make_run(hone::detail::concat("w", w), 100 + i, 1e3, 3.0));
        registry.add_curve(id, {{1, 10, 6e3, 4.0, std::nullopt}, {2, 20, 1.2e4, 3.5, std::nullopt}});
      }
    });
  for (auto& t : writers) t.join();
  RunRegistry registry(path, true);
  const std::vector<RunRecord> runs = registry.runs();
  ASSERT_EQ(runs.size(), static_cast<size_t>(kWriters * kRuns));
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].id, static_cast<int64_t>(i + 1));
    EXPECT_EQ(registry.curve(runs[i].id).size(), 2u);
  }
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(registry.runs(hone::detail::concat("name = 'w", w, "'")).size(), static_cast<size_t>(kRuns));
  std::filesystem::remove_all(dir);
}

TEST(RunRegistry, ScalingPointsAreTheFinishedRuns) {
  std::vector<RunRecord> runs{make_run("a", 1000, 2e4, 3.0), make_run("b", 2000, 1e4, 2.0), make_run("c", 10, 1, 1)};
  runs[2].status = "failed";
  RunRecord no_flops = make_run("d", 500, 100, 4.0);
  no_flops.flops = 0;
  runs.push_back(no_flops);
  const std::vector<ScalingPoint> points = scaling_points(runs);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_DOUBLE_EQ(points[1].params, 2000);
  EXPECT_DOUBLE_EQ(points[1].loss, 2.0);
  EXPECT_DOUBLE_EQ(points[2].flops, 6.0 * 500 * 100);  // C = 6 N D when not recorded
}

TEST(RunsCommand, DemoRegistersItsRunAndRunsListsShowsExports) {
  const auto dir = temp_dir("cli");
  const std::string registry = (dir / "runs.sqlite").string();
  // 3 steps do not converge: the demo exits 1 but registers the run as failed, with its curve.
  auto r = run_command(hone_binary() + " demo --steps 3 --batch 4 --threads 1 --registry " + registry);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("registered as run 1"), std::string::npos) << r.output;

  r = run_command(hone_binary() + " runs list --registry " + registry);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("demo"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 run in"), std::string::npos) << r.output;

  r = run_command(hone_binary() + " runs show 1 --registry " + registry);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("loss curve: 3 points"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"d_model\": 64"), std::string::npos) << r.output;

  r = run_command(hone_binary() + " runs export --format json --registry " + registry);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto json = nlohmann::json::parse(r.output);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["kind"], "demo");
  ASSERT_EQ(json[0]["loss_curve"].size(), 3u);
  EXPECT_EQ(json[0]["loss_curve"][2]["step"], 3);
  // D counts every token of every step; C = 6 N D.
  const double tokens = json[0]["tokens"], params = json[0]["params"];
  EXPECT_DOUBLE_EQ(json[0]["loss_curve"][2]["tokens"].get<double>(), tokens);
  EXPECT_NEAR(json[0]["flops"].get<double>(), 6 * params * tokens, 1e-6 * 6 * params * tokens);

  r = run_command(hone_binary() + " runs export --format csv --registry " + registry);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("id,kind,name,created,status,params,params_non_embedding,tokens,flops,loss\n1,demo,", 0), 0u) << r.output;

  r = run_command(hone_binary() + " runs show 7 --registry " + registry);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = run_command(hone_binary() + " runs list --where \"1; DROP TABLE runs\" --registry " + registry);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  std::filesystem::remove_all(dir);
}

TEST(RunsCommand, DemoWarnsInsteadOfFailingInAReadOnlyHome) {
  auto r = run_command("env -u HONE_REGISTRY -u XDG_DATA_HOME HOME=/proc/hone-read-only " + hone_binary() +
                       " demo --steps 2 --batch 2 --threads 1");
  EXPECT_NE(r.output.find("warning: this run will not be registered"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("registered as run"), std::string::npos) << r.output;
  // It still trained: the only failure is the step limit.
  EXPECT_NE(r.output.find("Stopped at the step limit"), std::string::npos) << r.output;
  r = run_command("HOME=/proc/hone-read-only " + hone_binary() + " demo --steps 2 --batch 2 --threads 1 --no-registry");
  EXPECT_EQ(r.output.find("warning"), std::string::npos) << r.output;
}

TEST(RunsCommand, ScaleFitReadsTheRegistry) {
  const auto dir = temp_dir("fit");
  const std::string path = (dir / "runs.sqlite").string();
  // Runs that follow a known law exactly: the fit must find it again.
  const ChinchillaLaw law{1.8, 400, 2000, 0.34, 0.37};
  {
    RunRegistry registry(path);
    for (double n : {1e7, 3e7, 1e8, 3e8, 1e9})
      for (double d : {1e9, 3e9, 1e10, 3e10, 1e11}) registry.begin_run(make_run("grid", static_cast<int64_t>(n), d, law.loss(n, d)));
    RunRecord outlier = make_run("demo outlier", 1000000, 1e6, 9.0);
    outlier.kind = "demo";
    registry.begin_run(outlier);
  }
  const std::string json = (dir / "fit.json").string();
  auto r = run_command(hone_binary() + " scale fit --runs \"kind = 'pretrain'\" --bootstrap 0 --threads 2 --json " + json +
                       " --registry " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("25 points"), std::string::npos) << r.output;
  std::ifstream in(json);
  const auto fit = nlohmann::json::parse(in);
  EXPECT_NEAR(fit["alpha"].get<double>(), 0.34, 1e-3);
  EXPECT_NEAR(fit["beta"].get<double>(), 0.37, 1e-3);
  EXPECT_NEAR(fit["E"].get<double>(), 1.8, 1e-3);
  r = run_command(hone_binary() + " scale fit --runs \"kind = 'flan'\" --registry " + path);
  EXPECT_EQ(r.exit_code, 2) << r.output;  // nothing matches
  r = run_command(hone_binary() + " scale fit --runs \"1; DELETE FROM runs\" --registry " + path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = run_command(hone_binary() + " scale fit --csv x.csv --runs 1 --registry " + path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hone::scaling
