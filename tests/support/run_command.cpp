#include "support/run_command.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "core/error.h"

namespace hone::testing {

CommandResult run_command(const std::string& command_line) {
  std::string full = command_line + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  HONE_CHECK(pipe != nullptr, "cannot run ", command_line);
  CommandResult result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string hone_binary() { return std::string("'") + HONE_BINARY_PATH + "'"; }

}  // namespace hone::testing
