#pragma once
// A progress line for long work: redrawn in place on a terminal, printed every `every` updates
// (and at the end) when the output is a file or pipe, so logs stay readable.
#include <cstdint>
#include <string>

namespace hone::cli {

class ProgressLine {
 public:
  explicit ProgressLine(int64_t every = 100);
  // done/total with a free-form status; rate in items per second for the ETA.
  void update(int64_t done, int64_t total, double elapsed_seconds, const std::string& status);
  void finish();

 private:
  bool terminal_;
  int64_t every_;
  bool open_ = false;
};

std::string format_duration(double seconds);

}  // namespace hone::cli
