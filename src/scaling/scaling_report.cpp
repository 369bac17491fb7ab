#include "scaling/scaling_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "scaling/compute_planner.h"
#include "scaling/isoflop_fit.h"
#include "scaling/loss_envelope_fit.h"
#include "scaling/power_law.h"
#include "scaling/sample_summary.h"
#include "scaling/svg_chart.h"

namespace hone::scaling {
namespace {

std::string format(const char* fmt, double v) {
  char text[64];
  std::snprintf(text, sizeof text, fmt, v);
  return text;
}

std::vector<double> log_space(double lo, double hi, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(lo * std::pow(hi / lo, static_cast<double>(i) / (n - 1)));
  return out;
}

// Loss against compute, coloured by model size, with the law's compute-optimal loss L(N_opt(C), D_opt(C))
// and the runs on the minimum-loss envelope (approach 1).
std::string loss_vs_compute(const ReportInputs& in) {
  SvgChart chart("Loss against training compute, by model size", {"training FLOPs C", true}, {"final loss", true},
                 kReportChartFills[0]);
  double n_lo = 1e300, n_hi = 0, c_lo = 1e300, c_hi = 0;
  for (const ScalingPoint& p : in.points) {
    n_lo = std::min(n_lo, p.params), n_hi = std::max(n_hi, p.params);
    c_lo = std::min(c_lo, p.flops), c_hi = std::max(c_hi, p.flops);
  }
  auto size_t_of = [&](double n) { return n_hi > n_lo ? std::log(n / n_lo) / std::log(n_hi / n_lo) : 0.5; };
  for (const ScalingPoint& p : in.points) chart.marker(p.flops, p.loss, ramp_color(size_t_of(p.params)), 3.5);
  std::vector<double> cs = log_space(c_lo, c_hi, 80), losses;
  for (double c : cs) losses.push_back(plan_for_flops(in.law, c).loss);
  chart.polyline(cs, losses, "#d62728", 2.5);
  try {
    std::vector<ScalingPoint> envelope = minimum_loss_envelope(in.points);
    std::vector<double> ex, ey;
    for (const ScalingPoint& p : envelope) ex.push_back(p.flops), ey.push_back(p.loss);
    chart.polyline(ex, ey, "#111", 1.2, "4 3");
  } catch (const Error&) {
  }
  chart.legend("optimal L (approach 3)", "#d62728", true);
  chart.legend("envelope (approach 1)", "#111", true);
  for (int k = 0; k <= 4; ++k) {
    const double n = n_lo * std::pow(n_hi / n_lo, k / 4.0);
    chart.legend(detail::concat("N = ", format("%.3g", n)), ramp_color(k / 4.0));
  }
  return chart.render();
}

// IsoFLOP profiles (approach 2): loss against N at a fixed budget, the fitted parabola in ln N, and its minimum.
std::string isoflop_chart(const ReportInputs& in, size_t& profiles_drawn) {
  SvgChart chart("IsoFLOP profiles: loss against model size at fixed compute (approach 2)", {"parameters N", true},
                 {"final loss", true}, kReportChartFills[1]);
  std::vector<IsoflopProfile> profiles = isoflop_profiles(in.points);
  std::vector<const IsoflopProfile*> fitted;
  for (const IsoflopProfile& p : profiles)
    if (!p.parabola.empty()) fitted.push_back(&p);
  profiles_drawn = fitted.size();
  for (size_t i = 0; i < fitted.size(); ++i) {
    const IsoflopProfile& p = *fitted[i];
    const std::string color = ramp_color(fitted.size() > 1 ? static_cast<double>(i) / (fitted.size() - 1) : 0.5);
    for (const ScalingPoint& r : p.runs) chart.marker(r.params, r.loss, color, 3.5);
    std::vector<double> ns = log_space(p.runs.front().params, p.runs.back().params, 60), ls;
    for (double n : ns) {
      const double x = std::log(n);
      ls.push_back(p.parabola[0] + p.parabola[1] * x + p.parabola[2] * x * x);
    }
    chart.polyline(ns, ls, color, 1.8);
    if (p.has_minimum) chart.star(p.optimum.params, p.optimum.loss, color, 9);
    if (i % 2 == 0 || fitted.size() <= 6) chart.legend(detail::concat("C = ", format("%.2g", p.flops)), color);
  }
  if (fitted.empty()) chart.text(1, 1, "no budget has runs at 3+ model sizes");
  return chart.render();
}

// Contours of L(N, D) in the (N, D) plane: at loss L, B/D^beta = L - E - A/N^alpha gives D(N) directly.
std::string contour_chart(const ReportInputs& in, std::vector<double>& levels_out) {
  const ChinchillaLaw& law = in.law;
  SvgChart chart("L(N, D) contours with the compute-optimal frontier (approach 3)", {"parameters N", true}, {"tokens D", true},
                 kReportChartFills[2]);
  double n_lo = 1e300, n_hi = 0, d_lo = 1e300, d_hi = 0;
  for (const ScalingPoint& p : in.points) {
    n_lo = std::min(n_lo, p.params), n_hi = std::max(n_hi, p.params);
    d_lo = std::min(d_lo, p.tokens), d_hi = std::max(d_hi, p.tokens);
  }
  n_lo /= 2, n_hi *= 2, d_lo /= 2, d_hi *= 2;
  chart.include(n_lo, d_lo);
  chart.include(n_hi, d_hi);
  for (const ScalingPoint& p : in.points) chart.marker(p.params, p.tokens, "#9a9a9a", 2.5);
  // Levels spread between the law's loss at the two corners of the data.
  const double l_hi = law.loss(n_lo, d_lo), l_lo = law.loss(n_hi, d_hi);
  const std::vector<double> ns = log_space(n_lo, n_hi, 200);
  const int levels = 8;
  for (int k = 0; k < levels; ++k) {
    const double level = l_lo + (l_hi - l_lo) * (k + 0.5) / levels;
    levels_out.push_back(level);
    std::vector<double> ds;
    double label_n = 0, label_d = 0;
    for (double n : ns) {
      const double rest = level - law.E - law.A / std::pow(n, law.alpha);
      const double d = rest > 0 ? std::pow(law.B / rest, 1 / law.beta) : NAN;
      ds.push_back(d >= d_lo && d <= d_hi ? d : NAN);
      if (std::isfinite(ds.back()) && label_n == 0) label_n = n, label_d = ds.back();
    }
    const std::string color = ramp_color(static_cast<double>(k) / (levels - 1));
    chart.polyline(ns, ds, color, 1.6);
    if (label_n > 0) chart.text(label_n, label_d, detail::concat("L=", format("%.3f", level)), color);
  }
  // The frontier: N_opt(C), D_opt(C) for budgets across the data.
  std::vector<double> fn, fd;
  for (double c : log_space(6 * n_lo * d_lo, 6 * n_hi * d_hi, 80)) {
    const ComputePlan plan = plan_for_flops(law, c);
    if (plan.params >= n_lo && plan.params <= n_hi && plan.tokens >= d_lo && plan.tokens <= d_hi)
      fn.push_back(plan.params), fd.push_back(plan.tokens);
  }
  chart.polyline(fn, fd, "#d62728", 3);
  chart.legend("compute-optimal frontier", "#d62728", true);
  chart.legend("loss contours", ramp_color(0.5), true);
  chart.legend("runs", "#9a9a9a");
  return chart.render();
}

std::string row(const std::vector<std::string>& cells) {
  std::string s = "<tr>";
  for (const std::string& c : cells) s.append("<td>").append(escape_xml(c)).append("</td>");
  return s.append("</tr>\n");
}

std::string interval(const std::vector<ChinchillaLaw>& samples, const std::function<double(const ChinchillaLaw&)>& of,
                     const char* fmt) {
  if (samples.empty()) return "-";
  std::vector<double> values;
  for (const ChinchillaLaw& s : samples) values.push_back(of(s));
  const SampleSummary summary = summarize_samples(values);
  return detail::concat("[", format(fmt, summary.low), ", ", format(fmt, summary.high), "] (SE ", format("%.3g", summary.standard_error), ")");
}

std::string fits_table(const ReportInputs& in) {
  const ChinchillaLaw& law = in.law;
  std::ostringstream s;
  s << "<table>\n<tr><th>fit</th><th>quantity</th><th>estimate</th><th>95% interval</th></tr>\n";
  const std::string a3 = "approach 3: L = E + A/N^α + B/D^β";
  s << row({a3, "E", format("%.4g", law.E), interval(in.samples, [](auto& l) { return l.E; }, "%.4g")});
  s << row({a3, "A", format("%.4g", law.A), interval(in.samples, [](auto& l) { return l.A; }, "%.4g")});
  s << row({a3, "B", format("%.4g", law.B), interval(in.samples, [](auto& l) { return l.B; }, "%.4g")});
  s << row({a3, "α", format("%.4f", law.alpha), interval(in.samples, [](auto& l) { return l.alpha; }, "%.4f")});
  s << row({a3, "β", format("%.4f", law.beta), interval(in.samples, [](auto& l) { return l.beta; }, "%.4f")});
  s << row({a3, "N_opt ∝ C^a, a = β/(α+β)", format("%.4f", law.beta / (law.alpha + law.beta)),
            interval(in.samples, [](auto& l) { return l.beta / (l.alpha + l.beta); }, "%.4f")});
  auto allocation = [&](const char* name, const std::function<AllocationLaw()>& fit) {
    try {
      const AllocationLaw a = fit();
      s << row({name, "N_opt ∝ C^a", format("%.4f", a.params_for_flops.exponent), "-"});
      s << row({name, "D_opt ∝ C^b", format("%.4f", a.tokens_for_flops.exponent), "-"});
    } catch (const Error& e) {
      s << row({name, "not fitted", e.what(), "-"});
    }
  };
  allocation("approach 1: minimum-loss envelope", [&] { return fit_loss_envelope(in.points); });
  allocation("approach 2: IsoFLOP minima", [&] { return fit_isoflop_minima(in.points); });
  std::vector<double> n, d, c, l;
  for (const ScalingPoint& p : in.points) n.push_back(p.params), d.push_back(p.tokens), c.push_back(p.flops), l.push_back(p.loss);
  s << row({"Kaplan: L(N) = (N_c/N)^α_N", "α_N", format("%.4f", fit_kaplan_law(n, l).exponent), "-"});
  s << row({"Kaplan: L(D) = (D_c/D)^α_D", "α_D", format("%.4f", fit_kaplan_law(d, l).exponent), "-"});
  s << row({"Kaplan: L(C) = (C_c/C)^α_C", "α_C", format("%.4f", fit_kaplan_law(c, l).exponent), "-"});
  s << "</table>\n";
  return s.str();
}

}  // namespace

std::string render_scaling_report(const ReportInputs& in) {
  HONE_CHECK(in.points.size() >= 2, "the report needs at least 2 runs, got ", in.points.size(), " from ", in.source);
  size_t profiles = 0;
  std::vector<double> levels;
  const std::string chart1 = loss_vs_compute(in), chart2 = isoflop_chart(in, profiles), chart3 = contour_chart(in, levels);
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hone scaling report</title>\n"
       "<style>body{font-family:sans-serif;margin:20px;color:#222;background:#fff}h1{font-size:22px}h2{font-size:18px;margin-top:28px}"
       "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}p{max-width:1100px}</style>\n"
       "</head><body>\n";
  h << "<h1>Scaling report</h1>\n<p>" << in.points.size() << " runs from " << escape_xml(in.source)
    << ". Approach 3 law: " << escape_xml(in.law_source) << ".</p>\n";
  h << "<h2>Loss against compute</h2>\n<p>Each run at its training compute C, coloured by model size N (dark: small, light: "
       "large). The red curve is the loss of the compute-optimal model under the fitted law, L(N_opt(C), D_opt(C)); the dashed "
       "line joins the runs on the minimum-loss envelope.</p>\n"
    << chart1;
  h << "<h2>IsoFLOP profiles</h2>\n<p>" << profiles
    << " compute budgets with runs at 3 or more sizes: a parabola in ln N through each, its minimum (star) is that budget's "
       "compute-optimal N.</p>\n"
    << chart2;
  h << "<h2>L(N, D) contours</h2>\n<p>Lines of equal predicted loss in the (N, D) plane; the red line is the compute-optimal "
       "frontier (N_opt(C), D_opt(C)) with C = 6ND. Grey: the runs.</p>\n"
    << chart3;
  h << "<h2>Fits</h2>\n" << fits_table(in);
  h << "<p>Intervals: 95% percentile intervals over " << in.samples.size()
    << " bootstrap samples (from the fit JSON; none when the fit had no bootstrap).</p>\n</body></html>\n";
  return h.str();
}

}  // namespace hone::scaling
