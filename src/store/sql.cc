#include "store/sql.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "store/backend.h"

namespace cloudnet::store {

// ---------------------------------------------------------------------------
// Value, Row

const char* to_string(Value::Type type) {
  switch (type) {
    case Value::Type::kNull: return "null";
    case Value::Type::kInt: return "int";
    case Value::Type::kReal: return "real";
    case Value::Type::kText: return "text";
    case Value::Type::kBlob: return "blob";
  }
  return "?";
}

namespace {

std::int64_t double_to_int64(double d) {
  // Out-of-range casts are undefined behaviour; clamp instead.
  if (!std::isfinite(d)) return 0;
  if (d >= 9.2233720368547758e18) return INT64_MAX;
  if (d <= -9.2233720368547758e18) return INT64_MIN;
  return static_cast<std::int64_t>(d);
}

double parse_double(std::string_view s) {
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  (void)p;
  return ec == std::errc() ? d : 0.0;
}

}  // namespace

std::int64_t Value::as_int64() const {
  switch (type()) {
    case Type::kInt: return std::get<std::int64_t>(v_);
    case Type::kReal: return double_to_int64(std::get<double>(v_));
    case Type::kText: {
      const std::string& s = std::get<std::string>(v_);
      std::int64_t i = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      if (ec == std::errc() && p == s.data() + s.size()) return i;
      return double_to_int64(parse_double(s));
    }
    case Type::kNull:
    case Type::kBlob: return 0;
  }
  return 0;
}

double Value::as_double() const {
  switch (type()) {
    case Type::kInt: return static_cast<double>(std::get<std::int64_t>(v_));
    case Type::kReal: return std::get<double>(v_);
    case Type::kText: return parse_double(std::get<std::string>(v_));
    case Type::kNull:
    case Type::kBlob: return 0.0;
  }
  return 0.0;
}

std::string Value::as_text() const {
  switch (type()) {
    case Type::kInt: return std::to_string(std::get<std::int64_t>(v_));
    case Type::kReal: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", std::get<double>(v_));
      return buf;
    }
    case Type::kText: return std::get<std::string>(v_);
    case Type::kBlob: {
      const Blob& b = std::get<Blob>(v_);
      return std::string(b.begin(), b.end());
    }
    case Type::kNull: return {};
  }
  return {};
}

Blob Value::as_blob() const {
  switch (type()) {
    case Type::kBlob: return std::get<Blob>(v_);
    case Type::kText: {
      const std::string& s = std::get<std::string>(v_);
      return Blob(s.begin(), s.end());
    }
    case Type::kNull:
    case Type::kInt:
    case Type::kReal: return {};
  }
  return {};
}

const Value& Row::operator[](std::size_t col) const {
  static const Value kNull;
  return col < values_.size() ? values_[col] : kNull;
}

std::optional<std::int64_t> Row::opt_int64(std::size_t col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}
std::optional<double> Row::opt_real(std::size_t col) const {
  if (is_null(col)) return std::nullopt;
  return real(col);
}
std::optional<std::string> Row::opt_text(std::size_t col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

// ---------------------------------------------------------------------------
// ConnectionPool

class ConnectionPool {
 public:
  ConnectionPool(std::unique_ptr<Backend> backend, int max_connections,
                 std::chrono::milliseconds wait)
      : backend_(std::move(backend)),
        max_(std::max(1, backend_->max_connections(max_connections))),
        wait_(wait) {}

  ~ConnectionPool() {
    std::lock_guard lock(mu_);
    idle_.clear();
  }

  Backend& backend() { return *backend_; }

  Result<std::unique_ptr<Connection>> acquire() {
    {
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < max_; })) {
        return Error::unavailable(std::string(backend_->name()) + " " + backend_->target() +
                                  ": all " + std::to_string(max_) +
                                  " pooled connections stayed busy for " +
                                  std::to_string(wait_.count()) + " ms");
      }
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
      ++open_;
    }
    // Connect outside the lock: it may take a while.
    auto c = backend_->connect();
    if (!c) {
      std::lock_guard lock(mu_);
      --open_;
      cv_.notify_one();
    }
    return c;
  }

  void release(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mu_);
    if (c && c->usable()) {
      idle_.push_back(std::move(c));
    } else {
      c.reset();
      --open_;
    }
    cv_.notify_one();
  }

 private:
  std::unique_ptr<Backend> backend_;
  const int max_;
  const std::chrono::milliseconds wait_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle + handed out
};

