// The provider store, the same suite on both backends: CRUD, the state
// machine, reserve/confirm/cancel/expire, durability across a SIGKILL,
// racing reservations, idempotency, a read-only database, failed writes.
#include "store/provider_store.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <latch>
#include <random>
#include <thread>

#include "store/test/backends.h"

namespace cloudnet::store::test {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;  // ms
constexpr std::int64_t kMinute = 60'000;

const Document kSubstrateDoc{"flerd+yaml", "ul: [host1, host2]\n"};

NewVNet make_vnet(std::string id, std::string customer, std::int64_t expires_at,
                  std::vector<Reservation> reservations) {
  NewVNet v;
  v.id = std::move(id);
  v.customer = std::move(customer);
  v.expires_at = expires_at;
  v.reservations = std::move(reservations);
  return v;
}

template <class Env>
class ProviderStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Env::SetUpTestSuite(); }
  static void TearDownTestSuite() { Env::TearDownTestSuite(); }

  void SetUp() override {
    Status s = env_.SetUp();
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<ProviderStore> open(const std::string& url = {}) {
    ProviderStore::Options o;
    o.clock = &clock_;
    auto s = ProviderStore::open(url.empty() ? env_.url() : url, o);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  // Two hosts with cpu and memory, one link with bandwidth.
  void seed_substrate() {
    auto v = store_->put_substrate(
        kSubstrateDoc, {{"host1/cpu", 8}, {"host1/mem", 16}, {"host2/cpu", 4}, {"link12/bw", 100}});
    ASSERT_TRUE(v.ok()) << v.error().message;
  }

  double reserved(const std::string& resource) {
    auto u = store_->usage();
    EXPECT_TRUE(u.ok()) << u.error().message;
    return u ? (*u)[resource].reserved : -1;
  }

  void expect_consistent() {
    auto problems = store_->check_consistency();
    ASSERT_TRUE(problems.ok()) << problems.error().message;
    EXPECT_TRUE(problems->empty()) << problems->front();
  }

  template <class T>
  T value_of(Result<T> r) {
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? std::move(r).value() : T{};
  }

  Env env_;
  ManualClock clock_{kT0};
  std::unique_ptr<ProviderStore> store_;
};

TYPED_TEST_SUITE(ProviderStoreTest, Backends, BackendNames);

TYPED_TEST(ProviderStoreTest, OpensMigratedAndReopens) {
  auto v = schema_version(this->store_->database());
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, static_cast<int>(provider_migrations().size()));
  this->store_.reset();
  this->store_ = this->open();
  ASSERT_NE(this->store_, nullptr);
  EXPECT_EQ(this->store_->database().backend(), TypeParam::kName);
}

TYPED_TEST(ProviderStoreTest, SubstrateIsVersioned) {
  this->seed_substrate();
  Document second{"flerd+yaml", "ul: [host1]\n"};
  ASSERT_TRUE(this->store_->reserve(make_vnet("a", "c", kT0 + kMinute, {{"host2/cpu", 1}})).ok());
  // host2/cpu is reserved: it stays with capacity 0; host1/mem is free: it goes.
  auto v2 = this->store_->put_substrate(second, {{"host1/cpu", 10}, {"link12/bw", 100}});
  ASSERT_TRUE(v2.ok()) << v2.error().message;
  EXPECT_EQ(*v2, 2);
  auto latest = this->store_->read("substrate", [](ProviderTx& tx) { return tx.substrate(); });
  ASSERT_TRUE(latest.ok()) << latest.error().message;
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->document, second);
  auto usage = this->value_of(this->store_->usage());
  EXPECT_EQ(usage.count("host1/mem"), 0u);
  EXPECT_DOUBLE_EQ(usage["host1/cpu"].capacity, 10);
  EXPECT_DOUBLE_EQ(usage["host2/cpu"].capacity, 0);
  EXPECT_DOUBLE_EQ(usage["host2/cpu"].reserved, 1);
  auto problems = this->value_of(this->store_->check_consistency());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("host2/cpu"), std::string::npos);
  // Bad input.
  EXPECT_FALSE(this->store_->put_substrate(second, {{"x", -1}}).ok());
  EXPECT_FALSE(this->store_->put_substrate(Document{"", "x"}, {}).ok());
}

