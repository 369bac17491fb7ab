// `hone runs list|show ID|export`: the run registry (see src/scaling/run_registry.h, docs/scaling.md).
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "scaling/run_registry.h"

namespace hone::cli {
namespace {

using namespace hone::scaling;

struct RunsArgs {
  std::string registry;
  std::string where;
  int64_t id = 0;
  std::string format = "csv";
};

std::string registry_path(const RunsArgs& args) { return args.registry.empty() ? default_registry_path() : args.registry; }

std::string loss_text(const std::optional<double>& loss) {
  if (!loss) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", *loss);
  return text;
}

void run_list(const RunsArgs& args) {
  RunRegistry registry(registry_path(args), true);
  const std::vector<RunRecord> runs = registry.runs(args.where);
  std::printf("%5s  %-8s  %-9s  %-20s  %12s  %10s  %10s  %10s  %s\n", "id", "kind", "status", "created", "params", "tokens",
              "FLOPs", "loss", "name");
  for (const RunRecord& r : runs)
    std::printf("%5ld  %-8s  %-9s  %-20s  %12ld  %10.3g  %10.3g  %10s  %s\n", static_cast<long>(r.id), r.kind.c_str(),
                r.status.c_str(), r.created.c_str(), static_cast<long>(r.params), r.tokens, r.flops,
                loss_text(r.final_loss).c_str(), r.name.c_str());
  std::printf("%zu run%s in %s\n", runs.size(), runs.size() == 1 ? "" : "s", registry.path().c_str());
}

nlohmann::ordered_json run_json(const RunRecord& r, const std::vector<LossCurvePoint>* curve) {
  nlohmann::ordered_json j;
  j["id"] = r.id;
  j["kind"] = r.kind;
  j["name"] = r.name;
  j["created"] = r.created;
  j["status"] = r.status;
  j["params"] = r.params;
  j["params_non_embedding"] = r.params_non_embedding;
  j["tokens"] = r.tokens;
  j["flops"] = r.flops;
  j["final_loss"] = r.final_loss ? nlohmann::ordered_json(*r.final_loss) : nlohmann::ordered_json(nullptr);
  j["config"] = r.config;
  if (curve) {
    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    for (const LossCurvePoint& p : *curve)
      points.push_back({{"step", p.step}, {"tokens", p.tokens}, {"flops", p.flops}, {"loss", p.loss},
                        {"eval_loss", p.eval_loss ? nlohmann::ordered_json(*p.eval_loss) : nlohmann::ordered_json(nullptr)}});
    j["loss_curve"] = std::move(points);
  }
  return j;
}

void run_show(const RunsArgs& args) {
  RunRegistry registry(registry_path(args), true);
  std::optional<RunRecord> run = registry.run(args.id);
  if (!run) fail_usage("no run ", args.id, " in ", registry.path(), " ('hone runs list' shows the ids)");
  const std::vector<LossCurvePoint> curve = registry.curve(args.id);
  std::printf("run %ld: %s (%s), %s, created %s\n", static_cast<long>(run->id), run->name.c_str(), run->kind.c_str(),
              run->status.c_str(), run->created.c_str());
  std::printf("parameters %ld total, %ld non-embedding\n", static_cast<long>(run->params), static_cast<long>(run->params_non_embedding));
  std::printf("tokens D %.4g, FLOPs C %.4g, final loss %s\n", run->tokens, run->flops, loss_text(run->final_loss).c_str());
  std::printf("config %s\n", run->config.dump(2).c_str());
  std::printf("loss curve: %zu points\n", curve.size());
  // Up to ~20 evenly spaced rows: enough to see the shape; `runs export --format json` has them all.
  const size_t stride = std::max<size_t>(1, curve.size() / 20);
  if (!curve.empty()) std::printf("%10s  %12s  %12s  %10s  %10s\n", "step", "tokens", "FLOPs", "loss", "eval loss");
  for (size_t i = 0; i < curve.size(); ++i) {
    if (i % stride != 0 && i + 1 != curve.size()) continue;
    const LossCurvePoint& p = curve[i];
    std::printf("%10ld  %12.4g  %12.4g  %10.4f  %10s\n", static_cast<long>(p.step), p.tokens, p.flops, p.loss,
                loss_text(p.eval_loss).c_str());
  }
}

// CSV fields are quoted when they hold a separator, a quote or a line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void run_export(const RunsArgs& args) {
  RunRegistry registry(registry_path(args), true);
  const std::vector<RunRecord> runs = registry.runs(args.where);
  if (args.format == "json") {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const RunRecord& r : runs) {
      const std::vector<LossCurvePoint> curve = registry.curve(r.id);
      all.push_back(run_json(r, &curve));
    }
    std::printf("%s\n", all.dump(2).c_str());
    return;
  }
  // The column names are ones `hone scale fit --csv` accepts (params, tokens, flops, loss).
  std::ostringstream out;
  out.precision(17);
  out << "id,kind,name,created,status,params,params_non_embedding,tokens,flops,loss\n";
  for (const RunRecord& r : runs) {
    out << r.id << ',' << r.kind << ',' << csv_field(r.name) << ',' << r.created << ',' << r.status << ',' << r.params << ','
        << r.params_non_embedding << ',' << r.tokens << ',' << r.flops << ',';
    if (r.final_loss) out << *r.final_loss;
    out << '\n';
  }
  std::cout << out.str();
}

}  // namespace

void register_runs(CLI::App& app) {
  auto self = std::make_shared<CLI::App*>(nullptr);
  CLI::App* runs = add_command(app, "runs", "The run registry: list, show and export registered training runs",
                               [self] { run_selected(**self); });
  *self = runs;
  runs->require_subcommand(1);
  auto args = std::make_shared<RunsArgs>();
  const std::string registry_help = "Registry database (default: $HONE_REGISTRY, else ~/.local/share/hone/runs.sqlite)";
  const std::string where_help = "SQL WHERE expression over the runs table, e.g. \"kind = 'demo' AND final_loss < 0.1\"";

  CLI::App* list = add_command(*runs, "list", "One line per run", [args] { run_list(*args); });
  list->add_option("--registry", args->registry, registry_help);
  list->add_option("--where", args->where, where_help);

  CLI::App* show = add_command(*runs, "show", "A run's config, sizes and loss curve", [args] { run_show(*args); });
  show->add_option("id", args->id, "Run id (from 'hone runs list')")->required();
  show->add_option("--registry", args->registry, registry_help);

  CLI::App* export_command = add_command(*runs, "export", "All runs as CSV (readable by 'hone scale fit --csv') or JSON (with loss curves)",
                                         [args] { run_export(*args); });
  export_command->add_option("--format", args->format, "csv or json")->check(CLI::IsMember({"csv", "json"}))->capture_default_str();
  export_command->add_option("--registry", args->registry, registry_help);
  export_command->add_option("--where", args->where, where_help);
}

}  // namespace hone::cli
