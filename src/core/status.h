// Status and Result<T>: how errors cross module boundaries.
//
// A Status is either OK or carries a code and a human-readable message that says where and
// why. Result<T> holds a value or a non-OK Status. Both are [[nodiscard]]: ignoring one on
// purpose is written out as `status.IgnoreError()` so that it can be found.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace panorama {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,  // the caller's input is malformed or out of range
  kNotFound,
  kAlreadyExists,
  kCorruption,  // stored data fails a checksum or structural check
  kIOError,     // the operating system refused a read, write or sync
  kFailedPrecondition,
  kResourceExhausted,
  kInternal,
  kOutOfRange,  // valid input that falls outside what may be applied now (a late event)
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  // An I/O error with the text of errno appended.
  static Status FromErrno(std::string_view what, int err);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corruption: <message>"; "OK" when ok.
  std::string ToString() const;
  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(std::string_view context) const;
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(data_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(data_); }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace panorama

#define PANO_CONCAT_INNER_(a, b) a##b
#define PANO_CONCAT_(a, b) PANO_CONCAT_INNER_(a, b)

#define PANO_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::panorama::Status pano_status_ = (expr);    \
    if (!pano_status_.ok()) return pano_status_; \
  } while (false)

// `tmp` is an identifier being declared and `lhs` may be a declaration ("auto x"), so neither
// can be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define PANO_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

// PANO_ASSIGN_OR_RETURN(auto x, FunctionReturningResult());
#define PANO_ASSIGN_OR_RETURN(lhs, expr) \
  PANO_ASSIGN_OR_RETURN_IMPL_(PANO_CONCAT_(pano_result_, __LINE__), lhs, expr)