TYPED_TEST(ProviderStoreTest, ReserveStoresEverythingAndConfirm) {
  this->seed_substrate();
  NewVNet req =
      make_vnet("vnet-1", "alice", kT0 + 5 * kMinute,
                {{"host1/cpu", 2}, {"host1/mem", 4}, {"link12/bw", 10}, {"host1/cpu", 1}});
  req.elements = {{"web", ElementKind::kNode, "reserved", "host1"},
                  {"db", ElementKind::kNode, "reserved", "host1"},
                  {"web-db", ElementKind::kLink, "reserved", "link12"}};
  req.documents = {{Layer::kOL0, {"flerd+yaml", "ol0: request"}},
                   {Layer::kOL1, {"flerd+json", "{\"ol1\": true}"}},
                   {Layer::kML, {"flerd+xml", "<ml/>"}}};
  auto v = this->store_->reserve(req);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->state, VNetState::kTentative);
  EXPECT_EQ(v->expires_at, kT0 + 5 * kMinute);
  EXPECT_EQ(v->created_at, kT0);

  auto stored = this->value_of(this->store_->get_vnet("vnet-1"));
  EXPECT_EQ(stored.customer, "alice");
  EXPECT_EQ(stored.state, VNetState::kTentative);
  EXPECT_EQ(stored.expires_at, kT0 + 5 * kMinute);
  EXPECT_EQ(stored.revision, 1);

  Status s = this->store_->read("check", [&](ProviderTx& tx) -> Status {
    auto res = tx.reservations("vnet-1");
    if (!res) return res.error();
    // Repeated resources are summed.
    EXPECT_EQ(*res,
              (std::vector<Reservation>{{"host1/cpu", 3}, {"host1/mem", 4}, {"link12/bw", 10}}));
    auto els = tx.elements("vnet-1");
    if (!els) return els.error();
    EXPECT_EQ(els->size(), 3u);
    EXPECT_EQ((*els)[2], (Element{"web-db", ElementKind::kLink, "reserved", "link12"}));
    auto ml = tx.document("vnet-1", Layer::kML);
    if (!ml) return ml.error();
    EXPECT_EQ(*ml, (Document{"flerd+xml", "<ml/>"}));
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 3);
  auto free = this->value_of(this->store_->free_capacity());
  EXPECT_DOUBLE_EQ(free["host1/cpu"], 5);
  EXPECT_DOUBLE_EQ(free["host2/cpu"], 4);

  this->clock_.advance(kMinute);
  auto c = this->store_->confirm("vnet-1");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->state, VNetState::kConfirmed);
  EXPECT_FALSE(c->expires_at.has_value());
  EXPECT_EQ(c->revision, 2);
  EXPECT_EQ(c->updated_at, kT0 + kMinute);
  // Confirmed VNets keep their reservations and do not expire.
  this->clock_.advance(60 * kMinute);
  EXPECT_TRUE(this->value_of(this->store_->expire_due()).empty());
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 3);

  // Replace documents and elements.
  s = this->store_->write("update", [](ProviderTx& tx) -> Status {
    if (Status e = tx.put_document("vnet-1", Layer::kML, {"flerd+yaml", "ml: v2"}); !e) return e;
    return tx.put_elements("vnet-1", {{"web", ElementKind::kNode, "running", "host2"}});
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto ml =
      this->store_->read("ml", [](ProviderTx& tx) { return tx.document("vnet-1", Layer::kML); });
  ASSERT_TRUE(ml.ok());
  EXPECT_EQ(ml->body, "ml: v2");
  auto els = this->store_->read("els", [](ProviderTx& tx) { return tx.elements("vnet-1"); });
  ASSERT_TRUE(els.ok());
  EXPECT_EQ((*els)[1], (Element{"web", ElementKind::kNode, "running", "host2"}));
  // Missing things are kNotFound.
  auto none = this->store_->get_vnet("nope");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Error::Code::kNotFound);
  Status orphan = this->store_->write("orphan", [](ProviderTx& tx) {
    return tx.put_document("nope", Layer::kOL0, {"flerd+yaml", "x"});
  });
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, Error::Code::kNotFound);

  // The journal saw it all, in order.
  auto events = this->store_->read("events", [](ProviderTx& tx) { return tx.events(); });
  ASSERT_TRUE(events.ok());
  std::vector<std::string> kinds;
  for (const Event& e : *events) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"substrate", "reserved", "confirmed"}));
  this->expect_consistent();
}

TYPED_TEST(ProviderStoreTest, ListsByCustomer) {
  this->seed_substrate();
  for (const char* id : {"b2", "a1", "c3"}) {
    std::string customer = std::string(id) == "c3" ? "carol" : "alice";
    ASSERT_TRUE(
        this->store_->reserve(make_vnet(id, customer, kT0 + kMinute, {{"host1/cpu", 1}})).ok());
  }
  ASSERT_TRUE(this->store_->cancel("b2").ok());
  auto alice = this->value_of(this->store_->list_vnets("alice"));
  ASSERT_EQ(alice.size(), 1u);
  EXPECT_EQ(alice[0].id, "a1");
  auto alice_all = this->value_of(this->store_->list_vnets("alice", true));
  ASSERT_EQ(alice_all.size(), 2u);
  EXPECT_EQ(alice_all[1].state, VNetState::kDeleted);
  EXPECT_EQ(this->value_of(this->store_->list_vnets()).size(), 2u);
  EXPECT_TRUE(this->value_of(this->store_->list_vnets("nobody")).empty());
}

TYPED_TEST(ProviderStoreTest, StateMachine) {
  this->seed_substrate();
  ASSERT_TRUE(this->store_->reserve(make_vnet("v", "c", kT0 + kMinute, {{"host1/cpu", 2}})).ok());
  // Illegal: skipping confirmation. The state stays.
  auto bad = this->store_->transition("v", VNetState::kRunning);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Error::Code::kConflict);
  EXPECT_NE(bad.error().message.find("tentative -> running"), std::string::npos)
      << bad.error().message;
  EXPECT_EQ(this->value_of(this->store_->get_vnet("v")).state, VNetState::kTentative);

  using S = VNetState;
  for (S to : {S::kConfirmed, S::kProvisioning, S::kRunning, S::kStopped, S::kRunning,
               S::kProvisioning, S::kRunning, S::kFailed, S::kDeleting}) {
    auto r = this->store_->transition("v", to, "test");
    ASSERT_TRUE(r.ok()) << to_string(to) << ": " << r.error().message;
    EXPECT_EQ(r->state, to);
    EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 2) << "held while " << to_string(to);
  }
  // Same-state and backward transitions are illegal too.
  EXPECT_FALSE(this->store_->transition("v", S::kDeleting).ok());
  EXPECT_FALSE(this->store_->transition("v", S::kTentative).ok());
  auto gone = this->store_->transition("v", S::kDeleted);
  ASSERT_TRUE(gone.ok()) << gone.error().message;
  EXPECT_EQ(gone->revision, 11);
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 0);
  // Deleted is final.
  for (S to : {S::kTentative, S::kConfirmed, S::kRunning, S::kDeleting, S::kFailed}) {
    EXPECT_FALSE(this->store_->transition("v", to).ok()) << to_string(to);
  }
  EXPECT_FALSE(this->store_->transition("nope", S::kConfirmed).ok());
  // The table itself.
  EXPECT_TRUE(transition_allowed(S::kTentative, S::kDeleted));
  EXPECT_FALSE(transition_allowed(S::kTentative, S::kProvisioning));
  EXPECT_FALSE(transition_allowed(S::kConfirmed, S::kTentative));
  EXPECT_FALSE(transition_allowed(S::kDeleted, S::kDeleted));
  for (S s : {S::kTentative, S::kConfirmed, S::kRunning, S::kDeleted}) {
    EXPECT_EQ(parse_vnet_state(to_string(s)).value(), s);
  }
  EXPECT_FALSE(parse_vnet_state("zombie").ok());
  this->expect_consistent();
}

