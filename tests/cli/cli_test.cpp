// The hone binary's contract: --version, --help everywhere, one-line errors, exit 2 for usage
// mistakes and 1 for runtime failures.
#include <gtest/gtest.h>

#include "core/version.h"
#include "support/run_command.h"

namespace hone {
namespace {

using testing::hone_binary;
using testing::run_command;

int count_lines(const std::string& s) {
  int lines = 0;
  for (char c : s) lines += c == '\n';
  return lines;
}

TEST(Cli, VersionAndHelp) {
  auto version = run_command(hone_binary() + " --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find(HONE_VERSION), std::string::npos);
  auto help = run_command(hone_binary() + " --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command : {"demo", "info", "shapes", "scale", "tokenizer", "tokenize", "ul2", "tasks"}) {
    EXPECT_NE(help.output.find(command), std::string::npos) << command;
  }
}

TEST(Cli, EverySubcommandHasHelp) {
  for (const char* command :
       {"demo", "info", "shapes", "scale fit", "scale plan", "tokenizer train", "tokenize", "ul2 lengths",
        "tasks list", "tasks export"}) {
    auto r = run_command(hone_binary() + " " + command + " --help");
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << command;
  }
}

TEST(Cli, UsageErrorsExitTwoWithOneLine) {
  for (const char* args : {"", " no-such-command", " info --threads 0", " info --no-such-flag"}) {
    auto r = run_command(hone_binary() + args);
    EXPECT_EQ(r.exit_code, 2) << "args: '" << args << "' output: " << r.output;
    EXPECT_EQ(count_lines(r.output), 1) << r.output;
    EXPECT_EQ(r.output.rfind("hone: error: ", 0), 0u) << r.output;
  }
}

TEST(Cli, RuntimeErrorsExitOne) {
  auto r = run_command(hone_binary() + " demo --steps 1 --out /proc/hone-cannot-write-here");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("hone: error: "), std::string::npos) << r.output;
}

}  // namespace
}  // namespace hone
