// `hone demo`: placeholder until the demo model lands.
#include "cli/commands.h"
#include "core/error.h"

namespace hone::cli {

void register_demo(CLI::App& app) {
  add_command(app, "demo", "Train a tiny model end to end on generated data", [] { fail("demo: not built yet"); });
}

}  // namespace hone::cli
