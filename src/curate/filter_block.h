#pragma once
// The shape every curation block shares: it looks at one document and keeps it (possibly edited in
// place) or drops it with a reason, and it keeps FilterStats of what it did. Blocks compose by calling
// process() one after another; a block is used by one thread at a time (it owns scratch buffers).
#include <string>
#include <string_view>

#include "curate/document.h"
#include "curate/filter_stats.h"

namespace hone::curate {

struct Verdict {
  bool keep = true;
  std::string_view reason;  // empty when kept; names a static string, so verdicts never allocate

  static Verdict kept() { return {}; }
  static Verdict dropped(std::string_view why) { return {false, why}; }
};

class FilterBlock {
 public:
  explicit FilterBlock(std::string name) : name_(std::move(name)) {}
  virtual ~FilterBlock() = default;

  // Runs the block on `doc` and records stats. Throws hone::Error for text that is not valid UTF-8
  // (counted as a drop with reason "invalid_input").
  Verdict process(Document& doc);

  const std::string& name() const { return name_; }
  const FilterStats& stats() const { return stats_; }
  void reset_stats() { stats_ = {}; }

 protected:
  virtual Verdict apply(Document& doc) = 0;
  FilterStats& mutable_stats() { return stats_; }

 private:
  std::string name_;
  FilterStats stats_;
};

}  // namespace hone::curate
