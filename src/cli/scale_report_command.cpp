// `hone scale report --out report.html [--fit FIT.json] [--csv FILE | --runs QUERY]`: the scaling
// report as one self-contained HTML page (src/scaling/scaling_report.h).
#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "cli/scale_subcommands.h"
#include "core/error.h"
#include "scaling/chinchilla_fit.h"
#include "scaling/fit_json.h"
#include "scaling/scaling_report.h"

namespace hone::cli {
namespace {

using namespace hone::scaling;

struct ReportArgs {
  std::string out;
  std::string fit;
  std::string csv;
  std::string runs;
  std::string registry;
  size_t drop_highest = 0;
};

void run_report(const ReportArgs& args) {
  ReportInputs in;
  in.points = read_scaling_points(args.csv, args.runs, args.registry, in.source);
  if (args.drop_highest > 0) {
    if (args.drop_highest >= in.points.size())
      fail_usage("--drop-highest ", args.drop_highest, " would drop all ", in.points.size(), " points");
    in.points = drop_highest_losses(std::move(in.points), args.drop_highest);
  }
  if (!args.fit.empty()) {
    SavedChinchillaFit saved = read_chinchilla_fit_json(args.fit);
    in.law = saved.law;
    in.samples = std::move(saved.samples);
    in.law_source = "from " + args.fit;
  } else {
    // No fit given: fit approach 3 here (the grid search, no bootstrap, so no intervals).
    in.law = fit_chinchilla_law(in.points).law;
    in.law_source = "fitted to these runs (no bootstrap: pass --fit FIT.json for intervals)";
  }
  const std::string html = render_scaling_report(in);
  const std::string temporary = args.out + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary);
    HONE_CHECK(file.good(), "cannot write ", temporary, ": check the directory exists and is writable");
    file << html;
    HONE_CHECK(file.good(), "writing ", temporary, " failed");
  }
  HONE_CHECK(std::rename(temporary.c_str(), args.out.c_str()) == 0, "cannot rename ", temporary, " to ", args.out);
  std::printf("wrote %s (%zu runs, %zu bytes)\n", args.out.c_str(), in.points.size(), html.size());
}

}  // namespace

void register_scale_report(CLI::App& scale) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* report = add_command(scale, "report", "A self-contained HTML page of the runs and their scaling-law fits",
                                 [args] { run_report(*args); });
  report->add_option("--out", args->out, "HTML file to write")->required();
  report->add_option("--fit", args->fit, "An approach-3 fit JSON from 'hone scale fit --json' (default: fit here)");
  report->add_option("--csv", args->csv, "Runs as a CSV (columns as for 'hone scale fit --csv')");
  report->add_option("--runs", args->runs, "Runs from the registry: a SQL WHERE expression over the runs table");
  report->add_option("--registry", args->registry, "Run registry for --runs (default: $HONE_REGISTRY, else ~/.local/share/hone/runs.sqlite)");
  report->add_option("--drop-highest", args->drop_highest, "Drop the K highest-loss runs first")->capture_default_str();
}

}  // namespace hone::cli
