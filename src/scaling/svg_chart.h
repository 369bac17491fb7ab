#pragma once
// A small SVG chart writer for the scaling report: one plot area with linear or log axes, polylines,
// markers, text and a legend, rendered as an inline <svg> element (no scripts, fonts or network).
#include <string>
#include <vector>

namespace hone::scaling {

struct ChartAxis {
  std::string label;
  bool log = false;
};

class SvgChart {
 public:
  // plot_fill colours the plot area; each chart of a page gets its own, which also lets a test find
  // the chart in a screenshot.
  SvgChart(std::string title, ChartAxis x, ChartAxis y, std::string plot_fill);

  void polyline(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& color, double width = 2,
                const std::string& dash = "");
  void marker(double x, double y, const std::string& color, double radius = 3.5, bool filled = true);
  void star(double x, double y, const std::string& color, double radius = 8);
  void text(double x, double y, const std::string& text, const std::string& color = "#333");
  void legend(const std::string& text, const std::string& color, bool line = false);
  // Widens the axis ranges to include (x, y) without drawing anything.
  void include(double x, double y);

  std::string render(int width = 1200, int height = 560) const;

 private:
  struct Item {
    enum Kind { Line, Marker, Star, Text } kind;
    std::vector<double> xs, ys;
    std::string color, dash, text;
    double size = 0;
    bool filled = true;
  };
  struct LegendEntry {
    std::string text, color;
    bool line;
  };
  std::string title_;
  ChartAxis x_, y_;
  std::string fill_;
  std::vector<Item> items_;
  std::vector<LegendEntry> legend_;
  double x_min_, x_max_, y_min_, y_max_;
};

// A colour for t in [0, 1] along a perceptually ordered ramp (dark blue -> green -> yellow).
std::string ramp_color(double t);
// Text safe inside HTML/SVG.
std::string escape_xml(const std::string& text);

}  // namespace hone::scaling
