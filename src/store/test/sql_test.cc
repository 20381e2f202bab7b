// The SQL layer and migrations, the same tests on both backends.
#include "store/sql.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <limits>
#include <thread>
#include <vector>

#include "store/backend.h"
#include "store/migrate.h"
#include "store/test/backends.h"

namespace cloudnet::store::test {
namespace {

template <class Env>
class SqlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Env::SetUpTestSuite(); }
  static void TearDownTestSuite() { Env::TearDownTestSuite(); }

  void SetUp() override {
    Status s = env_.SetUp();
    ASSERT_TRUE(s.ok()) << s.error().message;
    db_ = open();
    ASSERT_NE(db_, nullptr);
  }

  std::unique_ptr<Database> open(DatabaseOptions o = {}) {
    auto db = Database::open(env_.url(), o);
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db ? std::move(*db) : nullptr;
  }

  Status exec(std::string_view sql, const Params& params = {}) {
    return db_->with_transaction(TxMode::kWrite, "test", [&](Transaction& tx) -> Status {
      auto r = tx.exec("test statement", sql, params);
      if (!r) return r.error();
      return Status::Ok();
    });
  }

  std::vector<Row> query(std::string_view sql, const Params& params = {}) {
    std::vector<Row> rows;
    Status s = db_->with_transaction(TxMode::kRead, "test", [&](Transaction& tx) -> Status {
      auto r = tx.query("test query", sql, params);
      if (!r) return r.error();
      rows = std::move(*r);
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.error().message;
    return rows;
  }

  std::int64_t count(std::string_view table) {
    auto rows = query("SELECT COUNT(*) FROM " + std::string(table));
    return rows.empty() ? -1 : rows[0].int64(0);
  }

  Env env_;
  std::unique_ptr<Database> db_;
};

TYPED_TEST_SUITE(SqlTest, Backends, BackendNames);

TYPED_TEST(SqlTest, BackendName) {
  EXPECT_EQ(this->db_->backend(), TypeParam::kName);
}

TYPED_TEST(SqlTest, ValuesRoundTrip) {
  ASSERT_TRUE(this->exec(expand_ddl("CREATE TABLE v (k BIGINT PRIMARY KEY, i BIGINT,"
                                    " d DOUBLE PRECISION, t TEXT, b {blob})",
                                    this->db_->backend()))
                  .ok());
  const Blob bytes = {0, 1, 2, 0xff, 0, 0x7f};
  const std::string unicode = "Grüße, 東京 \xF0\x9F\x8C\x90 'quoted' \"x\" $1 \\";
  struct Case {
    std::int64_t k;
    Value i, d, t, b;
  };
  std::vector<Case> cases = {
      {1, Value(), Value(), Value(), Value()},
      {2, std::numeric_limits<std::int64_t>::max(), 1.5, std::string(""), Blob{}},
      {3, std::numeric_limits<std::int64_t>::min(), -2.25e-300, unicode, bytes},
      {4, 0, 0.1, std::string(100000, 'x'), Blob(70000, 0xab)},
  };
  for (const Case& c : cases) {
    Status s = this->exec("INSERT INTO v (k, i, d, t, b) VALUES ($1, $2, $3, $4, $5)",
                          {c.k, c.i, c.d, c.t, c.b});
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  auto rows = this->query("SELECT k, i, d, t, b FROM v ORDER BY k");
  ASSERT_EQ(rows.size(), cases.size());
  for (std::size_t n = 0; n < cases.size(); ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(rows[n][0], Value(cases[n].k));
    EXPECT_EQ(rows[n][1], cases[n].i);
    EXPECT_EQ(rows[n][2], cases[n].d);
    EXPECT_EQ(rows[n][3], cases[n].t);
    EXPECT_EQ(rows[n][4], cases[n].b);
  }
  // Typed getters, optional getters, aggregates.
  EXPECT_FALSE(rows[0].opt_int64(1).has_value());
  EXPECT_EQ(rows[1].opt_real(2), 1.5);
  EXPECT_EQ(rows[2].blob(4), bytes);
  EXPECT_EQ(rows[2].text(3), unicode);
  auto sum = this->query("SELECT SUM(k), COUNT(*), MAX(d) FROM v");
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_EQ(sum[0][0], Value(std::int64_t{10}));  // integral on both (numeric on PostgreSQL)
  EXPECT_EQ(sum[0].int64(1), 4);
  EXPECT_DOUBLE_EQ(sum[0].real(2), 1.5);
}

TYPED_TEST(SqlTest, ParametersCanRepeat) {
  auto rows = this->query("SELECT $1 + $1, $2", {std::int64_t{21}, "x"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].int64(0), 42);
  EXPECT_EQ(rows[0].text(1), "x");
}

TYPED_TEST(SqlTest, MissingParameterIsAnError) {
  ASSERT_TRUE(this->exec("CREATE TABLE p (a BIGINT)").ok());
  Status s = this->exec("INSERT INTO p (a) VALUES ($2)", {std::int64_t{1}});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(this->count("p"), 0);
}

TYPED_TEST(SqlTest, TextWithNulIsRefusedOnBoth) {
  ASSERT_TRUE(this->exec("CREATE TABLE n (t TEXT)").ok());
  Status s = this->exec("INSERT INTO n (t) VALUES ($1)", {std::string("a\0b", 3)});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Error::Code::kInvalidArgument);
  EXPECT_NE(s.error().message.find("NUL"), std::string::npos) << s.error().message;
}

TYPED_TEST(SqlTest, DestructionRollsBack) {
  ASSERT_TRUE(this->exec("CREATE TABLE r (a BIGINT)").ok());
  {
    auto tx = this->db_->begin(TxMode::kWrite, "test");
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    ASSERT_TRUE((*tx)->exec("insert", "INSERT INTO r (a) VALUES (1)").ok());
  }
  EXPECT_EQ(this->count("r"), 0);
  {
    auto tx = this->db_->begin(TxMode::kWrite, "test");
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->exec("insert", "INSERT INTO r (a) VALUES (2)").ok());
    ASSERT_TRUE((*tx)->commit().ok());
    // Ended: nothing more runs on it.
    EXPECT_FALSE((*tx)->exec("insert", "INSERT INTO r (a) VALUES (3)").ok());
  }
  EXPECT_EQ(this->count("r"), 1);
}

TYPED_TEST(SqlTest, CommittedDataIsVisibleToAnotherConnection) {
  ASSERT_TRUE(this->exec("CREATE TABLE c (a BIGINT)").ok());
  ASSERT_TRUE(this->exec("INSERT INTO c (a) VALUES (7)").ok());
  auto other = this->open();
  ASSERT_NE(other, nullptr);
  auto tx = other->begin(TxMode::kRead, "test");
  ASSERT_TRUE(tx.ok());
  auto row = (*tx)->query_one("read", "SELECT a FROM c");
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((**row).int64(0), 7);
}

TYPED_TEST(SqlTest, FailedStatementPoisonsTheTransaction) {
  ASSERT_TRUE(this->exec("CREATE TABLE f (a BIGINT PRIMARY KEY)").ok());
  auto tx = this->db_->begin(TxMode::kWrite, "test");
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->exec("first insert", "INSERT INTO f (a) VALUES (1)").ok());
  auto dup = (*tx)->exec("duplicate insert", "INSERT INTO f (a) VALUES (1)");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Error::Code::kConflict) << dup.error().message;
  EXPECT_NE(dup.error().message.find("duplicate insert"), std::string::npos);
  // Later statements and the commit report the first error.
  auto later = (*tx)->exec("later insert", "INSERT INTO f (a) VALUES (2)");
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().message, dup.error().message);
  Status c = (*tx)->commit();
  EXPECT_FALSE(c.ok());
  tx->reset();
  EXPECT_EQ(this->count("f"), 0);
}

