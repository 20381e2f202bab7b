// The PostgreSQL backend (libpq): every write transaction runs SERIALIZABLE,
// so the server aborts one of two transactions whose reads and writes
// conflict (SQLSTATE 40001); Database::with_transaction() re-runs it.
#include <libpq-fe.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "store/backend.h"

namespace cloudnet::store {
namespace {

// Type OIDs from PostgreSQL's pg_type.dat (stable since forever).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

// One line: libpq messages end in newlines and indent hints with tabs.
std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  std::string out;
  for (char c : s) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

Error::Code error_code(std::string_view sqlstate) {
  auto cls = sqlstate.substr(0, 2);
  if (sqlstate == "40001" || sqlstate == "40P01") return Error::Code::kConflict;
  if (sqlstate == "53300" || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") {
    return Error::Code::kUnavailable;
  }
  if (cls == "08") return Error::Code::kUnavailable;
  if (cls == "23") return Error::Code::kConflict;
  if (cls == "53" || cls == "58" || sqlstate == "25006") return Error::Code::kIo;
  if (cls == "22") return Error::Code::kInvalidArgument;
  return Error::Code::kInternal;
}

bool is_retryable(std::string_view sqlstate) {
  // Not 23505 (unique violation): PostgreSQL reports a concurrent insert of a
  // key this transaction looked for first as 40001, and the store always
  // looks first; a plain duplicate is the caller's error and must not spin.
  return sqlstate == "40001" || sqlstate == "40P01";
}

void ignore_notice(void*, const char*) {}

struct PgResult {
  PGresult* r = nullptr;
  ~PgResult() { PQclear(r); }
};

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(PGconn* conn, std::string target) : conn_(conn), target_(std::move(target)) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  Status begin(TxMode mode, std::string_view purpose) override {
    // Reads take a consistent snapshot and can never fail to serialise.
    auto r = run("begin transaction (" + std::string(purpose) + ")",
                 mode == TxMode::kWrite ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                                        : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                 {}, nullptr);
    if (!r) return r.error();
    return Status::Ok();
  }

  Status commit(std::string_view purpose) override {
    commit_unknown_ = false;
    std::string what = "commit (" + std::string(purpose) + ")";
    PgResult res{PQexec(conn_, "COMMIT")};
    if (PQresultStatus(res.r) != PGRES_COMMAND_OK) {
      Error e = result_error(what, res.r);
      if (!usable()) {
        // The COMMIT may or may not have reached the server.
        commit_unknown_ = true;
        retryable_ = false;
        e.message += "; the outcome of the commit is unknown";
      }
      return e;
    }
    if (std::strcmp(PQcmdStatus(res.r), "ROLLBACK") == 0) {
      retryable_ = false;
      return Error::internal("postgresql " + target_ + ": " + what +
                             ": the server rolled the transaction back");
    }
    return Status::Ok();
  }

  Status rollback() override {
    if (!usable()) return Status::Ok();  // the server rolls back on disconnect
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
    // PQexec runs several statements when there are no parameters.
    PgResult res{PQexec(conn_, std::string(sql).c_str())};
    ExecStatusType st = PQresultStatus(res.r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return result_error(purpose, res.r);
    return Status::Ok();
  }

  bool usable() const override { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }
  bool last_failure_retryable() const override { return retryable_; }
  bool last_commit_unknown() const override { return commit_unknown_; }

 private:
  Error result_error(std::string_view purpose, const PGresult* res) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    std::string msg;
    if (const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr) {
      msg = primary;
      if (const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) {
        msg += std::string(" (") + detail + ")";
      }
    } else {
      msg = PQerrorMessage(conn_);
    }
    msg = one_line(msg);
    retryable_ = is_retryable(sqlstate);
    Error::Code code = error_code(sqlstate);
    // Every error the server sends carries a SQLSTATE; one without comes
    // from libpq itself, i.e. the connection failed. libpq does not always
    // mark the connection bad at once when the server vanished mid-command
    // ("server closed the connection unexpectedly"), so it is retired here.
    if (sqlstate.empty()) broken_ = true;
    if (!usable()) {
      code = Error::Code::kUnavailable;
      msg += " (connection lost)";
    }
    if (!sqlstate.empty()) msg += " (SQLSTATE " + sqlstate + ")";
    return Error{code, "postgresql " + target_ + ": " + std::string(purpose) + ": " + msg};
  }

  static Value column(const PGresult* res, int row, int col) {
    if (PQgetisnull(res, row, col)) return Value();
    const char* p = PQgetvalue(res, row, col);
    std::size_t n = static_cast<std::size_t>(PQgetlength(res, row, col));
    std::string_view s(p, n);
    switch (PQftype(res, col)) {
      case kInt2Oid:
      case kInt4Oid:
      case kInt8Oid:
      case kOidOid: {
        std::int64_t i = 0;
        std::from_chars(s.data(), s.data() + s.size(), i);
        return Value(i);
      }
      case kBoolOid: return Value(static_cast<std::int64_t>(s == "t" ? 1 : 0));
      case kFloat4Oid:
      case kFloat8Oid: return Value(Value(std::string(s)).as_double());
      case kNumericOid: {
        // SUM(bigint) is numeric: keep integers integral.
        if (s.find_first_of(".eEnN") == std::string_view::npos) {
          std::int64_t i = 0;
          auto [q, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
          if (ec == std::errc() && q == s.data() + s.size()) return Value(i);
        }
        return Value(Value(std::string(s)).as_double());
      }
      case kByteaOid: {
        std::size_t len = 0;
        unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(p), &len);
        Blob b(raw, raw + (raw ? len : 0));
        PQfreemem(raw);
        return Value(std::move(b));
      }
      default: return Value(std::string(s));
    }
  }