TYPED_TEST(ProviderStoreTest, CancelReleases) {
  this->seed_substrate();
  ASSERT_TRUE(this->store_->reserve(make_vnet("t", "c", kT0 + kMinute, {{"host2/cpu", 4}})).ok());
  EXPECT_DOUBLE_EQ(this->value_of(this->store_->free_capacity())["host2/cpu"], 0);
  auto c = this->store_->cancel("t");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->state, VNetState::kDeleted);
  EXPECT_DOUBLE_EQ(this->value_of(this->store_->free_capacity())["host2/cpu"], 4);
  // A retried cancel is harmless; confirming a cancelled VNet is not.
  EXPECT_TRUE(this->store_->cancel("t").ok());
  auto conf = this->store_->confirm("t");
  ASSERT_FALSE(conf.ok());
  EXPECT_EQ(conf.error().code, Error::Code::kConflict);
  // A confirmed VNet is deleted, not cancelled.
  ASSERT_TRUE(this->store_->reserve(make_vnet("k", "c", kT0 + kMinute, {{"host2/cpu", 4}})).ok());
  ASSERT_TRUE(this->store_->confirm("k").ok());
  auto cc = this->store_->cancel("k");
  ASSERT_FALSE(cc.ok());
  EXPECT_EQ(cc.error().code, Error::Code::kConflict);
  EXPECT_DOUBLE_EQ(this->reserved("host2/cpu"), 4);
  this->expect_consistent();
}

TYPED_TEST(ProviderStoreTest, ConfirmIsIdempotentAndExpiryWins) {
  this->seed_substrate();
  ASSERT_TRUE(this->store_->reserve(make_vnet("a", "c", kT0 + kMinute, {{"host1/cpu", 8}})).ok());
  auto first = this->value_of(this->store_->confirm("a"));
  auto again = this->value_of(this->store_->confirm("a"));
  EXPECT_EQ(again.revision, first.revision);  // unchanged
  EXPECT_EQ(again.state, VNetState::kConfirmed);

  ASSERT_TRUE(this->store_->reserve(make_vnet("b", "c", kT0 + kMinute, {{"host2/cpu", 4}})).ok());
  this->clock_.set(kT0 + kMinute);  // exactly at the expiry: expired
  auto late = this->store_->confirm("b");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, Error::Code::kConflict);
  EXPECT_NE(late.error().message.find("expired"), std::string::npos) << late.error().message;
  // Already not counted, before anyone sweeps.
  EXPECT_DOUBLE_EQ(this->reserved("host2/cpu"), 0);
  // A new reservation sweeps it and takes its capacity.
  auto next = this->store_->reserve(make_vnet("n", "d", kT0 + 2 * kMinute, {{"host2/cpu", 4}}));
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(this->value_of(this->store_->get_vnet("b")).state, VNetState::kDeleted);
  // expire_due: releases exactly the due ones, once.
  this->clock_.set(kT0 + 2 * kMinute + 1);
  EXPECT_EQ(this->value_of(this->store_->expire_due()), (std::vector<std::string>{"n"}));
  EXPECT_TRUE(this->value_of(this->store_->expire_due()).empty());
  EXPECT_DOUBLE_EQ(this->reserved("host2/cpu"), 0);
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 8);  // the confirmed one
  this->expect_consistent();
}

