// A small SQL layer: one interface, two backends (SQLite, PostgreSQL), one
// registry (store/registry.cc).
//
//   auto db = Database::open("sqlite:/var/lib/cloudnet/pip.db");
//   if (!db) return db.error();
//   Status s = (*db)->with_transaction(TxMode::kWrite, "add vnet", [&](Transaction& tx) -> Status {
//     auto n = tx.exec("insert vnet", "INSERT INTO vnets(id, customer) VALUES ($1, $2)",
//                      {id, customer});
//     if (!n) return n.error();
//     return Status::Ok();
//   });
//
// SQL is written once for both backends: parameters are `$1, $2, ...`;
// values are null, int64, double, text or blob. Every failure is an Error
// whose message names the backend and target, the statement's purpose and
// the database's own message, e.g.
//   "sqlite /data/pip.db: insert reservation: database or disk is full (SQLITE_FULL)".
// No exception leaves this library.
//
// Isolation: every write transaction is serialisable. SQLite runs in WAL
// mode with synchronous=FULL and takes the write lock at BEGIN IMMEDIATE
// (writers queue on busy_timeout); PostgreSQL runs BEGIN ISOLATION LEVEL
// SERIALIZABLE, and with_transaction() retries serialization failures.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace cloudnet::store {

using Blob = std::vector<std::uint8_t>;

// One SQL value.
class Value {
 public:
  enum class Type { kNull, kInt, kReal, kText, kBlob };

  Value() = default;        // null
  Value(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  template <std::integral T>
  Value(T v) : v_(static_cast<std::int64_t>(v)) {}   // NOLINT(google-explicit-constructor)
  Value(double v) : v_(v) {}                         // NOLINT(google-explicit-constructor)
  Value(std::string v) : v_(std::move(v)) {}         // NOLINT(google-explicit-constructor)
  Value(std::string_view v) : v_(std::string(v)) {}  // NOLINT(google-explicit-constructor)
  Value(const char* v) : v_(std::string(v)) {}       // NOLINT(google-explicit-constructor)
  Value(Blob v) : v_(std::move(v)) {}                // NOLINT(google-explicit-constructor)
  template <class T>
  Value(const std::optional<T>& v) {  // NOLINT(google-explicit-constructor)
    if (v) *this = Value(*v);
  }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }

  // Conversions are lenient so that both backends read alike (PostgreSQL
  // returns SUM(bigint) as numeric, SQLite stores what it is given): int and
  // real convert into each other (real truncates), text parses as a number
  // (0 if it is none), numbers print as text, text and blob share bytes; null
  // gives 0 or empty.
  std::int64_t as_int64() const;
  double as_double() const;
  std::string as_text() const;
  Blob as_blob() const;

  // Strict equality of type and value (for tests).
  friend bool operator==(const Value&, const Value&) = default;

 private:
  std::variant<std::monostate, std::int64_t, double, std::string, Blob> v_;
};

const char* to_string(Value::Type type);

using Params = std::vector<Value>;

// One result row; columns by position, in the order of the SELECT list.
class Row {
 public:
  Row() = default;
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}

  std::size_t size() const { return values_.size(); }
  // A null Value for a column past the end.
  const Value& operator[](std::size_t col) const;

  bool is_null(std::size_t col) const { return (*this)[col].is_null(); }
  std::int64_t int64(std::size_t col) const { return (*this)[col].as_int64(); }
  double real(std::size_t col) const { return (*this)[col].as_double(); }
  std::string text(std::size_t col) const { return (*this)[col].as_text(); }
  Blob blob(std::size_t col) const { return (*this)[col].as_blob(); }
  // std::nullopt for SQL NULL.
  std::optional<std::int64_t> opt_int64(std::size_t col) const;
  std::optional<double> opt_real(std::size_t col) const;
  std::optional<std::string> opt_text(std::size_t col) const;

  const std::vector<Value>& values() const { return values_; }

 private:
  std::vector<Value> values_;
};

enum class TxMode {
  kRead,   // a consistent snapshot; writing is an error on PostgreSQL
  kWrite,  // serialised with every other write transaction
};

class Connection;
class ConnectionPool;

// One transaction on one pooled connection. Not thread-safe; use it from the
// thread that began it, and end it before its Database is destroyed.
//
// A failed statement poisons the transaction (as PostgreSQL does natively):
// every later statement and commit() return that first error, so a caller
// cannot commit half of what it meant to write. Destruction without commit()
// rolls back.
class Transaction {
 public:
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  std::string_view backend() const;
  TxMode mode() const { return mode_; }

