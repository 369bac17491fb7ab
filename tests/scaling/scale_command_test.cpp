// `hone scale fit|plan` end to end: the built binary on the Epoch CSV writes the documented JSON,
// the planner reads it back, and mistakes exit 2 (usage) or 1 (bad input) with one clear line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_command.h"

namespace hone {
namespace {

using testing::hone_binary;
using testing::run_command;

const std::string kEpochCsv = "/work/shared/data/chinchilla_svg_extracted_data.csv";

std::string temp_path(const std::string& name) {
  return (::testing::TempDir().empty() ? std::string("/tmp/") : ::testing::TempDir()) + "hone_scale_" +
         std::to_string(getpid()) + "_" + name;
}

TEST(ScaleCommand, FitWritesJsonAndPlanReadsIt) {
  const std::string json_path = temp_path("fit.json");
  auto fit = run_command(hone_binary() + " scale fit --csv " + kEpochCsv + " --drop-highest 5 --bootstrap 200 --seed 3 --json " + json_path);
  ASSERT_EQ(fit.exit_code, 0) << fit.output;
  EXPECT_NE(fit.output.find("alpha"), std::string::npos) << fit.output;
  EXPECT_NE(fit.output.find("95% interval"), std::string::npos) << fit.output;

  std::ifstream in(json_path);
  ASSERT_TRUE(in) << json_path;
  nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_NEAR(j["alpha"].get<double>(), 0.347, 0.002);
  EXPECT_NEAR(j["beta"].get<double>(), 0.367, 0.002);
  EXPECT_NEAR(j["E"].get<double>(), 1.817, 0.003);
  EXPECT_NEAR(j["A"].get<double>() / 478, 1.0, 0.03);
  EXPECT_NEAR(j["B"].get<double>() / 2143, 1.0, 0.05);
  EXPECT_EQ(j["points"].get<int>(), 240);
  EXPECT_GT(j["objective"].get<double>(), 0);
  EXPECT_LT(j["objective"].get<double>(), 0.01);
  for (const char* name : {"E", "A", "B", "alpha", "beta"}) {
    const std::string key = name;
    ASSERT_TRUE(j.contains(key + "_ci")) << key;
    double lo = j[key + "_ci"][0].get<double>(), hi = j[key + "_ci"][1].get<double>();
    EXPECT_LT(lo, j[key].get<double>()) << key;
    EXPECT_GT(hi, j[key].get<double>()) << key;
    EXPECT_GT(j[key + "_se"].get<double>(), 0) << key;
  }
  EXPECT_NEAR(j["alpha_se"].get<double>() / 0.015, 1.0, 0.4);
  EXPECT_EQ(j["bootstrap"]["samples"].size(), 200u);
  EXPECT_EQ(j["bootstrap"]["seed"].get<int>(), 3);

  auto plan = run_command(hone_binary() + " scale plan --flops 5.88e23 --fit " + json_path);
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_NE(plan.output.find("tokens per param   17.9"), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("parameters N       7.39"), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("over 200 bootstrap samples"), std::string::npos) << plan.output;
  std::remove(json_path.c_str());
}

TEST(ScaleCommand, PlanWithHoffmannConstantsShowsTheirPathology) {
  auto plan = run_command(hone_binary() + " scale plan --flops 5.88e23 --hoffmann");
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_NE(plan.output.find("tokens per param   92.8"), std::string::npos) << plan.output;
  auto by_loss = run_command(hone_binary() + " scale plan --target-loss 1.93");
  ASSERT_EQ(by_loss.exit_code, 0) << by_loss.output;
  EXPECT_NE(by_loss.output.find("compute (FLOPs)    5.8"), std::string::npos) << by_loss.output;
}

TEST(ScaleCommand, OtherMethodsRunOnTheEpochPoints) {
  auto isoflop = run_command(hone_binary() + " scale fit --csv " + kEpochCsv + " --method isoflop");
  ASSERT_EQ(isoflop.exit_code, 0) << isoflop.output;
  EXPECT_NE(isoflop.output.find("N_opt = "), std::string::npos) << isoflop.output;
  auto kaplan = run_command(hone_binary() + " scale fit --csv " + kEpochCsv + " --method kaplan");
  ASSERT_EQ(kaplan.exit_code, 0) << kaplan.output;
  EXPECT_NE(kaplan.output.find("alpha_N"), std::string::npos) << kaplan.output;
}

TEST(ScaleCommand, MistakesGiveOneLineAndTheRightExitCode) {
  const std::string bad_csv = temp_path("bad.csv");
  {
    std::ofstream out(bad_csv);
    out << "params,tokens,loss\n1e6,1e9,2.5\n1e6,oops,2.5\n";
  }
  const std::string not_a_fit = temp_path("isoflop.json");
  {
    std::ofstream out(not_a_fit);
    out << "{\"method\": \"chinchilla approach 2: isoflop minima\"}\n";
  }
  struct Case {
    std::string args;
    int exit_code;
    std::string message;
  };
  const Case cases[] = {
      {" scale", 2, "subcommand"},
      {" scale fit", 2, "--csv"},
      {" scale plan", 2, "exactly one of --flops"},
      {" scale plan --flops 1e20 --target-loss 2", 2, "exactly one of --flops"},
      {" scale plan --flops 1e20 --alpha 0.3", 2, "needs all of"},
      {" scale plan --flops 1e20 --hoffmann --fit x.json", 2, "give one law"},
      {" scale plan --flops -5", 2, "--flops"},
      {" scale fit --csv " + kEpochCsv + " --drop-highest 245", 2, "--drop-highest"},
      {" scale fit --csv " + bad_csv, 1, "line 3: column 'tokens' holds 'oops'"},
      {" scale fit --csv /nonexistent.csv", 1, "cannot open"},
      {" scale plan --target-loss 1.5 --hoffmann", 1, "irreducible loss"},
      {" scale plan --flops 1e20 --fit /nonexistent.json", 1, "cannot open fit file"},
      {" scale plan --flops 1e20 --fit " + not_a_fit, 1, "missing numeric key 'E'"},
      {" scale plan --flops 1e20 --fit " + bad_csv, 1, "not valid JSON"},
  };
  for (const Case& c : cases) {
    auto r = run_command(hone_binary() + c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << "\n" << r.output;
    EXPECT_EQ(r.output.rfind("hone: error: ", 0), 0u) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << c.args << "\n" << r.output;
  }
  std::remove(bad_csv.c_str());
  std::remove(not_a_fit.c_str());
}

}  // namespace
}  // namespace hone
