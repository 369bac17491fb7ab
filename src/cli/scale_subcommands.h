#pragma once
// The parts of `hone scale` that live in their own files: shapes (scale_shapes_command.cpp) and the
// HTML report (scale_report_command.cpp), plus the point source that fit and report share.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "scaling/scaling_data.h"

namespace hone::cli {

// Points from a CSV, or from the run registry's finished runs matching a WHERE expression; exactly one
// of csv and runs_query. `source` names where they came from (for messages and the fit JSON).
std::vector<scaling::ScalingPoint> read_scaling_points(const std::string& csv, const std::string& runs_query,
                                                       const std::string& registry, std::string& source);

void register_scale_shapes(CLI::App& scale);
void register_scale_report(CLI::App& scale);

}  // namespace hone::cli
