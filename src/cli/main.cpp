// hone: the command-line entry point. Each subcommand registers itself in its own file and calls one
// library entry point; this file only parses, dispatches and turns errors into exit codes.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "core/error.h"
#include "core/version.h"

int main(int argc, char** argv) {
  CLI::App app{"hone: better language models without massive compute"};
  app.set_version_flag("--version", "hone " HONE_VERSION);
  app.require_subcommand(1);
  hone::cli::register_commands(app);
  try {
    app.parse(argc, argv);
    hone::cli::run_selected(app);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "hone: error: %s (see 'hone --help')\n", e.what());
    return 2;
  } catch (const hone::Error& e) {
    std::fprintf(stderr, "hone: error: %s\n", e.what());
    return e.kind() == hone::ErrorKind::Usage ? 2 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hone: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
