#pragma once
// Runs a command line through /bin/sh and captures its exit code and combined output (for CLI tests).
#include <string>

namespace hone::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CommandResult run_command(const std::string& command_line);
// The built hone binary, shell-quoted.
std::string hone_binary();

}  // namespace hone::testing