TYPED_TEST(ProviderStoreTest, ReserveRefusesOverbookingAndBadRequests) {
  this->seed_substrate();
  ASSERT_TRUE(
      this->store_
          ->reserve(make_vnet("a", "c", kT0 + kMinute, {{"host1/cpu", 6}, {"link12/bw", 50}}))
          .ok());
  auto tight = this->store_->reserve(
      make_vnet("b", "c", kT0 + kMinute, {{"host1/cpu", 3}, {"link12/bw", 60}, {"host2/cpu", 1}}));
  ASSERT_FALSE(tight.ok());
  EXPECT_EQ(tight.error().code, Error::Code::kInfeasible);
  const std::string& m = tight.error().message;
  EXPECT_NE(m.find("host1/cpu: requested 3, free 2 of 8"), std::string::npos) << m;
  EXPECT_NE(m.find("link12/bw: requested 60, free 50 of 100"), std::string::npos) << m;
  EXPECT_EQ(m.find("host2/cpu"), std::string::npos) << m;
  EXPECT_EQ(this->store_->get_vnet("b").error().code, Error::Code::kNotFound);
  // Exactly the rest fits.
  ASSERT_TRUE(this->store_->reserve(make_vnet("b", "c", kT0 + kMinute, {{"host1/cpu", 2}})).ok());
  auto dup = this->store_->reserve(make_vnet("b", "c", kT0 + kMinute, {{"host2/cpu", 1}}));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Error::Code::kConflict);

  auto expect_invalid = [&](const NewVNet& v, const char* what) {
    auto r = this->store_->reserve(v);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, Error::Code::kInvalidArgument) << what << ": " << r.error().message;
  };
  expect_invalid(make_vnet("x", "c", kT0 + kMinute, {{"nosuch/cpu", 1}}), "unknown resource");
  expect_invalid(make_vnet("x", "c", kT0 + kMinute, {{"host2/cpu", 0}}), "zero amount");
  expect_invalid(make_vnet("x", "c", kT0 + kMinute, {{"host2/cpu", -1}}), "negative amount");
  expect_invalid(make_vnet("x", "c", kT0, {{"host2/cpu", 1}}), "expiry not in the future");
  expect_invalid(make_vnet("", "c", kT0 + kMinute, {}), "no id");
  expect_invalid(make_vnet("x", "", kT0 + kMinute, {}), "no customer");
  NewVNet twice = make_vnet("x", "c", kT0 + kMinute, {});
  twice.documents = {{Layer::kML, {"flerd+yaml", "a"}}, {Layer::kML, {"flerd+yaml", "b"}}};
  expect_invalid(twice, "two ML documents");
  this->expect_consistent();
}

// A database error in the middle of reserve (after the vnet row and the
// reservations were inserted): nothing of it may remain.
TYPED_TEST(ProviderStoreTest, FailedWriteLeavesNoPartialRows) {
  this->seed_substrate();
  NewVNet req = make_vnet("half", "c", kT0 + kMinute, {{"host1/cpu", 1}, {"host2/cpu", 1}});
  req.elements = {{"n1", ElementKind::kNode, "reserved", "host1"},
                  {"n1", ElementKind::kNode, "reserved", "host2"}};  // duplicate key
  auto r = this->store_->reserve(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kConflict) << r.error().message;
  EXPECT_NE(r.error().message.find("insert element 'n1'"), std::string::npos) << r.error().message;
  EXPECT_EQ(this->store_->get_vnet("half").error().code, Error::Code::kNotFound);
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 0);
  auto counts = this->store_->read("count", [](ProviderTx& tx) -> Result<std::int64_t> {
    auto row = tx.sql().query_one("count",
                                  "SELECT (SELECT COUNT(*) FROM reservations) +"
                                  " (SELECT COUNT(*) FROM vnet_elements) +"
                                  " (SELECT COUNT(*) FROM vnets)");
    if (!row) return row.error();
    return (**row).int64(0);
  });
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(*counts, 0);
  this->expect_consistent();
}

TYPED_TEST(ProviderStoreTest, ReadTransactionsRefuseWrites) {
  this->seed_substrate();
  auto r = this->store_->read("sneaky", [](ProviderTx& tx) {
    return tx.reserve(make_vnet("x", "c", kT0 + kMinute, {{"host1/cpu", 1}}));
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kInternal);
  EXPECT_EQ(this->store_->get_vnet("x").error().code, Error::Code::kNotFound);
}

TYPED_TEST(ProviderStoreTest, JournalIsAppendOnly) {
  this->seed_substrate();
  for (const char* sql : {"UPDATE events SET kind = 'forged'", "DELETE FROM events"}) {
    Status s = this->store_->write("tamper", [&](ProviderTx& tx) -> Status {
      auto n = tx.sql().exec("tamper with the journal", sql);
      if (!n) return n.error();
      return Status::Ok();
    });
    ASSERT_FALSE(s.ok()) << sql;
    EXPECT_NE(s.error().message.find("append-only"), std::string::npos) << s.error().message;
  }
  auto events = this->store_->read("events", [](ProviderTx& tx) { return tx.events(); });
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, "substrate");
  EXPECT_EQ((*events)[0].at, kT0);
}

TYPED_TEST(ProviderStoreTest, IdempotencyKeys) {
  this->seed_substrate();
  int runs = 0;
  auto create = [&](ProviderTx& tx) -> Result<std::string> {
    ++runs;
    auto v = tx.reserve(make_vnet("idem-1", "alice", tx.now() + kMinute, {{"host1/cpu", 2}}));
    if (!v) return v.error();
    return std::string("{\"vnet\": \"idem-1\"}");
  };
  IdempotencyKey key{"alice", "req-42", "sha256:aaaa"};
  auto first = this->store_->idempotent(key, create);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->replayed);
  auto retry = this->store_->idempotent(key, create);
  ASSERT_TRUE(retry.ok()) << retry.error().message;
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->response, first->response);
  EXPECT_EQ(runs, 1);
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 2);  // not double-allocated
  // Same key, another request: a conflict, nothing runs.
  auto other = this->store_->idempotent({"alice", "req-42", "sha256:bbbb"}, create);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Error::Code::kConflict);
  EXPECT_EQ(runs, 1);
  // Keys are per customer.
  auto bob = this->store_->idempotent(
      {"bob", "req-42", "sha256:bbbb"},
      [](ProviderTx&) -> Result<std::string> { return std::string("bob"); });
  ASSERT_TRUE(bob.ok());
  EXPECT_FALSE(bob->replayed);
  // A failing request stores nothing: the retry runs again.
  int failing_runs = 0;
  auto fails = [&](ProviderTx& tx) -> Result<std::string> {
    ++failing_runs;
    auto v = tx.reserve(make_vnet("idem-2", "alice", tx.now() + kMinute, {{"host1/cpu", 100}}));
    if (!v) return v.error();
    return std::string("never");
  };
  EXPECT_FALSE(this->store_->idempotent({"alice", "req-43", "f"}, fails).ok());
  EXPECT_FALSE(this->store_->idempotent({"alice", "req-43", "f"}, fails).ok());
  EXPECT_EQ(failing_runs, 2);
  // A retried confirm under a key.
  auto confirm = [&](ProviderTx& tx) -> Result<std::string> {
    auto v = tx.confirm("idem-1");
    if (!v) return v.error();
    return std::string("confirmed rev ") + std::to_string(v->revision);
  };
  auto c1 = this->store_->idempotent({"alice", "req-44", "c"}, confirm);
  auto c2 = this->store_->idempotent({"alice", "req-44", "c"}, confirm);
  ASSERT_TRUE(c1.ok() && c2.ok());
  EXPECT_EQ(c1->response, "confirmed rev 2");
  EXPECT_EQ(c2->response, "confirmed rev 2");
  EXPECT_TRUE(c2->replayed);
  // Old keys can be purged.
  this->clock_.advance(kMinute);
  auto purged = this->store_->write(
      "purge", [&](ProviderTx& tx) { return tx.purge_idempotency_keys(tx.now()); });
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 3);
  this->expect_consistent();
}