TYPED_TEST(SqlTest, ErrorNamesBackendPurposeAndDatabaseMessage) {
  Status s = this->exec("SELEKT 1");
  ASSERT_FALSE(s.ok());
  const std::string& m = s.error().message;
  EXPECT_EQ(m.rfind(std::string(TypeParam::kName) + " ", 0), 0u) << m;
  EXPECT_NE(m.find("test statement"), std::string::npos) << m;
  EXPECT_NE(m.find("syntax error"), std::string::npos) << m;
}

TYPED_TEST(SqlTest, ReadTransactionRefusesWrites) {
  ASSERT_TRUE(this->exec("CREATE TABLE w (a BIGINT)").ok());
  Status s = this->db_->with_transaction(TxMode::kRead, "test", [](Transaction& tx) -> Status {
    auto r = tx.exec("write in a read transaction", "INSERT INTO w (a) VALUES (1)");
    if (!r) return r.error();
    return Status::Ok();
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(this->count("w"), 0);
}

// Read-modify-write from several threads: without serialisable writes (or
// with lost retries) increments would get lost.
TYPED_TEST(SqlTest, ConcurrentReadModifyWriteLosesNothing) {
  ASSERT_TRUE(this->exec("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)").ok());
  ASSERT_TRUE(this->exec("INSERT INTO counter (id, n) VALUES (1, 0)").ok());
  constexpr int kThreads = 4, kIncrements = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto db = Database::open(this->env_.url());
      if (!db) {
        ++failures;
        return;
      }
      for (int i = 0; i < kIncrements; ++i) {
        Status s = (*db)->with_transaction(TxMode::kWrite, "increment", [](Transaction& tx) {
          auto row = tx.query_one("read", "SELECT n FROM counter WHERE id = 1");
          if (!row) return Status(row.error());
          auto n =
              tx.exec("write", "UPDATE counter SET n = $1 WHERE id = 1", {(**row).int64(0) + 1});
          if (!n) return Status(n.error());
          return Status::Ok();
        });
        if (!s) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto rows = this->query("SELECT n FROM counter WHERE id = 1");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].int64(0), kThreads * kIncrements);
}

// --- Migrations

std::vector<Migration> test_steps(int n) {
  std::vector<Migration> all = {
      {1, "one", "CREATE TABLE m1 (id {id}, x TEXT NOT NULL)", "", ""},
      {2, "two", "CREATE TABLE m2 (a BIGINT); CREATE INDEX m2_a ON m2 (a)", "", ""},
      // Valid first statement, then a broken one: the whole step must vanish.
      {3, "broken", "CREATE TABLE m3 (a BIGINT); CREATE TABLE m3b (a NOSUCHTYPE(", "", ""},
  };
  all.resize(static_cast<std::size_t>(n));
  return all;
}

TYPED_TEST(SqlTest, MigrationsApplyOnceAndRecordVersions) {
  auto v0 = schema_version(*this->db_);
  ASSERT_TRUE(v0.ok()) << v0.error().message;
  EXPECT_EQ(*v0, 0);
  auto v = migrate(*this->db_, test_steps(1));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, 1);
  v = migrate(*this->db_, test_steps(2));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, 2);
  v = migrate(*this->db_, test_steps(2));  // nothing to do
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 2);
  auto rows = this->query("SELECT version, description FROM schema_version ORDER BY version");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].text(1), "two");
  // {id} is an auto-increment key on both.
  ASSERT_TRUE(this->exec("INSERT INTO m1 (x) VALUES ('a')").ok());
  ASSERT_TRUE(this->exec("INSERT INTO m1 (x) VALUES ('b')").ok());
  auto ids = this->query("SELECT id FROM m1 ORDER BY id");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_LT(ids[0].int64(0), ids[1].int64(0));
}

