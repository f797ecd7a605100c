#include "core/status.h"

#include <array>
#include <cstring>
#include <string>

namespace panorama {
namespace {

// strerror_r is the thread-safe strerror. It comes in two forms: the GNU one returns the text
// (which may or may not be in the buffer), the XSI one returns 0 and fills the buffer.
[[maybe_unused]] const char* ErrorText(const char* result, const char* /*buffer*/) {
  return result;
}
[[maybe_unused]] const char* ErrorText(int result, const char* buffer) {
  return result == 0 ? buffer : "Unknown error";
}

}  // namespace

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "Invalid argument";
    case StatusCode::kNotFound:
      return "Not found";
    case StatusCode::kAlreadyExists:
      return "Already exists";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kIOError:
      return "IO error";
    case StatusCode::kFailedPrecondition:
      return "Failed precondition";
    case StatusCode::kResourceExhausted:
      return "Resource exhausted";
    case StatusCode::kInternal:
      return "Internal";
    case StatusCode::kOutOfRange:
      return "Out of range";
  }
  return "Unknown";
}

Status Status::FromErrno(std::string_view what, int err) {
  std::string message(what);
  message += ": ";
  std::array<char, 256> buffer{};
  message += ErrorText(strerror_r(err, buffer.data(), buffer.size()), buffer.data());
  return IOError(std::move(message));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  message += ": ";
  message += message_;
  return {code_, std::move(message)};
}

}  // namespace panorama
