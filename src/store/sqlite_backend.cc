// The SQLite backend: one file in WAL mode (readers never block the writer,
// a commit is durable once COMMIT returns with synchronous=FULL), writers
// serialised by BEGIN IMMEDIATE and busy_timeout.
#include <sqlite3.h>

#include <charconv>
#include <string>
#include <unordered_map>

#include "store/backend.h"

namespace cloudnet::store {
namespace {

const char* primary_code_name(int rc) {
  switch (rc & 0xff) {
    case SQLITE_OK: return "SQLITE_OK";
    case SQLITE_ERROR: return "SQLITE_ERROR";
    case SQLITE_INTERNAL: return "SQLITE_INTERNAL";
    case SQLITE_PERM: return "SQLITE_PERM";
    case SQLITE_ABORT: return "SQLITE_ABORT";
    case SQLITE_BUSY: return "SQLITE_BUSY";
    case SQLITE_LOCKED: return "SQLITE_LOCKED";
    case SQLITE_NOMEM: return "SQLITE_NOMEM";
    case SQLITE_READONLY: return "SQLITE_READONLY";
    case SQLITE_INTERRUPT: return "SQLITE_INTERRUPT";
    case SQLITE_IOERR: return "SQLITE_IOERR";
    case SQLITE_CORRUPT: return "SQLITE_CORRUPT";
    case SQLITE_NOTFOUND: return "SQLITE_NOTFOUND";
    case SQLITE_FULL: return "SQLITE_FULL";
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
    case SQLITE_PROTOCOL: return "SQLITE_PROTOCOL";
    case SQLITE_SCHEMA: return "SQLITE_SCHEMA";
    case SQLITE_TOOBIG: return "SQLITE_TOOBIG";
    case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT";
    case SQLITE_MISMATCH: return "SQLITE_MISMATCH";
    case SQLITE_MISUSE: return "SQLITE_MISUSE";
    case SQLITE_NOLFS: return "SQLITE_NOLFS";
    case SQLITE_AUTH: return "SQLITE_AUTH";
    case SQLITE_RANGE: return "SQLITE_RANGE";
    case SQLITE_NOTADB: return "SQLITE_NOTADB";
    default: return "SQLITE_?";
  }
}

Error::Code error_code(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_NOLFS: return Error::Code::kIo;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Error::Code::kUnavailable;
    case SQLITE_CONSTRAINT: return Error::Code::kConflict;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE: return Error::Code::kInvalidArgument;
    default: return Error::Code::kInternal;
  }
}

bool is_retryable(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

struct SqliteTarget {
  std::string path;  // ":memory:" or a file path
  int open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  bool read_only = false;
  bool memory = false;
  long long max_page_count = 0;  // 0: no cap
};

Result<SqliteTarget> parse_url(std::string_view url) {
  constexpr std::string_view kScheme = "sqlite:";
  auto bad = [&](const std::string& why) {
    return Error::invalid("sqlite: bad database URL '" + std::string(url) + "': " + why +
                          " (expected sqlite:/path/file.db[?mode=ro|rw|rwc&max_page_count=N] "
                          "or sqlite::memory:)");
  };
  if (url.substr(0, kScheme.size()) != kScheme) return bad("it does not start with sqlite:");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.substr(0, 2) == "//") rest.remove_prefix(2);  // sqlite:///abs/path
  std::string_view query;
  if (std::size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.empty()) return bad("the path is empty");
  SqliteTarget t;
  t.path = std::string(rest);
  t.memory = t.path == ":memory:";
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos)
      return bad("parameter '" + std::string(kv) + "' has no value");
    std::string_view key = kv.substr(0, eq);
    std::string_view value = kv.substr(eq + 1);
    if (key == "mode") {
      if (value == "ro") {
        t.open_flags = SQLITE_OPEN_READONLY;
        t.read_only = true;
      } else if (value == "rw") {
        t.open_flags = SQLITE_OPEN_READWRITE;
      } else if (value == "rwc") {
        t.open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      } else {
        return bad("mode must be ro, rw or rwc");
      }
    } else if (key == "max_page_count") {
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), t.max_page_count);
      if (ec != std::errc() || p != value.data() + value.size() || t.max_page_count <= 0) {
        return bad("max_page_count must be a positive integer");
      }
    } else {
      return bad("unknown parameter '" + std::string(key) + "'");
    }
  }
  return t;
}

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, const std::string& target) : db_(db), target_(target) {}

  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Status begin(TxMode mode, std::string_view purpose) override {
    mode_ = mode;
    // IMMEDIATE takes the write lock now, so two writers never both read and
    // then both fail to upgrade; the second waits up to busy_timeout.
    auto r = run("begin transaction (" + std::string(purpose) + ")",
                 mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", {}, nullptr);
    if (!r) return r.error();
    return Status::Ok();
  }

  Status commit(std::string_view purpose) override {
    auto r = run("commit (" + std::string(purpose) + ")", "COMMIT", {}, nullptr);
    if (!r) return r.error();
    return Status::Ok();
  }

  Status rollback() override {
    // After SQLITE_FULL or an I/O error SQLite may already have rolled back.
    if (sqlite3_get_autocommit(db_)) return Status::Ok();
    auto r = run("rollback", "ROLLBACK", {}, nullptr);
    if (!r) return r.error();
    return Status::Ok();
  }

  Result<std::int64_t> exec(std::string_view purpose, std::string_view sql,
                            const Params& params) override {
    return run(purpose, sql, params, nullptr);
  }

  Result<std::vector<Row>> query(std::string_view purpose, std::string_view sql,
                                 const Params& params) override {
    std::vector<Row> rows;
    auto r = run(purpose, sql, params, &rows);
    if (!r) return r.error();
    return rows;
  }

  Status exec_script(std::string_view purpose, std::string_view sql) override {
    retryable_ = false;
    char* msg = nullptr;
    int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &msg);
    if (rc != SQLITE_OK) {
      std::string text = msg ? msg : sqlite3_errstr(rc);
      sqlite3_free(msg);
      return make_error(rc, purpose, text);
    }
    return Status::Ok();
  }

  bool usable() const override { return db_ != nullptr; }
  bool last_failure_retryable() const override { return retryable_; }

  // Used while connecting: runs a statement and returns its first column.
  Result<std::string> pragma(std::string_view purpose, std::string_view sql) {
    std::vector<Row> rows;
    auto r = run(purpose, sql, {}, &rows);
    if (!r) return r.error();
    return rows.empty() ? std::string() : rows.front().text(0);
  }

 private:
  Error make_error(int rc, std::string_view purpose, std::string_view text) {
    retryable_ = is_retryable(rc);
    std::string code = primary_code_name(rc);
    if (rc != (rc & 0xff)) code += ", extended code " + std::to_string(rc);
    return Error{error_code(rc), "sqlite " + target_ + ": " + std::string(purpose) + ": " +
                                     std::string(text) + " (" + code + ")"};
  }
  Error make_error(int rc, std::string_view purpose) {
    return make_error(rc, purpose, sqlite3_errmsg(db_));
  }

  Result<sqlite3_stmt*> prepare(std::string_view purpose, std::string_view sql) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) return make_error(rc, purpose);
    if (stmt == nullptr) {
      retryable_ = false;
      return Error::internal("sqlite " + target_ + ": " + std::string(purpose) +
                             ": the statement is empty");
    }
    for (const char* p = tail; p && p < key.data() + key.size(); ++p) {
      if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
        sqlite3_finalize(stmt);
        retryable_ = false;
        return Error::internal("sqlite " + target_ + ": " + std::string(purpose) +
                               ": more than one statement; use exec_script()");
      }
    }
    // A bounded cache: the store's statements are a fixed set.
    if (cache_.size() >= 256) {
      for (auto& [s, st] : cache_) sqlite3_finalize(st);
      cache_.clear();
    }
    cache_.emplace(std::move(key), stmt);
    return stmt;
  }

  Status bind(sqlite3_stmt* stmt, std::string_view purpose, const Params& params) {
    int n = sqlite3_bind_parameter_count(stmt);
    for (int i = 1; i <= n; ++i) {
      const char* name = sqlite3_bind_parameter_name(stmt, i);
      std::size_t k = 0;
      std::string_view nm = name ? name : "?";
      bool ok = nm.size() > 1 && nm[0] == '$';
      if (ok) {
        auto [p, ec] = std::from_chars(nm.data() + 1, nm.data() + nm.size(), k);
        ok = ec == std::errc() && p == nm.data() + nm.size() && k >= 1;
      }
      if (!ok) {
        return Error::internal("sqlite " + target_ + ": " + std::string(purpose) + ": parameter '" +
                               std::string(nm) + "' is not of the form $1, $2, ...");
      }
      if (k > params.size()) {
        return Error::invalid("sqlite " + target_ + ": " + std::string(purpose) + ": parameter $" +
                              std::to_string(k) + " has no value (" +
                              std::to_string(params.size()) + " given)");
      }
      const Value& v = params[k - 1];
      int rc = SQLITE_OK;
      switch (v.type()) {
        case Value::Type::kNull: rc = sqlite3_bind_null(stmt, i); break;
        case Value::Type::kInt: rc = sqlite3_bind_int64(stmt, i, v.as_int64()); break;
        case Value::Type::kReal: rc = sqlite3_bind_double(stmt, i, v.as_double()); break;
        case Value::Type::kText: {
          std::string s = v.as_text();
          rc = sqlite3_bind_text64(stmt, i, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
          break;
        }
        case Value::Type::kBlob: {
          Blob b = v.as_blob();
          // A null pointer would bind NULL, not an empty blob.
          rc = b.empty() ? sqlite3_bind_zeroblob(stmt, i, 0)
                         : sqlite3_bind_blob64(stmt, i, b.data(), b.size(), SQLITE_TRANSIENT);
          break;
        }
      }
      if (rc != SQLITE_OK) return make_error(rc, purpose);
    }
    return Status::Ok();
  }

  static Value column(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER: return Value(static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)));
      case SQLITE_FLOAT: return Value(sqlite3_column_double(stmt, c));
      case SQLITE_TEXT: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        return Value(std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
      }
      case SQLITE_BLOB: {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, c));
        return Value(Blob(p, p + sqlite3_column_bytes(stmt, c)));
      }
      default: return Value();
    }
  }

  // Prepares (cached), binds, steps to the end; collects rows when asked.
  Result<std::int64_t> run(std::string_view purpose, std::string_view sql, const Params& params,
                           std::vector<Row>* rows) {
    retryable_ = false;
    auto prepared = prepare(purpose, sql);
    if (!prepared) return prepared.error();
    sqlite3_stmt* stmt = *prepared;
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    if (mode_ == TxMode::kRead && !sqlite3_get_autocommit(db_) && !sqlite3_stmt_readonly(stmt)) {
      // PostgreSQL refuses writes in READ ONLY transactions; do the same.
      return Error::internal("sqlite " + target_ + ": " + std::string(purpose) +
                             ": a writing statement in a read transaction");
    }
    if (Status s = bind(stmt, purpose, params); !s) return s.error();
    const int ncols = sqlite3_column_count(stmt);
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc == SQLITE_ROW) {
        if (rows) {
          std::vector<Value> values;
          values.reserve(static_cast<std::size_t>(ncols));
          for (int c = 0; c < ncols; ++c) values.push_back(column(stmt, c));
          rows->emplace_back(std::move(values));
        }
        continue;
      }
      return make_error(rc, purpose);
    }
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }

  sqlite3* db_;
  const std::string target_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  TxMode mode_ = TxMode::kWrite;
  bool retryable_ = false;
};

