#pragma once
// The subcommand registry. Each command file defines a register_* function that adds its CLI11
// subcommand with a callback; run_selected() runs the callback of the one the user chose.
#include <CLI/CLI.hpp>

#include <functional>

namespace hone::cli {

using CommandAction = std::function<void()>;

// Adds a subcommand and remembers what to run when it is selected.
CLI::App* add_command(CLI::App& app, const std::string& name, const std::string& description, CommandAction action);

void register_commands(CLI::App& app);
void run_selected(CLI::App& app);

// One per command file.
void register_demo(CLI::App& app);
void register_info(CLI::App& app);
void register_shapes(CLI::App& app);
void register_scale(CLI::App& app);
void register_runs(CLI::App& app);
void register_tokenizer(CLI::App& app);
void register_tokenize(CLI::App& app);
void register_ul2(CLI::App& app);
void register_export(CLI::App& app);
void register_tasks(CLI::App& app);
void register_pretrain(CLI::App& app);
void register_curate(CLI::App& app);
void register_generate(CLI::App& app);
void register_eval(CLI::App& app);

}  // namespace hone::cli
