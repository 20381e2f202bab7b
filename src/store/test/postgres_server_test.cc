// The PostgreSQL test server itself, and the faults only a real server has:
// a crash and restart of the server, a full disk.
#include "store/testing/postgres_server.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "store/provider_store.h"

namespace cloudnet::store::testing {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr std::int64_t kMinute = 60'000;

PostgresServer::Options options() {
  PostgresServer::Options o;
  o.template_cache = std::string(CLOUDNET_BINARY_DIR) + "/store-test-pgdata";
  return o;
}

NewVNet vnet(std::string id, std::int64_t expires_at, std::vector<Reservation> r) {
  return NewVNet{std::move(id), std::string("c"), expires_at, std::move(r), {}, {}};
}

TEST(PostgresServerTest, StartsServesAndCleansUp) {
  PostgresServer::Options o = options();
  o.tcp = true;
  auto server = PostgresServer::start(o);
  ASSERT_TRUE(server.ok()) << server.error().message;
  const std::string dir = (*server)->dir();
  EXPECT_TRUE(std::filesystem::exists(dir + "/data/PG_VERSION"));
  auto url = (*server)->create_database("alpha");
  ASSERT_TRUE(url.ok()) << url.error().message;
  for (const std::string& u : {*url, (*server)->tcp_url("alpha")}) {
    auto db = Database::open(u);
    ASSERT_TRUE(db.ok()) << u << ": " << db.error().message;
    EXPECT_EQ((*db)->backend(), "postgresql");
  }
  EXPECT_FALSE((*server)->create_database("Bad-Name").ok());
  EXPECT_FALSE((*server)->create_database("alpha").ok());  // exists
  server->reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(PostgresServerTest, MissingBinariesFailWithAClearMessage) {
  PostgresServer::Options o;
  o.bindir = "/nonexistent/postgresql/bin";
  auto server = PostgresServer::start(o);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().message.find("not found"), std::string::npos);
  EXPECT_NE(server.error().message.find("install-deps.sh"), std::string::npos);
}

// The server crashes (immediate shutdown, no checkpoint) and comes back:
// committed state is there, the store's pooled connections recover.
TEST(PostgresServerTest, ServerCrashKeepsCommittedState) {
  auto server = PostgresServer::start(options());
  ASSERT_TRUE(server.ok()) << server.error().message;
  auto url = (*server)->create_database("crash");
  ASSERT_TRUE(url.ok()) << url.error().message;
  ManualClock clock(kT0);
  ProviderStore::Options so;
  so.clock = &clock;
  auto store = ProviderStore::open(*url, so);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ProviderStore& s = **store;
  ASSERT_TRUE(s.put_substrate({"flerd+yaml", "x"}, {{"h/cpu", 4}}).ok());
  ASSERT_TRUE(s.reserve(vnet("kept", kT0 + kMinute, {{"h/cpu", 1}})).ok());
  ASSERT_TRUE(s.confirm("kept").ok());
  ASSERT_TRUE(s.reserve(vnet("tent", kT0 + kMinute, {{"h/cpu", 2}})).ok());

  ASSERT_TRUE((*server)->crash().ok());
  auto down = s.get_vnet("kept");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, Error::Code::kUnavailable) << down.error().message;

  ASSERT_TRUE((*server)->restart().ok());
  auto kept = s.get_vnet("kept");
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  EXPECT_EQ(kept->state, VNetState::kConfirmed);
  EXPECT_EQ(s.get_vnet("tent").value().state, VNetState::kTentative);
  clock.set(kT0 + kMinute);
  auto due = s.expire_due();
  ASSERT_TRUE(due.ok()) << due.error().message;
  EXPECT_EQ(*due, (std::vector<std::string>{"tent"}));
  EXPECT_DOUBLE_EQ(s.free_capacity().value()["h/cpu"], 3);
}

// Unmounts and removes a directory when the test ends (after the server,
// declared later, has stopped).
struct TmpfsMount {
  std::string dir;
  bool mounted = false;
  ~TmpfsMount() {
    if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
    if (!dir.empty()) ::rmdir(dir.c_str());
  }
};

// A real full disk: the documents table lives in a tablespace on a 1 MiB
// tmpfs. Needs the right to mount (root with CAP_SYS_ADMIN); skipped
// otherwise, since the SQLite suite covers the logic and this only the
// server's own error path.
TEST(PostgresServerTest, DiskFullLeavesNoPartialRows) {
  TmpfsMount mount;
  {
    std::string templ = "/tmp/cloudnet-pgfull-XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    mount.dir = templ;
  }
  if (::geteuid() != 0 ||
      ::mount("tmpfs", mount.dir.c_str(), "tmpfs", 0, "size=1m,mode=0700") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root with CAP_SYS_ADMIN)";
  }
  mount.mounted = true;
  struct passwd* pg = ::getpwnam("postgres");
  ASSERT_NE(pg, nullptr);
  ASSERT_EQ(::chown(mount.dir.c_str(), pg->pw_uid, pg->pw_gid), 0);

  auto server = PostgresServer::start(options());
  ASSERT_TRUE(server.ok()) << server.error().message;
  auto url = (*server)->create_database("diskfull");
  ASSERT_TRUE(url.ok()) << url.error().message;
  ASSERT_TRUE((*server)->admin("CREATE TABLESPACE tiny LOCATION '" + mount.dir + "'").ok());
  ManualClock clock(kT0);
  ProviderStore::Options so;
  so.clock = &clock;
  auto store = ProviderStore::open(*url, so);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ProviderStore& s = **store;
  ASSERT_TRUE(s.put_substrate({"flerd+yaml", "x"}, {{"h/cpu", 4}}).ok());
  ASSERT_TRUE(s.reserve(vnet("small", kT0 + kMinute, {{"h/cpu", 1}})).ok());
  Status moved = s.database().with_transaction(TxMode::kWrite, "move", [](Transaction& tx) {
    auto n = tx.exec("move documents to the tiny tablespace",
                     "ALTER TABLE vnet_documents SET TABLESPACE tiny");
    return n ? Status::Ok() : Status(n.error());
  });
  ASSERT_TRUE(moved.ok()) << moved.error().message;

  NewVNet big = vnet("big", kT0 + kMinute, {{"h/cpu", 2}});
  std::mt19937 rng(1);
  std::string body(3 << 20, ' ');
  for (char& c : body) c = static_cast<char>('!' + rng() % 90);  // barely compressible
  big.documents = {{Layer::kML, {"flerd+yaml", body}}};
  auto r = s.reserve(big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kIo) << r.error().message;
  EXPECT_NE(r.error().message.find("SQLSTATE 53100"), std::string::npos) << r.error().message;
  EXPECT_EQ(s.get_vnet("big").error().code, Error::Code::kNotFound);
  EXPECT_DOUBLE_EQ(s.usage().value()["h/cpu"].reserved, 1);
  auto problems = s.check_consistency();
  ASSERT_TRUE(problems.ok());
  EXPECT_TRUE(problems->empty());
  EXPECT_TRUE(s.confirm("small").ok());
  store->reset();
  server->reset();  // stop before the tmpfs goes away
}

}  // namespace
}  // namespace cloudnet::store::testing
