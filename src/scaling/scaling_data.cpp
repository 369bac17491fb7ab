#include "scaling/scaling_data.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "core/error.h"

namespace hone::scaling {
namespace {

// Splits one CSV record; double quotes may wrap a field (with "" for a literal quote).
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct ColumnSpec {
  const char* what;
  std::array<const char*, 3> names;  // lower-case aliases; empty strings pad
};

constexpr ColumnSpec kParams{"model size", {"model size", "params", "n"}};
constexpr ColumnSpec kTokens{"tokens", {"tokens", "d", ""}};
constexpr ColumnSpec kFlops{"training FLOPs", {"training flop", "flops", "c"}};
constexpr ColumnSpec kLoss{"loss", {"loss", "l", ""}};

std::string accepted_names(const ColumnSpec& spec) {
  std::string out;
  for (const char* name : spec.names) {
    if (*name == '\0') continue;
    if (!out.empty()) out += ", ";
    out += '\'';
    out += name;
    out += '\'';
  }
  return out;
}

std::optional<size_t> find_column(const std::vector<std::string>& header, const ColumnSpec& spec) {
  for (const char* name : spec.names) {
    if (*name == '\0') continue;
    for (size_t i = 0; i < header.size(); ++i)
      if (lower(trim(header[i])) == name) return i;
  }
  return std::nullopt;
}

double parse_positive(const std::string& field, const std::string& source, size_t line_number, const std::string& column) {
  std::string text = trim(field);
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(value))
    fail(source, " line ", line_number, ": column '", column, "' holds '", text, "', not a finite number; fix or remove that row");
  if (value <= 0)
    fail(source, " line ", line_number, ": column '", column, "' is ", text,
         " but must be positive (scaling laws work on logarithms); fix or remove that row");
  return value;
}

}  // namespace

std::vector<ScalingPoint> parse_scaling_csv(std::istream& in, const std::string& source) {
  std::string line;
  size_t line_number = 0;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    ++line_number;
    if (!trim(line).empty()) {
      header = split_csv_line(line);
      break;
    }
  }
  HONE_CHECK(!header.empty(), source, ": the CSV is empty; it needs a header with model size, tokens or FLOPs, and loss columns");

  auto params_column = find_column(header, kParams);
  auto tokens_column = find_column(header, kTokens);
  auto flops_column = find_column(header, kFlops);
  auto loss_column = find_column(header, kLoss);
  HONE_CHECK(params_column, source, " line ", line_number, ": no model-size column (accepted names: ", accepted_names(kParams), ")");
  HONE_CHECK(loss_column, source, " line ", line_number, ": no loss column (accepted names: ", accepted_names(kLoss), ")");
  HONE_CHECK(tokens_column || flops_column, source, " line ", line_number, ": needs a tokens column (",
             accepted_names(kTokens), ") or a training-FLOPs column (", accepted_names(kFlops), ")");

  std::vector<ScalingPoint> points;
  while (std::getline(in, line)) {
    ++line_number;
    if (trim(line).empty()) continue;
    std::vector<std::string> fields = split_csv_line(line);
    HONE_CHECK(fields.size() == header.size(), source, " line ", line_number, ": ", fields.size(),
               " fields but the header has ", header.size());
    auto value = [&](size_t column) { return parse_positive(fields[column], source, line_number, trim(header[column])); };
    ScalingPoint p;
    p.params = value(*params_column);
    p.loss = value(*loss_column);
    if (tokens_column) p.tokens = value(*tokens_column);
    if (flops_column) p.flops = value(*flops_column);
    if (!tokens_column) p.tokens = p.flops / (6 * p.params);
    if (!flops_column) p.flops = 6 * p.params * p.tokens;
    points.push_back(p);
  }
  HONE_CHECK(!points.empty(), source, ": the CSV has a header but no data rows");
  return points;
}

std::vector<ScalingPoint> read_scaling_csv(const std::string& path) {
  std::ifstream in(path);
  HONE_CHECK(in, "cannot open ", path, " for reading; check the path");
  return parse_scaling_csv(in, path);
}

std::vector<ScalingPoint> drop_highest_losses(std::vector<ScalingPoint> points, size_t k) {
  HONE_CHECK(k < points.size(), "cannot drop ", k, " highest losses from ", points.size(), " points; choose a smaller count");
  // Rank by loss (stable, so ties resolve in file order), then keep the survivors in file order.
  std::vector<size_t> order(points.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return points[a].loss > points[b].loss; });
  std::vector<bool> dropped(points.size(), false);
  for (size_t i = 0; i < k; ++i) dropped[order[i]] = true;
  std::vector<ScalingPoint> kept;
  for (size_t i = 0; i < points.size(); ++i)
    if (!dropped[i]) kept.push_back(points[i]);
  points = std::move(kept);
  return points;
}

}  // namespace hone::scaling
