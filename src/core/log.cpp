#include "core/log.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace hone {
namespace {
LogLevel initial_level() {
  const char* v = std::getenv("HONE_LOG");
  if (!v) return LogLevel::Info;
  if (!std::strcmp(v, "debug")) return LogLevel::Debug;
  if (!std::strcmp(v, "warn")) return LogLevel::Warn;
  if (!std::strcmp(v, "error")) return LogLevel::Error;
  return LogLevel::Info;
}
LogLevel& level_ref() {
  static LogLevel level = initial_level();
  return level;
}
}  // namespace

void set_log_level(LogLevel level) { level_ref() = level; }
LogLevel log_level() { return level_ref(); }

void log_message(LogLevel level, const std::string& message) {
  static std::mutex mutex;
  static const char* names[] = {"debug", "info", "warning", "error"};
  std::lock_guard<std::mutex> lock(mutex);
  std::fprintf(stderr, "hone: %s: %s\n", names[static_cast<int>(level)], message.c_str());
}

}  // namespace hone
