// The HTML report: self-contained, and drawn — rendered in headless Chromium, each chart's plot area is
// found in the screenshot by its fill colour and must hold many drawn, coloured pixels.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "png_pixels.h"
#include "scaling/scaling_report.h"
#include "support/run_command.h"

namespace hone {
namespace {

using testing::hone_binary;
using testing::run_command;

const std::string kEpochCsv = std::string(HONE_TEST_DATA_DIR) + "/chinchilla_svg_extracted_data.csv";

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("hone_report_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::array<uint8_t, 3> hex_rgb(const std::string& hex) {
  const unsigned long v = std::stoul(hex.substr(1), nullptr, 16);
  return {static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

bool chromium_available() { return run_command("command -v chromium >/dev/null 2>&1").exit_code == 0; }

TEST(ScalingReport, HtmlIsSelfContainedWithThreeChartsAndTheFitTable) {
  const auto dir = temp_dir("html");
  const auto out = dir / "report.html";
  auto r = run_command(hone_binary() + " scale report --out " + out.string() + " --csv " + kEpochCsv + " --drop-highest 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = read_text(out);
  size_t charts = 0;
  for (size_t at = html.find("<svg xmlns"); at != std::string::npos; at = html.find("<svg xmlns", at + 1)) ++charts;
  EXPECT_EQ(charts, 3u);
  for (const char* fill : scaling::kReportChartFills) EXPECT_NE(html.find(fill), std::string::npos) << fill;
  // Nothing from the network: no scripts, no external links or images.
  for (const char* banned : {"<script", "http://", "https://", "<link", "<img"}) {
    std::string rest = html;
    // The SVG namespace URI is an identifier, not a fetch.
    for (size_t at; (at = rest.find("http://www.w3.org/2000/svg")) != std::string::npos;) rest.erase(at, 26);
    EXPECT_EQ(rest.find(banned), std::string::npos) << banned;
  }
  // The fitted law (Epoch's points, 5 highest dropped) is in the table: E 1.817, alpha 0.3473, beta 0.3672.
  EXPECT_NE(html.find("<td>1.817</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>0.3473</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>0.3672</td>"), std::string::npos);
  EXPECT_NE(html.find("approach 2: IsoFLOP minima"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(ScalingReport, ChromiumScreenshotShowsEveryChartDrawn) {
  if (!chromium_available()) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it): cannot screenshot the report";
  const auto dir = temp_dir("png");
  const auto html = dir / "report.html", png = dir / "report.png";
  auto r = run_command(hone_binary() + " scale report --out " + html.string() + " --csv " + kEpochCsv + " --drop-highest 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_command("HOME=" + dir.string() + " chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --screenshot=" +
                  png.string() + " --window-size=1400,2400 file://" + html.string());
  ASSERT_TRUE(std::filesystem::exists(png)) << r.output;
  const testing::RgbImage image = testing::read_png(png.string());
  ASSERT_EQ(image.width, 1400);
  ASSERT_EQ(image.height, 2400);

  int previous_bottom = -1;
  for (const char* fill_hex : scaling::kReportChartFills) {
    const auto fill = hex_rgb(fill_hex);
    int x0 = image.width, x1 = -1, y0 = image.height, y1 = -1;
    long fill_pixels = 0;
    for (int y = 0; y < image.height; ++y)
      for (int x = 0; x < image.width; ++x)
        if (image.at(x, y) == fill) {
          ++fill_pixels;
          x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
        }
    // The plot area is there, about 850 x 460 CSS pixels, below the previous chart.
    ASSERT_GT(fill_pixels, 100000) << fill_hex;
    EXPECT_GT(x1 - x0, 800) << fill_hex;
    EXPECT_GT(y1 - y0, 400) << fill_hex;
    EXPECT_GT(y0, previous_bottom) << fill_hex;
    previous_bottom = y1;
    // Inside it: drawn pixels (neither the fill nor the grid) and strongly coloured ones (markers, curves).
    long drawn = 0, colored = 0;
    for (int y = y0 + 2; y < y1 - 1; ++y)
      for (int x = x0 + 2; x < x1 - 1; ++x) {
        const auto& p = image.at(x, y);
        if (p == fill) continue;
        const int hi = std::max({p[0], p[1], p[2]}), lo = std::min({p[0], p[1], p[2]});
        if (hi - lo > 60) ++colored;
        if (lo < 200) ++drawn;
      }
    EXPECT_GT(drawn, 3000) << fill_hex;
    EXPECT_GT(colored, 2000) << fill_hex;
  }
  std::filesystem::remove_all(dir);
}

TEST(ScalingReport, RefusesTooFewRuns) {
  scaling::ReportInputs in;
  in.points = {{1e8, 1e9, 6e17, 3.0}};
  in.source = "one run";
  EXPECT_THROW(scaling::render_scaling_report(in), Error);
}

}  // namespace
}  // namespace hone
