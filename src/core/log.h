#pragma once
// Logging to stderr with a level (HONE_LOG=debug|info|warn|error, default info).
#include <string>

#include "core/error.h"

namespace hone {

enum class LogLevel { Debug, Info, Warn, Error };

void set_log_level(LogLevel level);
LogLevel log_level();
void log_message(LogLevel level, const std::string& message);

template <class... Parts>
void log_info(const Parts&... parts) {
  if (log_level() <= LogLevel::Info) log_message(LogLevel::Info, detail::concat(parts...));
}
template <class... Parts>
void log_warn(const Parts&... parts) {
  if (log_level() <= LogLevel::Warn) log_message(LogLevel::Warn, detail::concat(parts...));
}
template <class... Parts>
void log_debug(const Parts&... parts) {
  if (log_level() <= LogLevel::Debug) log_message(LogLevel::Debug, detail::concat(parts...));
}

}  // namespace hone
