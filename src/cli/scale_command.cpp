// `hone scale fit|plan`: fit scaling laws to finished runs, and plan compute-optimal N and D.
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/scale_subcommands.h"
#include "core/error.h"
#include "core/threads.h"
#include "scaling/chinchilla_bootstrap.h"
#include "scaling/compute_planner.h"
#include "scaling/fit_json.h"
#include "scaling/isoflop_fit.h"
#include "scaling/loss_envelope_fit.h"
#include "scaling/run_registry.h"
#include "scaling/scaling_data.h"

namespace hone::cli {
namespace {

using namespace hone::scaling;

struct FitArgs {
  std::string csv;
  std::string runs;
  std::string registry;
  std::string method = "chinchilla";
  size_t drop_highest = 0;
  size_t bootstrap = 4000;
  uint64_t seed = 0;
  std::string json;
  int threads = 0;
};

void print_parameter(const char* name, double value, const std::optional<SampleSummary>& s) {
  if (s && s->non_finite > 0)
    std::printf("  %-6s %12.5g %12.3g   [%.5g, %.5g]   (%zu of %zu resamples diverged, left out)\n", name, value,
                s->standard_error, s->low, s->high, s->non_finite, s->non_finite + s->count);
  else if (s)
    std::printf("  %-6s %12.5g %12.3g   [%.5g, %.5g]\n", name, value, s->standard_error, s->low, s->high);
  else
    std::printf("  %-6s %12.5g\n", name, value);
}

nlohmann::json fit_chinchilla(const FitArgs& args, const std::string& source, const std::vector<ScalingPoint>& points) {
  ChinchillaFit fit = fit_chinchilla_law(points);
  std::optional<ChinchillaBootstrap> boot;
  if (args.bootstrap > 0) {
    BootstrapOptions options;
    options.resamples = args.bootstrap;
    options.seed = args.seed;
    boot = bootstrap_chinchilla_law(points, fit, options);
  }
  std::printf("Chinchilla approach 3: L(N, D) = E + A/N^alpha + B/D^beta\n");
  std::printf("%zu points (%zu highest losses dropped), summed Huber loss (delta 1e-3) on log loss, L-BFGS from %zu grid starts\n",
              points.size(), args.drop_highest, fit.grid_results.size());
  if (boot)
    std::printf("bootstrap: %zu resamples (seed %llu), each refit from the full-data optimum and %zu grid starts, not the whole grid\n",
                boot->samples.size(), static_cast<unsigned long long>(args.seed), boot->grid_restarts);
  std::printf("\n  %-6s %12s %12s   %s\n", "", "estimate", "std err", boot ? "95% interval" : "");
  auto summary = [&](SampleSummary (ChinchillaBootstrap::*of)() const) -> std::optional<SampleSummary> {
    if (!boot) return std::nullopt;
    return ((*boot).*of)();
  };
  print_parameter("E", fit.law.E, summary(&ChinchillaBootstrap::E));
  print_parameter("A", fit.law.A, summary(&ChinchillaBootstrap::A));
  print_parameter("B", fit.law.B, summary(&ChinchillaBootstrap::B));
  print_parameter("alpha", fit.law.alpha, summary(&ChinchillaBootstrap::alpha));
  print_parameter("beta", fit.law.beta, summary(&ChinchillaBootstrap::beta));
  std::printf("\nobjective (summed Huber loss): %.6g\n", fit.objective);
  return chinchilla_fit_json(fit, boot ? &*boot : nullptr, FitProvenance{source, args.drop_highest, 1e-3});
}

nlohmann::json fit_allocation(const FitArgs& args, const std::vector<ScalingPoint>& points) {
  const bool envelope = args.method == "envelope";
  AllocationLaw law = envelope ? fit_loss_envelope(points) : fit_isoflop_minima(points);
  std::printf("Chinchilla approach %s: %zu compute-optimal points\n", envelope ? "1 (minimum-loss envelope)" : "2 (IsoFLOP parabola minima)",
              law.optima.size());
  std::printf("  N_opt = %.4g * C^%.4f\n  D_opt = %.4g * C^%.4f\n", law.params_for_flops.coefficient, law.params_for_flops.exponent,
              law.tokens_for_flops.coefficient, law.tokens_for_flops.exponent);
  return allocation_law_json(law, envelope ? "chinchilla approach 1: minimum-loss envelope" : "chinchilla approach 2: isoflop minima");
}

nlohmann::json fit_kaplan(const std::vector<ScalingPoint>& points) {
  std::vector<double> params, tokens, flops, loss;
  for (const ScalingPoint& p : points) {
    params.push_back(p.params);
    tokens.push_back(p.tokens);
    flops.push_back(p.flops);
    loss.push_back(p.loss);
  }
  KaplanLaw of_params = fit_kaplan_law(params, loss), of_tokens = fit_kaplan_law(tokens, loss), of_flops = fit_kaplan_law(flops, loss);
  std::printf("Kaplan power laws L(X) = (X_c / X)^alpha_X, least squares in log space over all %zu points\n", points.size());
  std::printf("  L(N): N_c %.4g alpha_N %.4f\n  L(D): D_c %.4g alpha_D %.4f\n  L(C): C_c %.4g alpha_C %.4f\n", of_params.scale,
              of_params.exponent, of_tokens.scale, of_tokens.exponent, of_flops.scale, of_flops.exponent);
  return kaplan_laws_json(of_params, of_tokens, of_flops);
}

void run_fit(const FitArgs& args) {
  if (args.threads > 0) set_num_threads(args.threads);
  std::string source;
  std::vector<ScalingPoint> points = read_scaling_points(args.csv, args.runs, args.registry, source);
  if (args.drop_highest > 0) {
    if (args.drop_highest >= points.size())
      fail_usage("--drop-highest ", args.drop_highest, " would drop all ", points.size(), " points of ", source);
    points = drop_highest_losses(std::move(points), args.drop_highest);
  }
  nlohmann::json out;
  if (args.method == "chinchilla")
    out = fit_chinchilla(args, source, points);
  else if (args.method == "kaplan")
    out = fit_kaplan(points);
  else
    out = fit_allocation(args, points);
  if (!args.json.empty()) {
    write_json_file(args.json, out);
    std::printf("wrote %s\n", args.json.c_str());
  }
}

struct PlanArgs {
  std::optional<double> flops;
  std::optional<double> target_loss;
  std::string fit_path;
  bool hoffmann = false;
  std::optional<double> E, A, B, alpha, beta;
};

void print_row(const char* name, double value, const SampleSummary* s, const char* format) {
  std::printf("  %-18s ", name);
  std::printf(format, value);
  if (s) {
    std::printf("   [");
    std::printf(format, s->low);
    std::printf(", ");
    std::printf(format, s->high);
    std::printf("]");
  }
  std::printf("\n");
}

void run_plan(const PlanArgs& args) {
  if (args.flops.has_value() == args.target_loss.has_value()) fail_usage("scale plan: give exactly one of --flops C or --target-loss L");
  const bool any_constant = args.E || args.A || args.B || args.alpha || args.beta;
  const bool all_constants = args.E && args.A && args.B && args.alpha && args.beta;
  const int sources = (!args.fit_path.empty()) + args.hoffmann + any_constant;
  if (sources > 1) fail_usage("scale plan: give one law: --fit FILE, --hoffmann, or all of --E --A --B --alpha --beta");
  if (any_constant && !all_constants) fail_usage("scale plan: a law from flags needs all of --E --A --B --alpha --beta");

  SavedChinchillaFit saved;
  std::string source;
  if (!args.fit_path.empty()) {
    saved = read_chinchilla_fit_json(args.fit_path);
    source = "fit " + args.fit_path;
  } else if (all_constants) {
    saved.law = ChinchillaLaw{*args.E, *args.A, *args.B, *args.alpha, *args.beta};
    source = "constants from flags";
  } else {
    // Without a fit, the published constants are the documented default.
    saved.law = hoffmann_published_law();
    source = "Hoffmann et al. published constants";
  }
  const ChinchillaLaw& law = saved.law;
  ComputePlan plan = args.flops ? plan_for_flops(law, *args.flops) : plan_for_loss(law, *args.target_loss);
  std::optional<PlanIntervals> spread;
  if (!saved.samples.empty())
    spread = args.flops ? plan_intervals_for_flops(saved.samples, *args.flops) : plan_intervals_for_loss(saved.samples, *args.target_loss);

  std::printf("Compute-optimal plan, law %s: E %.4g, A %.4g, B %.4g, alpha %.4g, beta %.4g\n", source.c_str(), law.E, law.A, law.B,
              law.alpha, law.beta);
  if (spread)
    std::printf("intervals: 95%% over %zu bootstrap samples%s\n", spread->samples_used,
                spread->samples_skipped ? " (samples that cannot reach the target are left out)" : "");
  std::printf("\n");
  print_row("compute (FLOPs)", plan.flops, spread && args.target_loss ? &spread->flops : nullptr, "%.4g");
  print_row("parameters N", plan.params, spread ? &spread->params : nullptr, "%.4g");
  print_row("tokens D", plan.tokens, spread ? &spread->tokens : nullptr, "%.4g");
  print_row("tokens per param", plan.tokens_per_param, spread ? &spread->tokens_per_param : nullptr, "%.1f");
  print_row("predicted loss", plan.loss, spread && args.flops ? &spread->loss : nullptr, "%.4f");
}

}  // namespace

std::vector<ScalingPoint> read_scaling_points(const std::string& csv, const std::string& runs_query, const std::string& registry,
                                              std::string& source) {
  if (csv.empty() == runs_query.empty()) fail_usage("give exactly one of --csv FILE or --runs QUERY");
  if (!csv.empty()) {
    source = csv;
    return read_scaling_csv(csv);
  }
  validate_run_query(runs_query);
  RunRegistry runs(registry.empty() ? default_registry_path() : registry, true);
  std::vector<ScalingPoint> points = scaling_points(runs.runs(runs_query));
  source = runs.path() + " where " + runs_query;
  if (points.empty())
    fail_usage("no finished run with a final loss, parameters and tokens matches --runs '", runs_query, "' in ", runs.path(),
               " ('hone runs list' shows what is registered)");
  return points;
}

void fit_registry_runs(const std::string& runs_query, const std::string& registry, size_t bootstrap, uint64_t seed,
                       const std::string& json_out) {
  FitArgs args;
  args.runs = runs_query;
  args.registry = registry;
  args.bootstrap = bootstrap;
  args.seed = seed;
  args.json = json_out;
  run_fit(args);
}

void register_scale(CLI::App& app) {
  // The group's action runs whichever of fit/plan was chosen; it learns its own App once created.
  auto self = std::make_shared<CLI::App*>(nullptr);
  CLI::App* scale = add_command(app, "scale", "Fit scaling laws to finished runs and plan compute-optimal models",
                                [self] { run_selected(**self); });
  *self = scale;
  scale->require_subcommand(1);

  auto fit_args = std::make_shared<FitArgs>();
  CLI::App* fit = add_command(*scale, "fit", "Fit a scaling law to runs in a CSV (N, D or C, loss)", [fit_args] { run_fit(*fit_args); });
  fit->add_option("--csv", fit_args->csv, "CSV with model size (Model Size|params|N), tokens (tokens|D) or FLOPs (Training FLOP|flops|C), and loss (loss|L)");
  fit->add_option("--runs", fit_args->runs,
                  "Fit the registry's finished runs matching this SQL WHERE expression over the runs table, e.g. \"kind = 'pretrain'\" ('1' for all)");
  fit->add_option("--registry", fit_args->registry, "Run registry for --runs (default: $HONE_REGISTRY, else ~/.local/share/hone/runs.sqlite)");
  fit->add_option("--method", fit_args->method,
                  "chinchilla (approach 3: L(N,D) with bootstrap), envelope (approach 1), isoflop (approach 2), kaplan (L(N), L(D), L(C))")
      ->check(CLI::IsMember({"chinchilla", "envelope", "isoflop", "kaplan"}))
      ->capture_default_str();
  fit->add_option("--drop-highest", fit_args->drop_highest, "Drop the K highest-loss points first")->capture_default_str();
  fit->add_option("--bootstrap", fit_args->bootstrap, "Bootstrap resamples for intervals (0: none)")->capture_default_str();
  fit->add_option("--seed", fit_args->seed, "Seed of the bootstrap resampling")->capture_default_str();
  fit->add_option("--json", fit_args->json, "Write the fit as JSON here");
  fit->add_option("--threads", fit_args->threads, "Threads for the grid search and bootstrap")->check(CLI::Range(1, 4096));

  auto plan_args = std::make_shared<PlanArgs>();
  CLI::App* plan = add_command(*scale, "plan", "Compute-optimal N and D for a FLOP budget or a target loss", [plan_args] { run_plan(*plan_args); });
  plan->add_option("--flops", plan_args->flops, "Training compute C in FLOPs (C = 6 N D)")->check(CLI::PositiveNumber);
  plan->add_option("--target-loss", plan_args->target_loss, "Loss to reach at the least compute")->check(CLI::PositiveNumber);
  plan->add_option("--fit", plan_args->fit_path, "A fit JSON from 'hone scale fit --json' (intervals when it has bootstrap samples)");
  plan->add_flag("--hoffmann", plan_args->hoffmann, "Use Hoffmann et al.'s published constants (the default without --fit)");
  plan->add_option("--E", plan_args->E, "Irreducible loss E");
  plan->add_option("--A", plan_args->A, "Model-size coefficient A");
  plan->add_option("--B", plan_args->B, "Data coefficient B");
  plan->add_option("--alpha", plan_args->alpha, "Model-size exponent alpha");
  plan->add_option("--beta", plan_args->beta, "Data exponent beta");

  register_scale_shapes(*scale);
  register_scale_report(*scale);
  register_scale_sweep(*scale);
}

}  // namespace hone::cli
