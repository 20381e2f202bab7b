// What a SQL backend implements, and the registry that maps URL schemes to
// backends. Users of the store need only sql.h; this header is for backends
// (sqlite_backend.cc, postgres_backend.cc) and registry.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/sql.h"

namespace cloudnet::store {

// One native connection. Used by one thread at a time (the pool hands it to
// one Transaction). Every method reports errors with the backend's prefix.
class Connection {
 public:
  virtual ~Connection() = default;

  virtual Status begin(TxMode mode, std::string_view purpose) = 0;
  virtual Status commit(std::string_view purpose) = 0;
  virtual Status rollback() = 0;
  virtual Result<std::int64_t> exec(std::string_view purpose, std::string_view sql,
                                    const Params& params) = 0;
  virtual Result<std::vector<Row>> query(std::string_view purpose, std::string_view sql,
                                         const Params& params) = 0;
  virtual Status exec_script(std::string_view purpose, std::string_view sql) = 0;

  // False once the connection is lost; the pool then drops it.
  virtual bool usable() const = 0;
  // Whether the last failure may pass when the whole transaction is re-run.
  virtual bool last_failure_retryable() const = 0;
  // Whether the last commit() failed without knowing if the commit happened.
  virtual bool last_commit_unknown() const { return false; }
};

// One database target: makes connections to it.
class Backend {
 public:
  virtual ~Backend() = default;
  // "sqlite", "postgresql".
  virtual std::string_view name() const = 0;
  // The target for messages, without secrets.
  virtual const std::string& target() const = 0;
  virtual Result<std::unique_ptr<Connection>> connect() = 0;
  // The pool size to use given the requested one.
  virtual int max_connections(int requested) const { return requested; }
};

// Maps URL schemes to backend factories. Not thread-safe for registration;
// create() may be called concurrently once registration is done.
class BackendRegistry {
 public:
  using Factory = std::function<Result<std::unique_ptr<Backend>>(std::string_view url,
                                                                 const DatabaseOptions& options)>;

  // `schemes` are the URL prefixes before ':' that select this backend
  // ("postgresql", "postgres"). When `conninfo` is set, a URL without a
  // scheme but with `key=value` pairs selects it too (libpq conninfo).
  Status register_backend(std::string name, std::vector<std::string> schemes, Factory factory,
                          bool conninfo = false);
  Result<std::unique_ptr<Backend>> create(std::string_view url,
                                          const DatabaseOptions& options) const;
  // Registered backend names, sorted.
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Factory, std::less<>> factories_;    // by name
  std::map<std::string, std::string, std::less<>> schemes_;  // scheme -> name
  std::string conninfo_backend_;
};

// Registers the built-in backends ("sqlite", "postgresql"): the one place
// that knows them all (store/registry.cc).
Status register_builtin_backends(BackendRegistry& registry);

// A registry holding the built-in backends, created on first use.
const BackendRegistry& default_registry();

// Factories of the built-in backends.
Result<std::unique_ptr<Backend>> make_sqlite_backend(std::string_view url,
                                                     const DatabaseOptions& options);
Result<std::unique_ptr<Backend>> make_postgres_backend(std::string_view url,
                                                       const DatabaseOptions& options);

}  // namespace cloudnet::store