class SqliteBackend final : public Backend {
 public:
  SqliteBackend(SqliteTarget t, const DatabaseOptions& options)
      : t_(std::move(t)), busy_ms_(static_cast<int>(options.busy_timeout.count())) {}

  std::string_view name() const override { return "sqlite"; }
  const std::string& target() const override { return t_.path; }
  int max_connections(int requested) const override { return t_.memory ? 1 : requested; }

  Result<std::unique_ptr<Connection>> connect() override {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(t_.path.c_str(), &db,
                             t_.open_flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
      sqlite3_close_v2(db);
      return Error{error_code(rc),
                   "sqlite " + t_.path + ": open: " + msg + " (" + primary_code_name(rc) + ")"};
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_ms_);
    auto conn = std::make_unique<SqliteConnection>(db, t_.path);
    auto setup = [&](std::string_view purpose, std::string_view sql) -> Result<std::string> {
      return conn->pragma(purpose, sql);
    };
    if (auto r = setup("enable foreign keys", "PRAGMA foreign_keys = ON"); !r) return r.error();
    if (!t_.read_only && !t_.memory) {
      auto mode = setup("switch to WAL journal", "PRAGMA journal_mode = WAL");
      if (!mode) return mode.error();
      if (*mode != "wal") {
        return Error::io("sqlite " + t_.path +
                         ": switch to WAL journal: the journal mode stayed '" + *mode + "'");
      }
    }
    // FULL: in WAL mode the WAL is synced at every commit, so a committed
    // transaction survives a crash of the process and of the machine.
    if (auto r = setup("set synchronous=FULL", "PRAGMA synchronous = FULL"); !r) return r.error();
    if (t_.max_page_count > 0) {
      auto r = setup("cap the page count",
                     "PRAGMA max_page_count = " + std::to_string(t_.max_page_count));
      if (!r) return r.error();
    }
    // Reads the header: a file that is no database fails here, not later.
    if (auto r = setup("read the schema", "SELECT count(*) FROM sqlite_schema"); !r) {
      return r.error();
    }
    return std::unique_ptr<Connection>(std::move(conn));
  }

 private:
  SqliteTarget t_;
  int busy_ms_;
};

}  // namespace

Result<std::unique_ptr<Backend>> make_sqlite_backend(std::string_view url,
                                                     const DatabaseOptions& options) {
  auto t = parse_url(url);
  if (!t) return t.error();
  return std::unique_ptr<Backend>(std::make_unique<SqliteBackend>(std::move(*t), options));
}

}  // namespace cloudnet::store
