#pragma once
// The parts of `hone scale` that live in their own files: shapes (scale_shapes_command.cpp), the
// HTML report (scale_report_command.cpp) and sweeps (scale_sweep_command.cpp), plus the point source that
// fit and report share.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "scaling/scaling_data.h"

namespace hone::cli {

// Points from a CSV, or from the run registry's finished runs matching a WHERE expression; exactly one
// of csv and runs_query. `source` names where they came from (for messages and the fit JSON).
std::vector<scaling::ScalingPoint> read_scaling_points(const std::string& csv, const std::string& runs_query,
                                                       const std::string& registry, std::string& source);

// `hone scale fit --runs QUERY` with the default method (Chinchilla approach 3), printed; the JSON is written
// to json_out unless it is empty. The sweep's --fit calls it.
void fit_registry_runs(const std::string& runs_query, const std::string& registry, size_t bootstrap, uint64_t seed,
                       const std::string& json_out);

void register_scale_shapes(CLI::App& scale);
void register_scale_sweep(CLI::App& scale);
void register_scale_report(CLI::App& scale);

}  // namespace hone::cli