// A modify replaces what a VNet holds: its own old holding does not count
// against the new one, every other VNet's does; a failed replace changes
// nothing.
TYPED_TEST(ProviderStoreTest, ReplaceReservationsElementsAndParts) {
  this->seed_substrate();
  ASSERT_TRUE(this->store_->reserve(make_vnet("a", "c", kT0 + kMinute, {{"host2/cpu", 3}})).ok());
  ASSERT_TRUE(this->store_->reserve(make_vnet("b", "c", kT0 + kMinute, {{"host1/cpu", 6}})).ok());
  auto replace = [&](const std::string& vnet, std::vector<Reservation> rs) {
    return this->store_->write("replace",
                               [&](ProviderTx& tx) { return tx.replace_reservations(vnet, rs); });
  };
  // 3 -> 4 of host2 fits (its own 3 are released by the replace).
  ASSERT_TRUE(replace("a", {{"host2/cpu", 4}, {"link12/bw", 10}}).ok());
  EXPECT_DOUBLE_EQ(this->reserved("host2/cpu"), 4);
  EXPECT_DOUBLE_EQ(this->reserved("link12/bw"), 10);
  // 3 of host1 does not fit beside b's 6 of 8: nothing changes.
  auto over = replace("a", {{"host1/cpu", 3}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Error::Code::kInfeasible);
  EXPECT_NE(over.error().message.find("host1/cpu"), std::string::npos) << over.error().message;
  EXPECT_DOUBLE_EQ(this->reserved("host2/cpu"), 4);
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 6);
  EXPECT_EQ(replace("a", {{"nope/cpu", 1}}).error().code, Error::Code::kInvalidArgument);
  EXPECT_EQ(replace("a", {{"host2/cpu", -1}}).error().code, Error::Code::kInvalidArgument);
  // Zero amounts are dropped; a deleted VNet holds nothing to replace.
  ASSERT_TRUE(replace("a", {{"host2/cpu", 1}, {"link12/bw", 0}}).ok());
  EXPECT_DOUBLE_EQ(this->reserved("link12/bw"), 0);
  ASSERT_TRUE(this->store_->cancel("b").ok());
  EXPECT_EQ(replace("b", {{"host1/cpu", 1}}).error().code, Error::Code::kConflict);
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 0);

  Status s = this->store_->write("elements and parts", [](ProviderTx& tx) -> Status {
    if (Status e = tx.put_elements("a", {{"x", ElementKind::kNode, "tentative", "h1"},
                                         {"y", ElementKind::kNode, "tentative", "h1"}});
        !e)
      return e;
    if (Status e = tx.replace_elements("a", {{"y", ElementKind::kNode, "confirmed", "h2"}}); !e)
      return e;
    if (Status e = tx.put_part({"a", "pip-a", "r1", "tentative", 0}); !e) return e;
    if (Status e = tx.put_part({"a", "pip-b", "r2", "tentative", 0}); !e) return e;
    return tx.remove_part("a", "pip-a");
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto els = this->value_of(
      this->store_->read("elements", [](ProviderTx& tx) { return tx.elements("a"); }));
  ASSERT_EQ(els.size(), 1u);
  EXPECT_EQ(els[0].id, "y");
  EXPECT_EQ(els[0].host, "h2");
  auto parts =
      this->value_of(this->store_->read("parts", [](ProviderTx& tx) { return tx.parts("a"); }));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].provider, "pip-b");
  this->expect_consistent();
}

