#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace hone::cli {

ProgressLine::ProgressLine(int64_t every) : terminal_(isatty(STDOUT_FILENO)), every_(every) {}

std::string format_duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  char buffer[32];
  if (s >= 3600) std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", static_cast<long>(s / 3600), static_cast<long>(s % 3600 / 60));
  else std::snprintf(buffer, sizeof buffer, "%ldm%02lds", static_cast<long>(s / 60), static_cast<long>(s % 60));
  return buffer;
}

void ProgressLine::update(int64_t done, int64_t total, double elapsed_seconds, const std::string& status) {
  if (!terminal_ && done % every_ != 0 && done != total) return;
  const double eta = done > 0 ? elapsed_seconds * static_cast<double>(total - done) / static_cast<double>(done) : 0.0;
  std::printf("%s[%6ld/%ld %3ld%%] %s | %s elapsed, ETA %s%s", terminal_ ? "\r\033[K" : "", static_cast<long>(done),
              static_cast<long>(total), static_cast<long>(total > 0 ? 100 * done / total : 0), status.c_str(),
              format_duration(elapsed_seconds).c_str(), format_duration(eta).c_str(), terminal_ ? "" : "\n");
  std::fflush(stdout);
  open_ = terminal_;
}

void ProgressLine::finish() {
  if (open_) std::printf("\n");
  open_ = false;
}

}  // namespace hone::cli
