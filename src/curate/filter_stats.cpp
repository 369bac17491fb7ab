#include "curate/filter_stats.h"

namespace hone::curate {

void FilterStats::bump(std::map<std::string, std::uint64_t, std::less<>>& map, std::string_view key,
                       std::uint64_t amount) {
  auto it = map.find(key);
  if (it == map.end()) {
    map.emplace(std::string(key), amount);
  } else {
    it->second += amount;
  }
}

void FilterStats::merge(const FilterStats& other) {
  docs_in += other.docs_in;
  docs_out += other.docs_out;
  bytes_in += other.bytes_in;
  bytes_out += other.bytes_out;
  seconds += other.seconds;
  for (const auto& [reason, count] : other.drop_reasons) bump(drop_reasons, reason, count);
  for (const auto& [name, count] : other.counters) bump(counters, name, count);
}

nlohmann::json FilterStats::to_json() const {
  nlohmann::json out = {{"docs_in", docs_in},   {"docs_out", docs_out}, {"docs_dropped", docs_dropped()},
                        {"bytes_in", bytes_in}, {"bytes_out", bytes_out}, {"seconds", seconds}};
  out["drop_reasons"] = nlohmann::json::object();
  for (const auto& [reason, count] : drop_reasons) out["drop_reasons"][reason] = count;
  out["counters"] = nlohmann::json::object();
  for (const auto& [name, count] : counters) out["counters"][name] = count;
  return out;
}

FilterStats FilterStats::from_json(const nlohmann::json& json) {
  FilterStats stats;
  stats.docs_in = json.value("docs_in", std::uint64_t{0});
  stats.docs_out = json.value("docs_out", std::uint64_t{0});
  stats.bytes_in = json.value("bytes_in", std::uint64_t{0});
  stats.bytes_out = json.value("bytes_out", std::uint64_t{0});
  stats.seconds = json.value("seconds", 0.0);
  if (json.contains("drop_reasons"))
    for (const auto& [reason, count] : json["drop_reasons"].items()) stats.drop_reasons[reason] = count.get<std::uint64_t>();
  if (json.contains("counters"))
    for (const auto& [name, count] : json["counters"].items()) stats.counters[name] = count.get<std::uint64_t>();
  return stats;
}

}  // namespace hone::curate