TYPED_TEST(SqlTest, FailedMigrationStepLeavesNothing) {
  ASSERT_TRUE(migrate(*this->db_, test_steps(2)).ok());
  auto v = migrate(*this->db_, test_steps(3));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("schema step 3 (broken)"), std::string::npos)
      << v.error().message;
  auto now = schema_version(*this->db_);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(*now, 2);
  // m3 was created by the step's first statement and must be gone with it.
  EXPECT_FALSE(this->exec("INSERT INTO m3 (a) VALUES (1)").ok());
}

TYPED_TEST(SqlTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(migrate(*this->db_, test_steps(2)).ok());
  auto v = migrate(*this->db_, test_steps(1));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, Error::Code::kConflict);
  EXPECT_NE(v.error().message.find("newer"), std::string::npos) << v.error().message;
}

TYPED_TEST(SqlTest, BadlyNumberedStepsAreABug) {
  std::vector<Migration> steps = test_steps(2);
  steps[1].version = 3;
  auto v = migrate(*this->db_, steps);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, Error::Code::kInternal);
}

TYPED_TEST(SqlTest, ConcurrentMigratorsAgree) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto db = Database::open(this->env_.url());
      if (!db) {
        ++failures;
        return;
      }
      auto v = migrate(**db, test_steps(2));
      if (!v || *v != 2) {
        ADD_FAILURE() << (v ? "version " + std::to_string(*v) : v.error().message);
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(this->count("schema_version"), 2);
}

