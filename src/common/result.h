// Errors as values at library boundaries (DEVELOPERS.md: no exception crosses a
// library's public interface). g++ 12 has no std::expected in C++20 mode, so
// this is the small subset of it we need.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace cloudnet {

// A failure with a machine-readable code and a message a person can act on.
struct Error {
  enum class Code {
    kInvalidArgument,  // the caller's input is wrong (bad document, bad option)
    kNotFound,         // a named object, file or id does not exist
    kIo,               // reading or writing a file or socket failed
    kParse,            // a document is not well formed
    kInfeasible,       // a request cannot be satisfied by the substrate
    kConflict,         // a concurrent change won, or a state transition is illegal
    kUnavailable,      // a backend, peer or solver cannot be reached or used
    kInternal,         // a bug: an invariant was broken
  };
  Code code = Code::kInternal;
  std::string message;

  static Error invalid(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Error not_found(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Error io(std::string msg) { return {Code::kIo, std::move(msg)}; }
  static Error parse(std::string msg) { return {Code::kParse, std::move(msg)}; }
  static Error infeasible(std::string msg) { return {Code::kInfeasible, std::move(msg)}; }
  static Error conflict(std::string msg) { return {Code::kConflict, std::move(msg)}; }
  static Error unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Error internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
};

const char* to_string(Error::Code code);

// Either a value or an Error. Access to the wrong alternative is a bug and
// asserts in debug builds.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error, for operations without a value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  static Status Ok() { return {}; }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace cloudnet
