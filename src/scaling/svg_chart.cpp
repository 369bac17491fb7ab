#include "scaling/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace hone::scaling {
namespace {

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", v);
  return text;
}

std::string tick_text(double v, bool log) {
  char text[32];
  if (log && (v >= 1e4 || v < 1e-2)) {
    const double e = std::floor(std::log10(v) + 1e-9);
    const double m = v / std::pow(10.0, e);
    if (std::fabs(m - 1) < 1e-6)
      std::snprintf(text, sizeof text, "1e%.0f", e);
    else
      std::snprintf(text, sizeof text, "%.0fe%.0f", m, e);
  } else {
    std::snprintf(text, sizeof text, "%.3g", v);
  }
  return text;
}

// Tick values over [lo, hi]: powers of 10 (plus 2 and 5 when the range is short) on a log axis, a
// 1-2-5 step on a linear one.
std::vector<double> ticks(double lo, double hi, bool log) {
  std::vector<double> out;
  if (log && std::log10(hi / lo) < 1) return ticks(lo, hi, false);  // under a decade: plain numbers read better
  if (log) {
    const bool short_range = std::log10(hi / lo) < 2.5;
    for (double e = std::floor(std::log10(lo)); e <= std::ceil(std::log10(hi)); ++e)
      for (double m : short_range ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
        const double v = m * std::pow(10.0, e);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
      }
    return out;
  }
  const double raw = (hi - lo) / 8;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push_back(std::fabs(v) < 1e-12 * step ? 0 : v);
  return out;
}

}  // namespace

std::string escape_xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string ramp_color(double t) {
  // Stops of a viridis-like ramp: ordered in lightness, readable on a light background.
  static const double stops[][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {220, 190, 30}};
  t = std::clamp(t, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  char text[16];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", static_cast<int>(stops[i][0] + f * (stops[i + 1][0] - stops[i][0])),
                static_cast<int>(stops[i][1] + f * (stops[i + 1][1] - stops[i][1])),
                static_cast<int>(stops[i][2] + f * (stops[i + 1][2] - stops[i][2])));
  return text;
}

SvgChart::SvgChart(std::string title, ChartAxis x, ChartAxis y, std::string plot_fill)
    : title_(std::move(title)),
      x_(std::move(x)),
      y_(std::move(y)),
      fill_(std::move(plot_fill)),
      x_min_(std::numeric_limits<double>::infinity()),
      x_max_(-std::numeric_limits<double>::infinity()),
      y_min_(std::numeric_limits<double>::infinity()),
      y_max_(-std::numeric_limits<double>::infinity()) {}

void SvgChart::include(double x, double y) {
  if (!std::isfinite(x) || !std::isfinite(y) || (x_.log && x <= 0) || (y_.log && y <= 0)) return;
  x_min_ = std::min(x_min_, x);
  x_max_ = std::max(x_max_, x);
  y_min_ = std::min(y_min_, y);
  y_max_ = std::max(y_max_, y);
}

void SvgChart::polyline(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& color, double width,
                        const std::string& dash) {
  for (size_t i = 0; i < xs.size(); ++i) include(xs[i], ys[i]);
  items_.push_back({Item::Line, xs, ys, color, dash, "", width, false});
}

void SvgChart::marker(double x, double y, const std::string& color, double radius, bool filled) {
  include(x, y);
  items_.push_back({Item::Marker, {x}, {y}, color, "", "", radius, filled});
}

void SvgChart::star(double x, double y, const std::string& color, double radius) {
  include(x, y);
  items_.push_back({Item::Star, {x}, {y}, color, "", "", radius, true});
}

void SvgChart::text(double x, double y, const std::string& text, const std::string& color) {
  items_.push_back({Item::Text, {x}, {y}, color, "", text, 0, true});
}

void SvgChart::legend(const std::string& text, const std::string& color, bool line) { legend_.push_back({text, color, line}); }

