#pragma once
// The one exception type of hone. Its message tells the user what was wrong and what to do; the CLI
// prints it on one line and exits 2 for usage errors, 1 for everything else.
#include <sstream>
#include <stdexcept>
#include <string>

namespace hone {

enum class ErrorKind { Usage, Runtime };

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::Runtime)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

namespace detail {
template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  throw Error(detail::concat(parts...));
}

template <class... Parts>
[[noreturn]] void fail_usage(const Parts&... parts) {
  throw Error(detail::concat(parts...), ErrorKind::Usage);
}

}  // namespace hone

// Checks a condition that bad input can break; the message parts are streamed together.
#define HONE_CHECK(cond, ...)                 \
  do {                                        \
    if (!(cond)) ::hone::fail(__VA_ARGS__);   \
  } while (0)
