// Expected<T>: a value or an error message, the engine's only way to report failure.
//
// Errors are values because C++ exceptions thrown across Embind reach JavaScript as bare
// numbers; every fallible call in the core returns Expected so the CLI and the browser
// can show the message as written. Messages name the file or field and the problem.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace digitrain {

struct Error {
  std::string message;
};

template <class T>
class Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}      // NOLINT: implicit on purpose
  Expected(Error error) : state_(std::move(error)) {}  // NOLINT: implicit on purpose

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const std::string& error() const { return std::get<Error>(state_).message; }

 private:
  std::variant<T, Error> state_;
};

// For calls that produce nothing but may fail.
struct Ok {};
using Status = Expected<Ok>;

inline Error fail(std::string message) { return Error{std::move(message)}; }

}  // namespace digitrain
