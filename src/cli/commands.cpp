#include "cli/commands.h"

#include <map>

namespace hone::cli {
namespace {
std::map<CLI::App*, CommandAction>& actions() {
  static std::map<CLI::App*, CommandAction> map;
  return map;
}
}  // namespace

CLI::App* add_command(CLI::App& app, const std::string& name, const std::string& description, CommandAction action) {
  CLI::App* command = app.add_subcommand(name, description);
  actions()[command] = std::move(action);
  return command;
}

void register_commands(CLI::App& app) {
  register_demo(app);
  register_info(app);
  register_shapes(app);
  register_scale(app);
  register_runs(app);
  register_tokenizer(app);
  register_tokenize(app);
  register_ul2(app);
  register_export(app);
  register_tasks(app);
  register_pretrain(app);
  register_curate(app);
  register_generate(app);
  register_eval(app);
}

void run_selected(CLI::App& app) {
  for (CLI::App* command : app.get_subcommands()) {
    auto it = actions().find(command);
    if (it != actions().end()) it->second();
  }
}

}  // namespace hone::cli
