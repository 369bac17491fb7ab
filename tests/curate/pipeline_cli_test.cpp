// `hone curate run` and `hone curate stats` through the binary: a local run, one task picked from
// the MPI environment, the stats table, and the exit codes of mistakes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "pipeline_corpus.h"
#include "support/run_command.h"

namespace hone::curate {
namespace {

namespace fs = std::filesystem;
using hone::testing::hone_binary;
using hone::testing::run_command;

TEST(CurateCli, RunThenStats) {
  testing::TempDir temp("hone_curate_cli");
  fs::create_directories(temp / "corpus");
  testing::build_planted_corpus(temp / "corpus", /*allow_real_docs=*/false, 16);
  testing::write_file(temp / "p.toml", "preset = \"refinedweb\"\n[url_filter]\nhard_words = [\"casino\"]\n");
  const std::string corpus = (temp / "corpus").string();
  const std::string out = (temp / "out").string();
  auto run = run_command(hone_binary() + " curate run " + (temp / "p.toml").string() + " --input " + corpus +
                         " --output " + out + " --tasks 2 --threads 2");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("documents          task 2/2"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("language_not_selected"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("curated shards: " + out + "/output"), std::string::npos) << run.output;

  auto stats = run_command(hone_binary() + " curate stats " + out);
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  for (const char* stage : {"reader", "url_filter", "html_extract", "language_filter", "gopher_repetition",
                            "gopher_quality", "line_corrections", "minhash_dedup", "exact_dedup"})
    EXPECT_NE(stats.output.find(stage), std::string::npos) << stage;
  std::ifstream in(fs::path(out) / "stats.json");
  const nlohmann::json json = nlohmann::json::parse(in);
  EXPECT_EQ(json["tasks_done"], json["tasks_expected"]);
  EXPECT_EQ(json["stages"][0]["drop_reasons"]["corrupt_record"], 2);

  // A relaunch finds every task done.
  run = run_command(hone_binary() + " curate run " + (temp / "p.toml").string() + " --input " + corpus + " --output " +
                    out + " --tasks 2 --threads 2");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("already done, skipped"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("kept ("), std::string::npos) << run.output;

  // An MPI rank: the task comes from the environment; one phase only.
  auto rank = run_command("OMPI_COMM_WORLD_RANK=1 OMPI_COMM_WORLD_SIZE=2 " + hone_binary() + " curate run refinedweb --input " +
                          corpus + " --output " + (temp / "mpi").string() + " --task-index env --phase documents");
  ASSERT_EQ(rank.exit_code, 0) << rank.output;
  EXPECT_TRUE(fs::exists(temp / "mpi" / "done" / "documents-00001-of-00002"));
  EXPECT_FALSE(fs::exists(temp / "mpi" / "done" / "documents-00000-of-00002"));
}

TEST(CurateCli, MistakesExitWithOneLine) {
  testing::TempDir temp("hone_curate_cli_errors");
  testing::write_file(temp / "bad.toml", "[gopher_quality]\nmin_wrods = 3\n");
  testing::write_file(temp / "in.jsonl", "{\"text\": \"hello\"}\n");
  auto bad_key = run_command(hone_binary() + " curate run " + (temp / "bad.toml").string() + " --input " +
                             (temp / "in.jsonl").string() + " --output " + (temp / "o").string());
  EXPECT_EQ(bad_key.exit_code, 1) << bad_key.output;
  EXPECT_NE(bad_key.output.find("unknown key 'min_wrods'"), std::string::npos) << bad_key.output;
  auto no_tasks = run_command(hone_binary() + " curate run refinedweb --input " + (temp / "in.jsonl").string() +
                              " --output " + (temp / "o").string() + " --task-index 1");
  EXPECT_EQ(no_tasks.exit_code, 2) << no_tasks.output;
  EXPECT_NE(no_tasks.output.find("--tasks"), std::string::npos) << no_tasks.output;
  auto no_env = run_command("env -u OMPI_COMM_WORLD_RANK -u PMI_RANK -u SLURM_ARRAY_TASK_ID " + hone_binary() +
                            " curate run refinedweb --input " + (temp / "in.jsonl").string() + " --output " +
                            (temp / "o").string() + " --tasks 2 --task-index env");
  EXPECT_EQ(no_env.exit_code, 2) << no_env.output;
  auto help = run_command(hone_binary() + " curate run --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--task-index"), std::string::npos);
}

}  // namespace
}  // namespace hone::curate