// ---------------------------------------------------------------------------
// Transaction

Transaction::Transaction(ConnectionPool* pool, std::unique_ptr<Connection> conn, TxMode mode,
                         std::string purpose)
    : pool_(pool), conn_(std::move(conn)), mode_(mode), purpose_(std::move(purpose)) {}

Transaction::~Transaction() {
  if (active_ && conn_) (void)conn_->rollback();
  active_ = false;
  finish();
}

std::string_view Transaction::backend() const {
  return pool_->backend().name();
}

void Transaction::finish() {
  if (conn_) pool_->release(std::move(conn_));
}

Status Transaction::check_usable(std::string_view what) {
  if (failure_) return *failure_;
  if (!active_ || !conn_) {
    return Error::internal(std::string(backend()) + " " + pool_->backend().target() + ": " +
                           std::string(what) + ": the transaction has already ended");
  }
  return Status::Ok();
}

Error Transaction::fail(Error e) {
  if (!failure_) {
    failure_ = e;
    retryable_ = conn_ && conn_->last_failure_retryable();
  }
  return e;
}

Status Transaction::check_params(std::string_view purpose, const Params& params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    // PostgreSQL text cannot hold NUL (libpq would cut the value there);
    // refuse it on both backends so that they accept the same data.
    if (params[i].type() == Value::Type::kText &&
        params[i].as_text().find('\0') != std::string::npos) {
      return fail(Error::invalid(std::string(backend()) + " " + pool_->backend().target() + ": " +
                                 std::string(purpose) + ": text parameter $" +
                                 std::to_string(i + 1) + " contains a NUL byte (use a blob)"));
    }
  }
  return Status::Ok();
}

Result<std::int64_t> Transaction::exec(std::string_view purpose, std::string_view sql,
                                       const Params& params) {
  if (Status s = check_usable(purpose); !s) return s.error();
  if (Status s = check_params(purpose, params); !s) return s.error();
  auto r = conn_->exec(purpose, sql, params);
  if (!r) return fail(r.error());
  return r;
}

Result<std::vector<Row>> Transaction::query(std::string_view purpose, std::string_view sql,
                                            const Params& params) {
  if (Status s = check_usable(purpose); !s) return s.error();
  if (Status s = check_params(purpose, params); !s) return s.error();
  auto r = conn_->query(purpose, sql, params);
  if (!r) return fail(r.error());
  return r;
}

Result<std::optional<Row>> Transaction::query_one(std::string_view purpose, std::string_view sql,
                                                  const Params& params) {
  auto rows = query(purpose, sql, params);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Row>();
  if (rows->size() > 1) {
    return fail(Error::internal(std::string(backend()) + " " + pool_->backend().target() + ": " +
                                std::string(purpose) + ": expected at most one row, got " +
                                std::to_string(rows->size())));
  }
  return std::optional<Row>(std::move(rows->front()));
}

Status Transaction::exec_script(std::string_view purpose, std::string_view sql) {
  if (Status s = check_usable(purpose); !s) return s;
  if (Status s = conn_->exec_script(purpose, sql); !s) return fail(s.error());
  return Status::Ok();
}

Status Transaction::commit() {
  Status s = check_usable("commit (" + purpose_ + ")");
  if (s) {
    s = conn_->commit(purpose_);
    if (s) {
      active_ = false;
      finish();
      return s;
    }
    Error e = s.error();
    if (conn_->last_commit_unknown()) e.code = Error::Code::kUnavailable;
    s = fail(std::move(e));
  }
  // SQLite leaves the transaction open after a failed COMMIT (busy, full);
  // end it so that the connection goes back to the pool clean.
  if (active_ && conn_) (void)conn_->rollback();
  active_ = false;
  finish();
  return s;
}

Status Transaction::rollback() {
  Status s;
  if (active_ && conn_) s = conn_->rollback();
  active_ = false;
  finish();
  return s;
}

// ---------------------------------------------------------------------------
// Database

Database::Database(std::unique_ptr<ConnectionPool> pool, DatabaseOptions options)
    : pool_(std::move(pool)), options_(options) {}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::open(std::string_view url, DatabaseOptions options) {
  return open(url, options, default_registry());
}

Result<std::unique_ptr<Database>> Database::open(std::string_view url, DatabaseOptions options,
                                                 const BackendRegistry& registry) {
  auto backend = registry.create(url, options);
  if (!backend) return backend.error();
  auto pool = std::make_unique<ConnectionPool>(std::move(*backend), options.max_connections,
                                               options.busy_timeout);
  // Connect once now, so that a bad path or a refused connection shows here.
  auto first = pool->acquire();
  if (!first) return first.error();
  pool->release(std::move(*first));
  return std::unique_ptr<Database>(new Database(std::move(pool), options));
}