  Result<std::int64_t> run(std::string_view purpose, std::string_view sql, const Params& params,
                           std::vector<Row>* rows) {
    retryable_ = false;
    const std::size_t n = params.size();
    std::vector<Oid> types(n, 0);
    std::vector<std::string> storage(n);
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0);
    std::vector<int> formats(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const Value& v = params[i];
      switch (v.type()) {
        case Value::Type::kNull: break;
        case Value::Type::kInt:
          types[i] = kInt8Oid;
          storage[i] = v.as_text();
          break;
        case Value::Type::kReal:
          types[i] = kFloat8Oid;
          storage[i] = v.as_text();
          break;
        case Value::Type::kText:
          // Untyped: the server infers the type from the context, as it
          // does for a quoted literal.
          storage[i] = v.as_text();
          break;
        case Value::Type::kBlob: {
          types[i] = kByteaOid;
          Blob b = v.as_blob();
          storage[i].assign(b.begin(), b.end());
          formats[i] = 1;  // binary: the bytes as they are
          break;
        }
      }
      if (!v.is_null()) {
        values[i] = storage[i].c_str();
        lengths[i] = static_cast<int>(storage[i].size());
      }
    }
    PgResult res{PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(n), types.data(),
                              values.data(), lengths.data(), formats.data(), 0)};
    ExecStatusType st = PQresultStatus(res.r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return result_error(purpose, res.r);
    if (rows && st == PGRES_TUPLES_OK) {
      const int nrows = PQntuples(res.r);
      const int ncols = PQnfields(res.r);
      rows->reserve(static_cast<std::size_t>(nrows));
      for (int r = 0; r < nrows; ++r) {
        std::vector<Value> vals;
        vals.reserve(static_cast<std::size_t>(ncols));
        for (int c = 0; c < ncols; ++c) vals.push_back(column(res.r, r, c));
        rows->emplace_back(std::move(vals));
      }
    }
    const char* affected = PQcmdTuples(res.r);
    std::int64_t count = 0;
    if (affected && *affected) std::from_chars(affected, affected + std::strlen(affected), count);
    return count;
  }

  PGconn* conn_;
  bool broken_ = false;  // a libpq-level failure: never reuse this connection
  const std::string target_;
  bool retryable_ = false;
  bool commit_unknown_ = false;
};

class PostgresBackend final : public Backend {
 public:
  PostgresBackend(std::string conninfo, std::string target)
      : conninfo_(std::move(conninfo)), target_(std::move(target)) {}

  std::string_view name() const override { return "postgresql"; }
  const std::string& target() const override { return target_; }

  Result<std::unique_ptr<Connection>> connect() override {
    // Defaults first: keywords in the URL, expanded from dbname, override them.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* vals[] = {"10", "cloudnet", conninfo_.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keys, vals, 1);
    if (conn == nullptr) {
      return Error::unavailable("postgresql " + target_ + ": connect: out of memory");
    }
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string msg = one_line(PQerrorMessage(conn));
      PQfinish(conn);
      return Error::unavailable("postgresql " + target_ + ": connect: " + msg);
    }
    PQsetNoticeProcessor(conn, ignore_notice, nullptr);
    return std::unique_ptr<Connection>(std::make_unique<PostgresConnection>(conn, target_));
  }

 private:
  std::string conninfo_;
  std::string target_;
};

// "user@host:port/dbname" from a URI or conninfo, without the password.
Result<std::string> describe(std::string_view url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(std::string(url).c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err ? one_line(err) : "out of memory";
    PQfreemem(err);
    return Error::invalid("postgresql: bad connection string: " + msg);
  }
  std::string user, host, port, dbname;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    std::string_view k = o->keyword;
    if (k == "user") user = o->val;
    if (k == "host") host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") dbname = o->val;
  }
  PQconninfoFree(opts);
  std::string out;
  if (!user.empty()) out += user + "@";
  out += host.empty() ? std::string("(default host)") : host;
  if (!port.empty()) out += ":" + port;
  out += "/" + dbname;
  return out;
}

}  // namespace

Result<std::unique_ptr<Backend>> make_postgres_backend(std::string_view url,
                                                       const DatabaseOptions& /*options*/) {
  auto target = describe(url);
  if (!target) return target.error();
  return std::unique_ptr<Backend>(
      std::make_unique<PostgresBackend>(std::string(url), std::move(*target)));
}

}  // namespace cloudnet::store
