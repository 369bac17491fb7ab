#pragma once
// What one curation block did: documents and bytes in and out, why documents were dropped, block
// specific counters (lines removed, ...) and the time spent. Stats of parallel tasks merge by addition.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hone::curate {

struct FilterStats {
  std::uint64_t docs_in = 0;
  std::uint64_t docs_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  double seconds = 0;
  // std::less<> lets the hot path look reasons up by string_view without building a std::string.
  std::map<std::string, std::uint64_t, std::less<>> drop_reasons;
  std::map<std::string, std::uint64_t, std::less<>> counters;

  std::uint64_t docs_dropped() const { return docs_in - docs_out; }
  void add_drop(std::string_view reason) { bump(drop_reasons, reason, 1); }
  void add_counter(std::string_view name, std::uint64_t amount) { bump(counters, name, amount); }
  void merge(const FilterStats& other);
  nlohmann::json to_json() const;
  // Reads what to_json() wrote (missing fields are 0), e.g. to merge the stats files of many tasks.
  static FilterStats from_json(const nlohmann::json& json);

 private:
  static void bump(std::map<std::string, std::uint64_t, std::less<>>& map, std::string_view key, std::uint64_t amount);
};

}  // namespace hone::curate