std::string SvgChart::render(int width, int height) const {
  const double left = 90, right = 260, top = 40, bottom = 60;
  const double pw = width - left - right, ph = height - top - bottom;
  double x0 = x_min_, x1 = x_max_, y0 = y_min_, y1 = y_max_;
  if (!(x0 < x1)) x0 = x1 = 0, x1 = x0 + 1;
  if (!(y0 < y1)) y0 = y1 = 0, y1 = y0 + 1;
  // A little air around the data.
  auto widen = [](double& lo, double& hi, bool log) {
    if (log) {
      const double pad = std::pow(hi / lo, 0.04);
      lo /= pad, hi *= pad;
    } else {
      const double pad = 0.04 * (hi - lo);
      lo -= pad, hi += pad;
    }
  };
  widen(x0, x1, x_.log);
  widen(y0, y1, y_.log);
  auto fx = [&](double x) { return left + pw * (x_.log ? std::log(x / x0) / std::log(x1 / x0) : (x - x0) / (x1 - x0)); };
  auto fy = [&](double y) { return top + ph * (1 - (y_.log ? std::log(y / y0) / std::log(y1 / y0) : (y - y0) / (y1 - y0))); };
  auto inside = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!x_.log || x > 0) && (!y_.log || y > 0) && x >= x0 && x <= x1 && y >= y0 && y <= y1;
  };

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 " << width
    << ' ' << height << "\" font-family=\"sans-serif\" font-size=\"13\">\n";
  s << "<text x=\"" << left << "\" y=\"24\" font-size=\"16\" font-weight=\"bold\">" << escape_xml(title_) << "</text>\n";
  s << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph << "\" fill=\"" << fill_
    << "\" stroke=\"#999\"/>\n";
  for (double t : ticks(x0, x1, x_.log)) {
    const double px = fx(t);
    s << "<line x1=\"" << number(px) << "\" y1=\"" << top << "\" x2=\"" << number(px) << "\" y2=\"" << top + ph
      << "\" stroke=\"#ddd\"/><text x=\"" << number(px) << "\" y=\"" << top + ph + 18 << "\" text-anchor=\"middle\">"
      << tick_text(t, x_.log) << "</text>\n";
  }
  for (double t : ticks(y0, y1, y_.log)) {
    const double py = fy(t);
    s << "<line x1=\"" << left << "\" y1=\"" << number(py) << "\" x2=\"" << left + pw << "\" y2=\"" << number(py)
      << "\" stroke=\"#ddd\"/><text x=\"" << left - 8 << "\" y=\"" << number(py + 4) << "\" text-anchor=\"end\">"
      << tick_text(t, y_.log) << "</text>\n";
  }
  s << "<text x=\"" << left + pw / 2 << "\" y=\"" << height - 15 << "\" text-anchor=\"middle\">" << escape_xml(x_.label) << "</text>\n";
  s << "<text transform=\"translate(22," << top + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">" << escape_xml(y_.label)
    << "</text>\n";
  s << "<svg x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph << "\" viewBox=\"" << left << ' '
    << top << ' ' << pw << ' ' << ph << "\">\n";  // clips lines to the plot area
  for (const Item& item : items_) {
    switch (item.kind) {
      case Item::Line: {
        std::ostringstream points;
        size_t n = 0;
        auto flush = [&] {
          if (n >= 2)
            s << "<polyline fill=\"none\" stroke=\"" << item.color << "\" stroke-width=\"" << item.size << "\""
              << (item.dash.empty() ? "" : " stroke-dasharray=\"" + item.dash + "\"") << " points=\"" << points.str() << "\"/>\n";
          points.str("");
          n = 0;
        };
        for (size_t i = 0; i < item.xs.size(); ++i) {
          if (!std::isfinite(item.xs[i]) || !std::isfinite(item.ys[i]) || (x_.log && item.xs[i] <= 0) || (y_.log && item.ys[i] <= 0)) {
            flush();  // a gap in the curve
            continue;
          }
          points << number(fx(item.xs[i])) << ',' << number(fy(item.ys[i])) << ' ';
          ++n;
        }
        flush();
        break;
      }
      case Item::Marker:
        if (!inside(item.xs[0], item.ys[0])) break;
        s << "<circle cx=\"" << number(fx(item.xs[0])) << "\" cy=\"" << number(fy(item.ys[0])) << "\" r=\"" << item.size << "\" "
          << (item.filled ? "fill=\"" + item.color + "\" fill-opacity=\"0.85\"" : "fill=\"none\" stroke=\"" + item.color + "\" stroke-width=\"1.5\"")
          << "/>\n";
        break;
      case Item::Star: {
        if (!inside(item.xs[0], item.ys[0])) break;
        const double cx = fx(item.xs[0]), cy = fy(item.ys[0]);
        s << "<polygon fill=\"" << item.color << "\" stroke=\"#000\" stroke-width=\"0.8\" points=\"";
        for (int k = 0; k < 10; ++k) {
          const double r = k % 2 ? item.size * 0.45 : item.size, a = -M_PI / 2 + k * M_PI / 5;
          s << number(cx + r * std::cos(a)) << ',' << number(cy + r * std::sin(a)) << ' ';
        }
        s << "\"/>\n";
        break;
      }
      case Item::Text:
        if (!inside(item.xs[0], item.ys[0])) break;
        s << "<text x=\"" << number(fx(item.xs[0]) + 6) << "\" y=\"" << number(fy(item.ys[0]) - 6) << "\" fill=\"" << item.color
          << "\" font-size=\"11\">" << escape_xml(item.text) << "</text>\n";
        break;
    }
  }
  s << "</svg>\n";
  double ly = top + 10;
  for (const LegendEntry& e : legend_) {
    const double lx = left + pw + 15;
    if (e.line)
      s << "<line x1=\"" << lx << "\" y1=\"" << ly << "\" x2=\"" << lx + 22 << "\" y2=\"" << ly << "\" stroke=\"" << e.color
        << "\" stroke-width=\"2.5\"/>";
    else
      s << "<circle cx=\"" << lx + 11 << "\" cy=\"" << ly << "\" r=\"5\" fill=\"" << e.color << "\"/>";
    s << "<text x=\"" << lx + 30 << "\" y=\"" << ly + 4 << "\">" << escape_xml(e.text) << "</text>\n";
    ly += 20;
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace hone::scaling
