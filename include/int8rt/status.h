// Status and Result<T>: how every fallible int8rt call reports failure.
//
// No exception crosses the public API. A failed call returns a Status whose message names the file,
// node, tensor or value at fault and what was expected.
#pragma once

#include <cassert>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace int8rt {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller passed something wrong (bad shape, bad value, bad flag)
  kNotFound,           // a file, tensor, layer or input that does not exist
  kUnsupported,        // valid input that int8rt does not handle (an op, a dtype, an attribute)
  kParseError,         // a file that exists but is malformed or truncated
  kIoError,            // the operating system refused a read or write
  kInternal,           // a bug in int8rt
  kResourceExhausted,  // out of host or device memory (the message names what and how much)
};

std::string_view to_string(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // True for errors caused by the caller's input rather than by int8rt itself.
  bool is_user_error() const { return code_ != StatusCode::kOk && code_ != StatusCode::kInternal; }

  // Prefixes the message with context: status.with_context("model.onnx") -> "model.onnx: <msg>".
  Status with_context(std::string_view context) const;

  // "<code>: <message>", for logs.
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

namespace detail {
template <typename... Args>
std::string concat(Args&&... args) {
  std::ostringstream out;
  (out << ... << std::forward<Args>(args));
  return out.str();
}
}  // namespace detail

// Builders for error statuses; arguments are streamed, so numbers and strings mix freely:
//   return invalid_argument("Conv \"", name, "\": weight has ", rank, " dims, expected 4 (OIHW)");
template <typename... Args>
Status invalid_argument(Args&&... args) {
  return {StatusCode::kInvalidArgument, detail::concat(std::forward<Args>(args)...)};
}
template <typename... Args>
Status not_found(Args&&... args) {
  return {StatusCode::kNotFound, detail::concat(std::forward<Args>(args)...)};
}
template <typename... Args>
Status unsupported(Args&&... args) {
  return {StatusCode::kUnsupported, detail::concat(std::forward<Args>(args)...)};
}
template <typename... Args>
Status parse_error(Args&&... args) {
  return {StatusCode::kParseError, detail::concat(std::forward<Args>(args)...)};
}
template <typename... Args>
Status io_error(Args&&... args) {
  return {StatusCode::kIoError, detail::concat(std::forward<Args>(args)...)};
}
template <typename... Args>
Status resource_exhausted(Args&&... args) {
  return {StatusCode::kResourceExhausted, detail::concat(std::forward<Args>(args)...)};
}
template <typename... Args>
Status internal_error(Args&&... args) {
  return {StatusCode::kInternal, detail::concat(std::forward<Args>(args)...)};
}

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).is_ok() && "Result built from an OK status has no value");
  }

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(state_);
  }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace int8rt

#define INT8RT_CONCAT_IMPL(a, b) a##b
#define INT8RT_CONCAT(a, b) INT8RT_CONCAT_IMPL(a, b)

// Returns the Status from the enclosing function if `expr` failed.
#define INT8RT_RETURN_IF_ERROR(expr)                    \
  do {                                                  \
    ::int8rt::Status int8rt_status_ = (expr);           \
    if (!int8rt_status_.is_ok()) return int8rt_status_; \
  } while (false)

// `INT8RT_ASSIGN_OR_RETURN(auto x, make_x());` declares x from a Result or returns its Status.
#define INT8RT_ASSIGN_OR_RETURN(lhs, expr) \
  INT8RT_ASSIGN_OR_RETURN_IMPL(INT8RT_CONCAT(int8rt_result_, __LINE__), lhs, expr)
#define INT8RT_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                                 \
  if (!result.is_ok()) return result.status();          \
  lhs = std::move(result).value()