// --- Backend-specific

TEST(SqliteTest, MemoryDatabaseIsOneConnection) {
  DatabaseOptions o;
  o.max_connections = 8;
  auto db = Database::open("sqlite::memory:", o);
  ASSERT_TRUE(db.ok()) << db.error().message;
  Status s = (*db)->with_transaction(TxMode::kWrite, "t", [](Transaction& tx) -> Status {
    if (auto r = tx.exec("create", "CREATE TABLE x (a BIGINT)"); !r) return r.error();
    if (auto r = tx.exec("insert", "INSERT INTO x VALUES (1)"); !r) return r.error();
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  // Seen by the next transaction: the same (only) connection.
  auto tx = (*db)->begin(TxMode::kRead);
  ASSERT_TRUE(tx.ok());
  auto row = (*tx)->query_one("read", "SELECT COUNT(*) FROM x");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ((**row).int64(0), 1);
}

TEST(SqliteTest, BadUrlsAndPaths) {
  auto e1 = Database::open("sqlite:");
  ASSERT_FALSE(e1.ok());
  EXPECT_EQ(e1.error().code, Error::Code::kInvalidArgument);
  auto e2 = Database::open("sqlite:/tmp/x.db?mode=wat");
  ASSERT_FALSE(e2.ok());
  EXPECT_NE(e2.error().message.find("mode"), std::string::npos);
  auto e3 = Database::open("mysql://localhost/db");
  ASSERT_FALSE(e3.ok());
  EXPECT_NE(e3.error().message.find("unknown database URL scheme 'mysql'"), std::string::npos)
      << e3.error().message;
  auto e4 = Database::open("sqlite:/nonexistent-dir-cloudnet/sub/x.db");
  ASSERT_FALSE(e4.ok());
  EXPECT_EQ(e4.error().code, Error::Code::kIo);
  EXPECT_NE(e4.error().message.find("SQLITE_CANTOPEN"), std::string::npos) << e4.error().message;
}

TEST(SqliteTest, NotADatabaseFile) {
  SqliteEnv env;
  ASSERT_TRUE(env.SetUp().ok());
  std::ofstream(env.path()) << "this is not a database, just some text that is long enough to "
                               "fill the header of a real one............................";
  auto db = Database::open(env.url());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Error::Code::kIo);
  EXPECT_NE(db.error().message.find("SQLITE_NOTADB"), std::string::npos) << db.error().message;
}

TEST(SqliteTest, RegistryKnowsBothBackends) {
  EXPECT_EQ(default_registry().names(), (std::vector<std::string>{"postgresql", "sqlite"}));
  BackendRegistry r;
  ASSERT_TRUE(register_builtin_backends(r).ok());
  EXPECT_FALSE(register_builtin_backends(r).ok());  // twice: names taken
}

TEST(PostgresTest, ConnectionRefusedIsReportedAtOpen) {
  // A port nobody listens on: bind, read the port, close.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  auto db = Database::open("postgresql://nobody:secret@127.0.0.1:" + std::to_string(port) + "/db");
  ASSERT_FALSE(db.ok());
  const std::string& m = db.error().message;
  EXPECT_EQ(db.error().code, Error::Code::kUnavailable);
  EXPECT_EQ(m.rfind("postgresql nobody@127.0.0.1:" + std::to_string(port) + "/db: connect: ", 0),
            0u)
      << m;
  EXPECT_NE(m.find("refused"), std::string::npos) << m;
  EXPECT_EQ(m.find("secret"), std::string::npos) << "the password leaked: " << m;
}

TEST(PostgresTest, ConninfoStringsSelectPostgres) {
  // No server needed: the conninfo form is recognised and connecting fails.
  auto db = Database::open("host=/nonexistent-cloudnet-socket-dir port=5 dbname=x user=y");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().message.rfind("postgresql y@/nonexistent-cloudnet-socket-dir:5/x", 0), 0u)
      << db.error().message;
}

}  // namespace
}  // namespace cloudnet::store::test