TYPED_TEST(ProviderStoreTest, VnpPartsAndPendingTransactions) {
  this->seed_substrate();
  ASSERT_TRUE(this->store_->reserve(make_vnet("v", "c", kT0 + kMinute, {{"host1/cpu", 1}})).ok());
  Status s = this->store_->write("parts", [](ProviderTx& tx) -> Status {
    if (Status e = tx.put_part({"v", "pip-b", "remote-7", "tentative", 0}); !e) return e;
    if (Status e = tx.put_part({"v", "pip-a", "remote-3", "tentative", 0}); !e) return e;
    return tx.put_part({"v", "pip-b", "remote-7", "confirmed", 0});  // replaces
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto parts = this->store_->read("parts", [](ProviderTx& tx) { return tx.parts("v"); });
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].provider, "pip-a");
  EXPECT_EQ((*parts)[1].state, "confirmed");
  EXPECT_EQ((*parts)[1].updated_at, kT0);
  EXPECT_EQ(this->store_
                ->write("orphan part",
                        [](ProviderTx& tx) {
                          return tx.put_part({"nope", "pip-a", "r", "s", 0});
                        })
                .error()
                .code,
            Error::Code::kNotFound);

  auto id = this->store_->write("pending", [](ProviderTx& tx) {
    return tx.add_pending("v", "create", "negotiating", "{\"pips\": 2}");
  });
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto id2 = this->store_->write(
      "pending", [](ProviderTx& tx) { return tx.add_pending("w", "delete", "started", ""); });
  ASSERT_TRUE(id2.ok());
  EXPECT_GT(*id2, *id);
  this->clock_.advance(5);
  ASSERT_TRUE(this->store_
                  ->write("update",
                          [&](ProviderTx& tx) {
                            return tx.update_pending(*id, "confirming", "{\"pips\": 2, \"ok\": 2}");
                          })
                  .ok());
  ASSERT_TRUE(
      this->store_->write("remove", [&](ProviderTx& tx) { return tx.remove_pending(*id2); }).ok());
  EXPECT_EQ(this->store_->write("remove", [&](ProviderTx& tx) { return tx.remove_pending(*id2); })
                .error()
                .code,
            Error::Code::kNotFound);
  auto pending = this->store_->read("pending", [](ProviderTx& tx) { return tx.pending(); });
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].state, "confirming");
  EXPECT_EQ((*pending)[0].created_at, kT0);
  EXPECT_EQ((*pending)[0].updated_at, kT0 + 5);
}

// Many customers race for the last capacity, each through its own
// connection (as separate daemons would): exactly one wins.
TYPED_TEST(ProviderStoreTest, RacingForTheLastCapacityExactlyOneWins) {
  ASSERT_TRUE(this->store_->put_substrate(kSubstrateDoc, {{"last/cpu", 1}, {"some/cpu", 10}}).ok());
  constexpr int kRacers = 8;
  auto race = [&](const std::string& prefix, const std::string& resource, double amount) {
    std::vector<std::unique_ptr<ProviderStore>> stores;
    for (int i = 0; i < kRacers; ++i) {
      stores.push_back(this->open());
      if (!stores.back()) return -1;
    }
    std::latch start(kRacers);
    std::atomic<int> wins{0}, infeasible{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kRacers; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        auto r = stores[static_cast<std::size_t>(i)]->reserve(
            make_vnet(prefix + std::to_string(i), "customer" + std::to_string(i), kT0 + kMinute,
                      {{resource, amount}}));
        if (r) {
          ++wins;
        } else if (r.error().code == Error::Code::kInfeasible) {
          ++infeasible;
        } else {
          ADD_FAILURE() << r.error().message;
          ++other;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wins + infeasible, kRacers);
    EXPECT_EQ(other.load(), 0);
    return wins.load();
  };
  EXPECT_EQ(race("last-", "last/cpu", 1), 1);
  EXPECT_DOUBLE_EQ(this->reserved("last/cpu"), 1);
  EXPECT_EQ(race("some-", "some/cpu", 3), 3);  // 3 x 3 <= 10 < 4 x 3
  EXPECT_DOUBLE_EQ(this->reserved("some/cpu"), 9);
  this->expect_consistent();
}

// Concurrent retries of one create under one idempotency key: one VNet, one
// allocation, the same response for all.
TYPED_TEST(ProviderStoreTest, ConcurrentRetriesOfOneRequest) {
  this->seed_substrate();
  constexpr int kRetries = 6;
  std::vector<std::unique_ptr<ProviderStore>> stores;
  for (int i = 0; i < kRetries; ++i) {
    stores.push_back(this->open());
    ASSERT_NE(stores.back(), nullptr);
  }
  std::latch start(kRetries);
  std::vector<std::string> responses(kRetries);
  std::atomic<int> replayed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRetries; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto r = stores[static_cast<std::size_t>(i)]->idempotent(
          {"alice", "same-key", "fp"}, [](ProviderTx& tx) -> Result<std::string> {
            auto v = tx.reserve(make_vnet("once", "alice", tx.now() + kMinute, {{"host1/cpu", 5}}));
            if (!v) return v.error();
            return std::string("created once");
          });
      if (!r) {
        ADD_FAILURE() << r.error().message;
        return;
      }
      responses[static_cast<std::size_t>(i)] = r->response;
      if (r->replayed) ++replayed;
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& r : responses) EXPECT_EQ(r, "created once");
  EXPECT_EQ(replayed.load(), kRetries - 1);
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 5);
  this->expect_consistent();
}

