#pragma once
// `hone scale report`: one self-contained HTML page (inline SVG drawn by svg_chart.h, no scripts, no
// network) with loss against compute per model size and the fitted envelope, IsoFLOP profiles with
// their minima, contours of L(N, D) with the compute-optimal frontier, and a table of fits.
#include <string>
#include <vector>

#include "scaling/chinchilla_law.h"
#include "scaling/scaling_data.h"

namespace hone::scaling {

struct ReportInputs {
  std::vector<ScalingPoint> points;
  std::string source;                  // where the points came from
  ChinchillaLaw law;                   // approach 3
  std::string law_source;              // "fitted here" or the fit JSON's path
  std::vector<ChinchillaLaw> samples;  // bootstrap samples (intervals); may be empty
};

// Plot-area fills of the three charts, in page order: distinct so a screenshot test can find each.
inline constexpr const char* kReportChartFills[] = {"#fbf8ec", "#ecf6fb", "#f6ecfb"};

std::string render_scaling_report(const ReportInputs& inputs);

}  // namespace hone::scaling