  // One statement; returns the number of rows it changed. `purpose` says
  // what it is for, in error messages ("insert reservation").
  Result<std::int64_t> exec(std::string_view purpose, std::string_view sql,
                            const Params& params = {});
  // One statement returning rows.
  Result<std::vector<Row>> query(std::string_view purpose, std::string_view sql,
                                 const Params& params = {});
  // At most one row (std::nullopt for none); more than one is an Error.
  Result<std::optional<Row>> query_one(std::string_view purpose, std::string_view sql,
                                       const Params& params = {});
  // Several statements without parameters (DDL in migrations).
  Status exec_script(std::string_view purpose, std::string_view sql);

  Status commit();
  Status rollback();

  // True once a statement, begin or commit failed in a way that running the
  // whole transaction again may cure (PostgreSQL serialization failure or
  // deadlock, SQLite busy after busy_timeout). with_transaction() retries
  // then.
  bool retryable_failure() const { return retryable_; }
  // The error that poisoned the transaction, if any.
  const std::optional<Error>& failure() const { return failure_; }

 private:
  friend class Database;
  Transaction(ConnectionPool* pool, std::unique_ptr<Connection> conn, TxMode mode,
              std::string purpose);
  Status check_usable(std::string_view what);
  Status check_params(std::string_view purpose, const Params& params);
  Error fail(Error e);
  void finish();

  ConnectionPool* pool_;
  std::unique_ptr<Connection> conn_;
  TxMode mode_;
  std::string purpose_;
  bool active_ = true;
  bool retryable_ = false;
  std::optional<Error> failure_;
};

struct DatabaseOptions {
  // Connections kept by the pool; begin() waits when all are in use.
  // "sqlite::memory:" always has exactly one (each would be its own database).
  int max_connections = 4;
  // How long SQLite waits for another writer's lock, and how long begin()
  // waits for a free pooled connection.
  std::chrono::milliseconds busy_timeout{10000};
  // with_transaction(): attempts in all when a transaction fails retryably.
  int max_attempts = 30;
};

class BackendRegistry;

// A database opened by URL:
//   sqlite:/path/file.db            (created if missing; WAL, synchronous=FULL)
//   sqlite:/path/file.db?mode=ro    (read-only; also ?max_page_count=N to cap its size)
//   sqlite::memory:
//   postgresql://user@/db?host=/socketdir&port=N   (any libpq URI; postgres:// too)
//   host=/socketdir port=N dbname=db user=u        (a libpq conninfo string)
// open() connects once, so a wrong path or a refused connection is reported
// here. Thread-safe: threads begin transactions concurrently, each on its own
// pooled connection. A thread must not begin a second transaction while it
// holds one: when the pool is exhausted (always so for ":memory:") begin()
// waits busy_timeout and fails.
class Database {
 public:
  static Result<std::unique_ptr<Database>> open(std::string_view url, DatabaseOptions options = {});
  static Result<std::unique_ptr<Database>> open(std::string_view url, DatabaseOptions options,
                                                const BackendRegistry& registry);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // "sqlite" or "postgresql".
  std::string_view backend() const;
  // The target without secrets, e.g. "/data/pip.db" or "postgres@/tmp/pg:5432/pip".
  const std::string& target() const;
  const DatabaseOptions& options() const { return options_; }

  // Begins a transaction; `purpose` is named in begin/commit errors.
  Result<std::unique_ptr<Transaction>> begin(TxMode mode, std::string_view purpose = "transaction");

  // Runs fn in a transaction and commits it when fn returns Ok; rolls back
  // and returns fn's error otherwise. A retryable failure (see
  // Transaction::retryable_failure) runs fn again in a fresh transaction,
  // after a short random back-off, up to options().max_attempts times; fn
  // must therefore have no effects outside the transaction. A commit whose
  // outcome is unknown (connection lost during COMMIT) is kUnavailable and
  // not retried.
  Status with_transaction(TxMode mode, std::string_view purpose,
                          const std::function<Status(Transaction&)>& fn);

 private:
  Database(std::unique_ptr<ConnectionPool> pool, DatabaseOptions options);
  // begin() that also says whether re-running the transaction may help.
  Result<std::unique_ptr<Transaction>> begin_impl(TxMode mode, std::string_view purpose,
                                                  bool* retryable);
  std::unique_ptr<ConnectionPool> pool_;
  DatabaseOptions options_;
};

}  // namespace cloudnet::store
