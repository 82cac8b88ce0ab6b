// Errors as values. Every fallible function across a module boundary returns Status or Result<T>.
// A Status message names what failed and where (table, column, file, byte offset, HTTP status);
// it never carries a secret (see core/redact.h). Status is cheap to copy when OK.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace lanceflow {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,   // bad user input: options, filters, identifiers, pipeline specs
  kNotFound,          // table, version, file or column that does not exist
  kCorrupt,           // untrusted bytes that fail validation (IPC bodies, manifests, data files)
  kNotImplemented,    // valid input that needs a feature lanceflow lacks (e.g. an unknown encoding)
  kIOError,           // local file or network transport failure
  kUnauthenticated,   // rejected credentials (HTTP 401/403)
  kRemoteError,       // a server answered with an error we do not map to another code
  kOutOfRange,        // a value that does not fit the requested representation
  kCancelled,
  kInternal,          // a broken invariant inside lanceflow
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status OK() { return {}; }
  static Status Invalid(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status Corrupt(std::string msg) { return {StatusCode::kCorrupt, std::move(msg)}; }
  static Status NotImplemented(std::string msg) {
    return {StatusCode::kNotImplemented, std::move(msg)};
  }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Unauthenticated(std::string msg) {
    return {StatusCode::kUnauthenticated, std::move(msg)};
  }
  static Status RemoteError(std::string msg) { return {StatusCode::kRemoteError, std::move(msg)}; }
  static Status OutOfRange(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  const std::string& message() const;
  // "Corrupt: message"; "OK" when ok.
  std::string ToString() const;

  // Returns a copy whose message is "context: message" (no-op when ok). Use to add where the
  // error happened as it travels up: st.WithContext("table 'docs'").
  Status WithContext(std::string_view context) const;

  bool operator==(const Status& other) const {
    return code() == other.code() && message() == other.message();
  }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const State> state_;
};

}  // namespace lanceflow

#define LF_CONCAT_INNER(a, b) a##b
#define LF_CONCAT(a, b) LF_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define LF_RETURN_NOT_OK(expr)                          \
  do {                                                  \
    ::lanceflow::Status lf_status_ = (expr);            \
    if (!lf_status_.ok()) return lf_status_;            \
  } while (0)