// Durability: a daemon (a child process) confirms one VNet, holds two
// tentative ones, and is killed with SIGKILL in the middle of a large write.
// After reopening: the confirmed VNet is there, the half-written one is not,
// the due tentative is released at startup and the other when it is due.
TYPED_TEST(ProviderStoreTest, SurvivesKillDuringWrite) {
  this->seed_substrate();
  this->store_.reset();  // the child must not share our connections
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  const std::string url = this->env_.url();
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child: no gtest assertions, exit codes only.
    ::close(pipefd[0]);
    ManualClock clock(kT0);
    ProviderStore::Options o;
    o.clock = &clock;
    auto store = ProviderStore::open(url, o);
    if (!store) ::_exit(2);
    if (!(*store)->reserve(make_vnet("kept", "alice", kT0 + kMinute, {{"host1/cpu", 2}})) ||
        !(*store)->confirm("kept") ||
        !(*store)->reserve(make_vnet("short", "bob", kT0 + 10'000, {{"host1/cpu", 1}})) ||
        !(*store)->reserve(make_vnet("long", "bob", kT0 + 10 * kMinute, {{"host2/cpu", 4}}))) {
      ::_exit(3);
    }
    Status s = (*store)->write("doomed", [&](ProviderTx& tx) -> Status {
      NewVNet big = make_vnet("doomed", "eve", kT0 + kMinute, {{"host1/cpu", 4}});
      // Megabytes, so that SQLite spills uncommitted pages into the WAL.
      std::mt19937 rng(7);
      std::string body(4 << 20, ' ');
      for (char& ch : body) ch = static_cast<char>('a' + rng() % 26);
      big.documents = {{Layer::kML, {"flerd+yaml", body}}};
      for (int i = 0; i < 2000; ++i) {
        big.elements.push_back(
            {std::string("e").append(std::to_string(i)), ElementKind::kNode, "reserved", "host1"});
      }
      auto v = tx.reserve(big);
      if (!v) ::_exit(4);
      if (::write(pipefd[1], "x", 1) != 1) ::_exit(5);
      for (;;) ::pause();  // killed here, before COMMIT
    });
    ::_exit(s ? 6 : 7);
  }
  ::close(pipefd[1]);
  char c = 0;
  ssize_t n = ::read(pipefd[0], &c, 1);
  ::close(pipefd[0]);
  if (n == 1) ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_EQ(n, 1) << "the child exited early with "
                  << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  // Restart 20 s later: "short" (10 s) is due, "long" (10 min) is not.
  this->clock_.set(kT0 + 20'000);
  this->store_ = this->open();
  ASSERT_NE(this->store_, nullptr);
  EXPECT_EQ(this->value_of(this->store_->expire_due()), (std::vector<std::string>{"short"}));
  auto kept = this->value_of(this->store_->get_vnet("kept"));
  EXPECT_EQ(kept.state, VNetState::kConfirmed);
  EXPECT_EQ(this->value_of(this->store_->get_vnet("long")).state, VNetState::kTentative);
  EXPECT_EQ(this->store_->get_vnet("doomed").error().code, Error::Code::kNotFound);
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 2);
  EXPECT_DOUBLE_EQ(this->reserved("host2/cpu"), 4);
  auto els = this->store_->read("els", [](ProviderTx& tx) { return tx.elements("doomed"); });
  ASSERT_TRUE(els.ok());
  EXPECT_TRUE(els->empty());
  // The store is writable again (no lock left behind by the dead writer).
  ASSERT_TRUE(
      this->store_->reserve(make_vnet("after", "c", kT0 + kMinute, {{"host1/cpu", 1}})).ok());
  this->clock_.set(kT0 + 10 * kMinute);
  auto due = this->value_of(this->store_->expire_due());
  EXPECT_EQ(due, (std::vector<std::string>{"after", "long"}));
  EXPECT_DOUBLE_EQ(this->reserved("host2/cpu"), 0);
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 2);
  this->expect_consistent();
}

// A read-only database: reading works, every write fails with a clear
// error and nothing is half-applied.
TYPED_TEST(ProviderStoreTest, ReadOnlyDatabase) {
  this->seed_substrate();
  ASSERT_TRUE(this->store_->reserve(make_vnet("t", "c", kT0 + kMinute, {{"host1/cpu", 2}})).ok());
  ASSERT_TRUE(this->store_->reserve(make_vnet("k", "c", kT0 + kMinute, {{"host1/cpu", 1}})).ok());
  ASSERT_TRUE(this->store_->confirm("k").ok());
  this->store_.reset();
  auto ro_url = this->env_.read_only_url();
  ASSERT_TRUE(ro_url.ok()) << ro_url.error().message;

  this->clock_.set(kT0 + 2 * kMinute);  // "t" is due
  auto ro = this->open(*ro_url);
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(this->value_of(ro->list_vnets()).size(), 2u);
  auto check = [&](const Error& e, const char* what) {
    EXPECT_EQ(e.code, Error::Code::kIo) << what << ": " << e.message;
    EXPECT_EQ(e.message.rfind(std::string(TypeParam::kName) + " ", 0), 0u) << e.message;
    EXPECT_NE(e.message.find("read"), std::string::npos) << e.message;  // readonly / read-only
  };
  auto r = ro->reserve(make_vnet("new", "c", kT0 + 3 * kMinute, {{"host2/cpu", 1}}));
  ASSERT_FALSE(r.ok());
  check(r.error(), "reserve");
  auto x = ro->expire_due();
  ASSERT_FALSE(x.ok());
  check(x.error(), "expire_due");
  auto c = ro->transition("k", VNetState::kProvisioning);
  ASSERT_FALSE(c.ok());
  check(c.error(), "transition");
  ro.reset();

  ASSERT_TRUE(this->env_.make_writable().ok());
  this->store_ = this->open();
  ASSERT_NE(this->store_, nullptr);
  EXPECT_EQ(this->store_->get_vnet("new").error().code, Error::Code::kNotFound);
  EXPECT_EQ(this->value_of(this->store_->get_vnet("k")).state, VNetState::kConfirmed);
  EXPECT_EQ(this->value_of(this->store_->get_vnet("t")).state, VNetState::kTentative);
  EXPECT_EQ(this->value_of(this->store_->expire_due()), (std::vector<std::string>{"t"}));
  EXPECT_DOUBLE_EQ(this->reserved("host1/cpu"), 1);
  this->expect_consistent();
}