std::string_view Database::backend() const {
  return pool_->backend().name();
}
const std::string& Database::target() const {
  return pool_->backend().target();
}

Result<std::unique_ptr<Transaction>> Database::begin(TxMode mode, std::string_view purpose) {
  bool retryable = false;
  return begin_impl(mode, purpose, &retryable);
}

Result<std::unique_ptr<Transaction>> Database::begin_impl(TxMode mode, std::string_view purpose,
                                                          bool* retryable) {
  *retryable = false;
  // A pooled connection may have died since it was last used (server
  // restart); BEGIN then fails on it and one fresh connection is tried.
  for (int attempt = 0;; ++attempt) {
    auto conn = pool_->acquire();
    if (!conn) return conn.error();  // refused, or the pool stayed busy: no quick cure
    Status s = (*conn)->begin(mode, purpose);
    if (s) {
      return std::unique_ptr<Transaction>(
          new Transaction(pool_.get(), std::move(*conn), mode, std::string(purpose)));
    }
    bool lost = !(*conn)->usable();
    *retryable = (*conn)->last_failure_retryable() || lost;
    pool_->release(std::move(*conn));
    if (!lost || attempt >= 1) return s.error();
  }
}

Status Database::with_transaction(TxMode mode, std::string_view purpose,
                                  const std::function<Status(Transaction&)>& fn) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int attempts = std::max(1, options_.max_attempts);
  for (int attempt = 1;; ++attempt) {
    bool retry = false;
    Status result;
    {
      auto tx = begin_impl(mode, purpose, &retry);
      if (!tx) {
        result = tx.error();
      } else {
        result = fn(**tx);
        if (result) result = (*tx)->commit();
        retry = (*tx)->retryable_failure();
      }
    }  // the transaction rolls back here unless committed
    if (result || !retry || attempt >= attempts) {
      if (!result && retry) {
        Error e = result.error();
        e.message += " (gave up after " + std::to_string(attempt) + " attempts)";
        return e;
      }
      return result;
    }
    // Random back-off so that racing writers do not collide again in step.
    int cap_ms = std::min(100, 1 << std::min(attempt, 7));
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(100, cap_ms * 1000)(rng)));
  }
}

// ---------------------------------------------------------------------------
// BackendRegistry

Status BackendRegistry::register_backend(std::string name, std::vector<std::string> schemes,
                                         Factory factory, bool conninfo) {
  if (name.empty()) return Error::invalid("store backend name is empty");
  if (!factory) return Error::invalid("store backend '" + name + "' has no factory");
  if (factories_.count(name)) {
    return Error::conflict("store backend '" + name + "' is already registered");
  }
  for (const std::string& s : schemes) {
    if (schemes_.count(s)) {
      return Error::conflict("database URL scheme '" + s + "' is already registered");
    }
  }
  for (std::string& s : schemes) schemes_.emplace(std::move(s), name);
  if (conninfo) conninfo_backend_ = name;
  factories_.emplace(std::move(name), std::move(factory));
  return Status::Ok();
}

std::vector<std::string> BackendRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, f] : factories_) out.push_back(name);
  return out;
}

Result<std::unique_ptr<Backend>> BackendRegistry::create(std::string_view url,
                                                         const DatabaseOptions& options) const {
  auto known = [&] {
    std::string list;
    for (const auto& [scheme, name] : schemes_) list += (list.empty() ? "" : ", ") + scheme + ":";
    return list;
  };
  std::size_t colon = url.find(':');
  std::string_view scheme = colon == std::string_view::npos ? "" : url.substr(0, colon);
  bool scheme_like = !scheme.empty() && std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
  if (scheme_like) {
    auto it = schemes_.find(scheme);
    if (it == schemes_.end()) {
      return Error::invalid("unknown database URL scheme '" + std::string(scheme) +
                            "' (known: " + known() + ")");
    }
    return factories_.find(it->second)->second(url, options);
  }
  if (!conninfo_backend_.empty() && url.find('=') != std::string_view::npos) {
    return factories_.find(conninfo_backend_)->second(url, options);
  }
  return Error::invalid("not a database URL: '" + std::string(url) +
                        "' (known schemes: " + known() + ")");
}

}  // namespace cloudnet::store