TYPED_TEST(ProviderStoreTest, NewerSchemaIsRefusedAtOpen) {
  Status s = this->store_->database().with_transaction(
      TxMode::kWrite, "fake a newer program", [](Transaction& tx) -> Status {
        auto n = tx.exec("insert", "INSERT INTO schema_version VALUES (99, 'future', 0)");
        if (!n) return n.error();
        return Status::Ok();
      });
  ASSERT_TRUE(s.ok()) << s.error().message;
  this->store_.reset();
  ProviderStore::Options o;
  auto again = ProviderStore::open(this->env_.url(), o);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("version 99, newer"), std::string::npos)
      << again.error().message;
}

// --- SQLite only: a full disk and a file the process may not write.

class SqliteFaultTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.SetUp().ok()); }
  std::unique_ptr<ProviderStore> open(const std::string& url) {
    ProviderStore::Options o;
    o.clock = &clock_;
    auto s = ProviderStore::open(url, o);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }
  SqliteEnv env_;
  ManualClock clock_{kT0};
};

TEST_F(SqliteFaultTest, DiskFullLeavesNoPartialRows) {
  std::int64_t pages = 0;
  {
    auto store = open(env_.url());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->put_substrate(kSubstrateDoc, {{"h/cpu", 10}}).ok());
    ASSERT_TRUE(store->reserve(make_vnet("small", "c", kT0 + kMinute, {{"h/cpu", 1}})).ok());
    auto n = store->read("pages", [](ProviderTx& tx) -> Result<std::int64_t> {
      auto row = tx.sql().query_one("page count", "PRAGMA page_count");
      if (!row) return row.error();
      return (**row).int64(0);
    });
    ASSERT_TRUE(n.ok()) << n.error().message;
    pages = *n;
  }
  // A database that may grow by a few pages only: a "disk" that is full.
  auto store = open(env_.url() + "?max_page_count=" + std::to_string(pages + 6));
  ASSERT_NE(store, nullptr);
  NewVNet big = make_vnet("big", "c", kT0 + kMinute, {{"h/cpu", 2}});
  big.documents = {{Layer::kML, {"flerd+yaml", std::string(1 << 20, 'm')}}};
  auto r = store->reserve(big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kIo);
  EXPECT_NE(r.error().message.find("database or disk is full (SQLITE_FULL)"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("insert the ML document"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(store->get_vnet("big").error().code, Error::Code::kNotFound);
  EXPECT_DOUBLE_EQ(store->usage().value()["h/cpu"].reserved, 1);
  auto problems = store->check_consistency();
  ASSERT_TRUE(problems.ok());
  EXPECT_TRUE(problems->empty());
  // Small writes still fit.
  EXPECT_TRUE(store->confirm("small").ok());
}

// The real thing: the file is mode 0444 and the daemon runs unprivileged
// (a child that drops to `nobody`, since root ignores file modes).
TEST_F(SqliteFaultTest, WriteProtectedFile) {
  {
    auto store = open(env_.url());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->put_substrate(kSubstrateDoc, {{"h/cpu", 10}}).ok());
    ASSERT_TRUE(store->reserve(make_vnet("t", "c", kT0 + kMinute, {{"h/cpu", 1}})).ok());
  }
  ASSERT_EQ(::chmod(env_.path().c_str(), 0444), 0);
  // The directory stays writable so that SQLite can create its -shm for reads.
  ASSERT_EQ(::chmod(env_.dir().c_str(), 0777), 0);
  struct passwd* nobody = ::getpwnam("nobody");
  if (::geteuid() == 0 && nobody == nullptr) FAIL() << "running as root needs the user 'nobody'";
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipefd[0]);
    if (::geteuid() == 0 && (::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0)) {
      ::_exit(2);
    }
    std::string report;
    ManualClock clock(kT0 + 2 * kMinute);
    ProviderStore::Options o;
    o.clock = &clock;
    auto store = ProviderStore::open(env_.url(), o);
    if (!store) {
      report = "open: " + store.error().message;
    } else {
      auto list = (*store)->list_vnets();
      report += list ? "list ok " + std::to_string(list->size()) : "list: " + list.error().message;
      report += "\n";
      auto r = (*store)->reserve(make_vnet("new", "c", kT0 + 3 * kMinute, {{"h/cpu", 1}}));
      report += r ? std::string("reserve ok") : "reserve: " + r.error().message;
    }
    if (::write(pipefd[1], report.data(), report.size()) < 0) ::_exit(3);
    ::_exit(0);
  }
  ::close(pipefd[1]);
  std::string report;
  char buf[512];
  for (ssize_t n; (n = ::read(pipefd[0], buf, sizeof buf)) > 0;)
    report.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << report;
  EXPECT_NE(report.find("list ok 1"), std::string::npos) << report;
  EXPECT_NE(report.find("reserve: sqlite "), std::string::npos) << report;
  EXPECT_NE(report.find("readonly database (SQLITE_READONLY"), std::string::npos) << report;

  ::chmod(env_.path().c_str(), 0644);
  auto store = open(env_.url());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->get_vnet("new").error().code, Error::Code::kNotFound);
  EXPECT_EQ(store->get_vnet("t").value().state, VNetState::kTentative);
  auto problems = store->check_consistency();
  ASSERT_TRUE(problems.ok());
  EXPECT_TRUE(problems->empty());
}

}  // namespace
}  // namespace cloudnet::store::test
