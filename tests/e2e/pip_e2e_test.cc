// End to end: the real `cloudnetd pip` (src/daemon) on a temporary SQLite
// store with the simulation plugin, driven through api::RemoteProvider and
// the `cloudnet` CLI exactly as a customer would. Written against the
// daemon's documented behaviour (src/daemon/main.cc, config.h): it prints
// "cloudnetd: pip <name> listening on http://127.0.0.1:PORT" once serving.
//
// Beyond the happy paths (the PIP issue's "Must show" list): kill -9 while a
// create (prepare) or a confirm (apply) is in flight at the plugins, then a
// restart on the same SQLite store; a plugin failure injected through the
// daemon's test-only plugins.sim.fail; a read-only store (sqlite ?mode=ro)
// and a full one (?max_page_count); HTTPS with a certificate made at test
// time. The store file is inspected from this process (read-only, beside the
// running daemon: SQLite in WAL mode allows that) for states and
// check_consistency().
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "api/json.h"
#include "api/remote_provider.h"
#include "console/client.h"
#include "flerd/io.h"
#include "http/client.h"
#include "http/testing/self_signed.h"
#include "store/provider_store.h"

#include "harness.h"

namespace cloudnet::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kSrc = CLOUDNET_SOURCE_DIR;

// What varies between the daemons of the tests: the lines under `plugins:`,
// a query appended to the SQLite URL (?mode=ro, ?max_page_count=N) and TLS.
struct DaemonOptions {
  std::string plugins = "  sim: {enabled: true}\n";
  std::string store_query;
  std::string tls_cert, tls_key;  // both or neither
};

// A `cloudnetd pip` with its own temporary directory (config, SQLite file,
// stderr log). start() may be called again after kill9() or stop() on the
// same store, also after configure() changed the options. The destructor
// stops the process (SIGTERM, SIGKILL after 15 s) and removes the directory,
// also when the test failed (its stderr log is printed then; set
// CLOUDNET_E2E_KEEP=1 to keep the directory).
class Daemon {
 public:
  Daemon() : dir_(make_temp_dir("cloudnet-e2e")), process_("pip", dir_) { configure({}); }
  ~Daemon() {
    stop(SIGTERM);
    if (::testing::Test::HasFailure()) process_.print_log("cloudnetd");
    remove_temp_dir(dir_);
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  void configure(const DaemonOptions& o) {
    ca_file_ = o.tls_cert;
    std::string yaml =
        "name: pip-e2e\n"
        "substrate: " +
        kSrc +
        "/examples/substrate-pip1.yaml\n"
        "store: \"sqlite:" +
        db() + o.store_query +
        "\"\n"
        "listen: 127.0.0.1:0\n"
        "customers:\n"
        "  - {name: alice, token: alice-token}\n"
        "  - {name: bob, token: bob-token}\n"
        "ttl: {default: 300, max: 3600}\n"
        "plugins:\n" +
        o.plugins +
        "console: {bind: 127.0.0.1, port: 0, advertise: 127.0.0.1, ticket_ttl: "
        "60}\n"
        "sweep_interval: 0.2\n";
    if (!o.tls_cert.empty()) yaml += "tls: {cert: " + o.tls_cert + ", key: " + o.tls_key + "}\n";
    write_text(process_.config(), yaml);
  }

  // Starts the daemon and waits for its "listening on" line.
  ::testing::AssertionResult start() {
    if (dir_.empty()) return ::testing::AssertionFailure() << "mkdtemp failed";
    return process_.start();
  }

  // Sends `sig` and reaps the process; a daemon that does not exit within
  // 15 s is killed and fails the test.
  void stop(int sig) {
    using namespace std::chrono_literals;
    if (!process_.stop(sig, 15s))
      ADD_FAILURE() << "cloudnetd did not exit on signal " << sig << "; killing it";
  }
  void kill9() { stop(SIGKILL); }

  http::ClientOptions client_options(const std::string& token) const {
    http::ClientOptions o;
    o.base_url = url();
    o.bearer_token = token;
    o.read_timeout = 60s;
    o.ca_file = ca_file_;
    return o;
  }
  std::unique_ptr<api::RemoteProvider> client(const std::string& token) const {
    auto p = api::RemoteProvider::create(client_options(token));
    EXPECT_TRUE(p.ok());
    return std::move(p).value();
  }
  http::Client raw(const std::string& token) const {
    auto c = http::Client::create(client_options(token));
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
  }

  const std::string& url() const { return process_.url(); }
  const std::string& dir() const { return dir_; }
  std::string db() const { return process_.db(); }
  std::string log() const { return process_.log(); }

 private:
  std::string dir_;
  DaemonProcess process_;
  std::string ca_file_;
};

// The daemon's store, opened read-only from the test process.
std::unique_ptr<store::ProviderStore> open_store(const Daemon& d) {
  auto s = store::ProviderStore::open("sqlite:" + d.db() + "?mode=ro");
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s.ok() ? std::move(s).value() : nullptr;
}

::testing::AssertionResult store_consistent(const Daemon& d) {
  auto s = open_store(d);
  if (!s) return ::testing::AssertionFailure() << "cannot open the store";
  auto problems = s->check_consistency();
  if (!problems.ok()) return ::testing::AssertionFailure() << problems.error().message;
  if (problems->empty()) return ::testing::AssertionSuccess();
  auto f = ::testing::AssertionFailure() << "store inconsistent:";
  for (const auto& p : *problems) f << "\n  " << p;
  return f;
}

flerd::Document request() {
  auto loaded = flerd::read_file(kSrc + "/examples/request-webservice.yaml");
  EXPECT_TRUE(loaded.ok()) << loaded.diagnostics.format();
  return loaded.document;
}

const roles::Caller kAnyone{};

std::map<std::string, double> available(api::RemoteProvider& p) {
  auto m = p.get_metrics(kAnyone);
  EXPECT_TRUE(m.ok()) << m.error().message;
  std::map<std::string, double> out;
  if (m.ok()) {
    for (const auto& [attr, r] : m->resources) out[attr] = r.available;
  }
  return out;
}

// Gone = 404, or a terminal state the provider still reports.
bool gone(const Result<roles::VNetInfo>& s) {
  if (!s.ok()) return s.error().code == Error::Code::kNotFound;
  static const std::set<std::string> terminal = {"deleted", "expired", "cancelled"};
  return terminal.count(s->state) > 0;
}

// What get_metrics must report as available per attribute, computed from
// the store independently of the daemon: each attribute's capacity (from the
// metrics) minus the reservations of every VNet the store lists as live (a
// released VNet holds nothing), resources summed per attribute of the
// substrate document.
::testing::AssertionResult metrics_match_store(const Daemon& d, api::RemoteProvider& p) {
  auto m = p.get_metrics(kAnyone);
  if (!m.ok()) return ::testing::AssertionFailure() << "get_metrics: " << m.error().message;
  auto st = open_store(d);
  if (!st) return ::testing::AssertionFailure() << "cannot open the store";
  auto held = st->read("live reservations",
                       [](store::ProviderTx& tx) -> Result<std::vector<store::Reservation>> {
                         auto vnets = tx.list_vnets({}, false);
                         if (!vnets) return vnets.error();
                         std::vector<store::Reservation> out;
                         for (const auto& v : *vnets) {
                           auto r = tx.reservations(v.id);
                           if (!r) return r.error();
                           out.insert(out.end(), r->begin(), r->end());
                         }
                         return out;
                       });
  if (!held.ok()) return ::testing::AssertionFailure() << held.error().message;
  auto sub = flerd::read_file(kSrc + "/examples/substrate-pip1.yaml");
  if (!sub.ok()) return ::testing::AssertionFailure() << sub.diagnostics.format();
  std::map<std::string, double> expected;
  for (const auto& [attr, r] : m->resources) expected[attr] = r.capacity;
  for (const auto& r : *held) {
    const flerd::Resource* res = sub.document.resource(r.resource);
    if (!res) return ::testing::AssertionFailure() << "reservation of unknown " << r.resource;
    expected[res->attribute] -= r.amount;
  }
  auto f = ::testing::AssertionFailure();
  bool ok = true;
  for (const auto& [attr, want] : expected) {
    auto it = m->resources.find(attr);
    const double got = it == m->resources.end() ? -1 : it->second.available;
    if (std::abs(got - want) > 1e-6) {
      ok = false;
      f << attr << ": available " << got << ", expected " << want << "; ";
    }
  }
  if (ok) return ::testing::AssertionSuccess() << held->size() << " reservations";
  return f;
}

// The VNet's state as the store has it; nullopt when it does not exist.
std::optional<store::VNetState> stored_state(const Daemon& d, const std::string& id) {
  auto st = open_store(d);
  if (!st) return std::nullopt;
  auto v = st->get_vnet(id);
  if (!v.ok()) return std::nullopt;
  return v->state;
}

class PipE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(CLOUDNETD_BIN).empty() || !fs::exists(CLOUDNETD_BIN)) {
      GTEST_SKIP() << "cloudnetd was not built (src/daemon missing)";
    }
    ASSERT_NO_FATAL_FAILURE(configure());
    ASSERT_TRUE(daemon.start());
    alice = daemon.client("alice-token");
    bob = daemon.client("bob-token");
    initial = available(*alice);
    ASSERT_FALSE(initial.empty());
  }
  // Fixtures with other daemon options override this (called before start).
  virtual void configure() {}
  // Restarts the daemon on the same store (after kill9() or stop()).
  void restart() {
    ASSERT_TRUE(daemon.start());
    alice = daemon.client("alice-token");
    bob = daemon.client("bob-token");
  }
  void wait_until_gone(const std::string& id) {
    for (int i = 0; i < 100 && !gone(alice->status(kAnyone, id)); ++i)
      std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(gone(alice->status(kAnyone, id))) << id;
  }
  void expect_nothing_reserved() { EXPECT_EQ(available(*alice), initial); }

  Daemon daemon;
  std::unique_ptr<api::RemoteProvider> alice, bob;
  std::map<std::string, double> initial;
};

TEST_F(PipE2E, CreateConfirmStatusListDelete) {
  auto v = alice->create_vnet(kAnyone, request(), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->state, "tentative");
  EXPECT_TRUE(v->expires_at_ms.has_value());
  EXPECT_NE(available(*alice), initial);  // reserved while tentative
  for (const auto& e : v->elements) EXPECT_EQ(e.site, "pip-e2e") << e.id;

  auto c = alice->confirm_request(kAnyone, v->id);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_NE(c->state, "tentative");
  auto s = alice->status(kAnyone, v->id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->id, v->id);
  auto l = alice->list(kAnyone);
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 1u);
  auto doc = alice->document(kAnyone, v->id);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_FALSE(doc->topologies.empty());

  auto d = alice->delete_vnet(kAnyone, v->id);
  ASSERT_TRUE(d.ok()) << d.error().message;
  // Deletion may finish in the background.
  for (int i = 0; i < 50 && !gone(alice->status(kAnyone, v->id)); ++i)
    std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(gone(alice->status(kAnyone, v->id)));
  expect_nothing_reserved();
}

TEST_F(PipE2E, TentativeExpires) {
  auto v = alice->create_vnet(kAnyone, request(), {.ttl_s = 1, .confirm = false});
  ASSERT_TRUE(v.ok()) << v.error().message;
  for (int i = 0; i < 100 && !gone(alice->status(kAnyone, v->id)); ++i)
    std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(gone(alice->status(kAnyone, v->id)));
  auto c = alice->confirm_request(kAnyone, v->id);
  EXPECT_FALSE(c.ok());
  expect_nothing_reserved();
}

TEST_F(PipE2E, CreateCancel) {
  auto v = alice->create_vnet(kAnyone, request(), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  auto c = alice->cancel_request(kAnyone, v->id);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(gone(alice->status(kAnyone, v->id)));
  auto again = alice->confirm_request(kAnyone, v->id);
  ASSERT_FALSE(again.ok());
  expect_nothing_reserved();
}

TEST_F(PipE2E, IdempotentCreate) {
  roles::Caller keyed{"", "e2e-key-1"};
  auto a = alice->create_vnet(keyed, request(), {});
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto after_first = available(*alice);
  auto b = alice->create_vnet(keyed, request(), {});
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(available(*alice), after_first);
  ASSERT_TRUE(alice->cancel_request(kAnyone, a->id).ok());
  expect_nothing_reserved();
}

TEST_F(PipE2E, Modify) {
  auto v = alice->create_vnet(kAnyone, request(), {.ttl_s = 0, .confirm = true});
  ASSERT_TRUE(v.ok()) << v.error().message;
  auto before = available(*alice);
  flerd::Document changed = request();
  for (auto& t : changed.topologies) {
    for (auto& r : t.resources) {
      if (r.id == "c:vhost2cpu") r.value = 2;
    }
  }
  auto m = alice->modify_vnet(kAnyone, v->id, changed);
  if (!m.ok() && m.error().code == Error::Code::kUnavailable &&
      m.error().message.find("not implemented") != std::string::npos) {
    // The PIP answers 503 until roles/pip implements modify; this test turns
    // itself on when it does.
    alice->delete_vnet(kAnyone, v->id).value();
    GTEST_SKIP() << m.error().message;
  }
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_NE(available(*alice), before);  // one more core taken
  ASSERT_TRUE(alice->delete_vnet(kAnyone, v->id).ok());
  for (int i = 0; i < 50 && available(*alice) != initial; ++i) std::this_thread::sleep_for(100ms);
  expect_nothing_reserved();
}

TEST_F(PipE2E, ProvisioningAndConsole) {
  auto v = alice->create_vnet(kAnyone, request(), {.ttl_s = 0, .confirm = true});
  ASSERT_TRUE(v.ok()) << v.error().message;
  auto s = alice->provision(kAnyone, v->id, roles::Action::kStart, "");
  ASSERT_TRUE(s.ok()) << s.error().message;
  for (roles::Action a : {roles::Action::kSuspend, roles::Action::kResume, roles::Action::kStop,
                          roles::Action::kStart, roles::Action::kPowercycle}) {
    auto r = alice->provision(kAnyone, v->id, a, "c:vhost1");
    EXPECT_TRUE(r.ok()) << api::action_name(a) << ": " << r.error().message;
  }
  auto bad_node = alice->provision(kAnyone, v->id, roles::Action::kStart, "c:nosuch");
  ASSERT_FALSE(bad_node.ok());
  EXPECT_EQ(bad_node.error().code, Error::Code::kNotFound);

  for (int i = 0; i < 50; ++i) {
    auto st = alice->status(kAnyone, v->id);
    if (st.ok() && st->state == "running") break;
    std::this_thread::sleep_for(100ms);
  }
  auto access = alice->console(kAnyone, v->id, "c:vhost1");
  ASSERT_TRUE(access.ok()) << access.error().message;
  auto stream = console::connect(
      console::Endpoint{access->host, static_cast<std::uint16_t>(access->port)}, access->token);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  ASSERT_TRUE(stream->write("hello e2e\n").ok());
  std::string got;
  char buf[256];
  while (got.find('\n') == std::string::npos) {
    auto n = stream->read(buf, sizeof buf, console::Millis(5000));
    ASSERT_TRUE(n.ok()) << n.error().message;
    if (*n == 0) break;
    got.append(buf, *n);
  }
  EXPECT_NE(got.find("hello e2e"), std::string::npos) << got;
  // The ticket was one-time.
  EXPECT_FALSE(
      console::connect(console::Endpoint{access->host, static_cast<std::uint16_t>(access->port)},
                       access->token)
          .ok());
  ASSERT_TRUE(alice->delete_vnet(kAnyone, v->id).ok());
}

TEST_F(PipE2E, AuthenticationAndIsolation) {
  auto v = alice->create_vnet(kAnyone, request(), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  for (const std::string token : {"", "wrong-token"}) {
    auto r = daemon.raw(token).get("/v1/vnets");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 401) << r->body;
    EXPECT_NE(r->body.find("unauthenticated"), std::string::npos);
  }
  auto hidden = bob->status(kAnyone, v->id);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error().code, Error::Code::kNotFound);
  EXPECT_EQ(bob->confirm_request(kAnyone, v->id).error().code, Error::Code::kNotFound);
  EXPECT_EQ(bob->delete_vnet(kAnyone, v->id).error().code, Error::Code::kNotFound);
  EXPECT_EQ(bob->console(kAnyone, v->id, "c:vhost1").error().code, Error::Code::kNotFound);
  auto l = bob->list(kAnyone);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->empty());
  EXPECT_TRUE(alice->status(kAnyone, v->id).ok());
  ASSERT_TRUE(alice->cancel_request(kAnyone, v->id).ok());
}

TEST_F(PipE2E, BadInputKeepsTheDaemonServing) {
  auto c = daemon.raw("alice-token");
  auto r = c.post("/v1/vnets", "{\"Topology\": [", http::kJson);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("invalid_document"), std::string::npos);
  r = c.post("/v1/vnets", read_text(kSrc + "/examples/request-webservice.yaml"), "text/plain");
  EXPECT_EQ(r->status, 415) << r->body;
  r = c.post("/v1/vnets", "Topology:\n  - colour: blue\n", http::kYaml);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("\"line\""), std::string::npos);
  r = c.get("/v1/vnets/no-such-vnet");
  EXPECT_EQ(r->status, 404) << r->body;
  EXPECT_NE(r->body.find("\"error\""), std::string::npos);
  r = c.post("/v1/vnets/no-such-vnet/actions/explode", "");
  EXPECT_TRUE(r->status == 400 || r->status == 404) << r->body;
  // More than the substrate has.
  flerd::Document huge = request();
  for (auto& t : huge.topologies) {
    for (auto& res : t.resources) {
      if (res.id == "c:vhost1cpu") res.value = 1e6;
    }
  }
  auto inf = alice->create_vnet(kAnyone, huge, {});
  ASSERT_FALSE(inf.ok());
  EXPECT_EQ(inf.error().code, Error::Code::kInfeasible) << inf.error().message;
  // Oversized body (the server's default limit is 16 MiB).
  r = c.post("/v1/vnets", std::string((16u << 20) + 1, ' '), http::kJson);
  if (r.ok()) {
    EXPECT_EQ(r->status, 413);
  }
  // Still serving, and nothing leaked.
  EXPECT_EQ(c.get("/v1/health")->status, 200);
  auto v = alice->create_vnet(kAnyone, request(), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_TRUE(alice->cancel_request(kAnyone, v->id).ok());
  expect_nothing_reserved();
}

TEST_F(PipE2E, KillNineBetweenCreateAndConfirm) {
  auto confirmed = alice->create_vnet(kAnyone, request(), {.ttl_s = 0, .confirm = true});
  ASSERT_TRUE(confirmed.ok()) << confirmed.error().message;
  auto tentative = alice->create_vnet(kAnyone, request(), {.ttl_s = 600, .confirm = false});
  ASSERT_TRUE(tentative.ok()) << tentative.error().message;

  daemon.kill9();
  ASSERT_TRUE(daemon.start());
  alice = daemon.client("alice-token");

  auto c = alice->status(kAnyone, confirmed->id);
  ASSERT_TRUE(c.ok()) << "a confirmed VNet must survive: " << c.error().message;
  EXPECT_NE(c->state, "tentative");
  EXPECT_FALSE(gone(c));

  // The tentative one survives whole (and can still be confirmed) or is gone
  // whole (nothing of it reserved); never half.
  auto t = alice->status(kAnyone, tentative->id);
  if (!gone(t)) {
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->state, "tentative");
    EXPECT_EQ(t->elements.size(), tentative->elements.size());
    auto conf = alice->confirm_request(kAnyone, tentative->id);
    ASSERT_TRUE(conf.ok()) << conf.error().message;
    ASSERT_TRUE(alice->delete_vnet(kAnyone, tentative->id).ok());
  }
  ASSERT_TRUE(alice->delete_vnet(kAnyone, confirmed->id).ok());
  for (int i = 0; i < 50 && available(*alice) != initial; ++i) std::this_thread::sleep_for(100ms);
  expect_nothing_reserved();
}

// The `cloudnet` CLI against the daemon. Returns the exit code and stdout.
class PipCliE2E : public PipE2E {
 protected:
  CliResult cli(const std::string& args, const std::string& stdin_text = "") {
    const std::string ca = ca_file.empty() ? "" : " --ca-file " + ca_file;
    return run_cli(daemon.dir(), "--provider " + daemon.url() + ca + " " + args, stdin_text);
  }
  std::string ca_file;  // --ca-file when set
};

TEST_F(PipCliE2E, CustomerWorkflow) {
  const std::string req = kSrc + "/examples/request-webservice.yaml";
  auto r = cli("--token alice-token --json create " + req);
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  const std::string id = j["id"];
  EXPECT_EQ(j["state"], "tentative");

  r = cli("--token alice-token confirm " + id);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("VNet " + id), std::string::npos) << r.out;
  r = cli("--token alice-token list");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find(id), std::string::npos);
  r = cli("--token alice-token start " + id);
  EXPECT_EQ(r.rc, 0) << r.out;
  r = cli("--token alice-token stop " + id + " c:vhost2");
  EXPECT_EQ(r.rc, 0) << r.out;
  r = cli("--token alice-token status " + id + " c:vhost1 --json");
  EXPECT_EQ(r.rc, 0) << r.out;
  r = cli("--token alice-token metrics");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("pip-e2e"), std::string::npos) << r.out;

  r = cli("--token alice-token console " + id + " c:vhost1", "hello cli\n");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("hello cli"), std::string::npos) << r.out;

  // Errors: unknown id (1), another customer (1), bad token (1), no daemon (2).
  EXPECT_EQ(cli("--token alice-token status vn-nope").rc, 1);
  EXPECT_EQ(cli("--token bob-token status " + id).rc, 1);
  EXPECT_EQ(cli("--token wrong list").rc, 1);
  EXPECT_EQ(cli("--token alice-token create /nonexistent.yaml").rc, 2);
  auto down = ::popen(
      (std::string(CLOUDNET_BIN) + " --provider http://127.0.0.1:1 --token t list 2>/dev/null")
          .c_str(),
      "r");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(WEXITSTATUS(::pclose(down)), 2);

  r = cli("--token alice-token delete " + id);
  EXPECT_EQ(r.rc, 0) << r.out;
}

// --- kill -9 while the plugins are embedding ------------------------------

// The simulation plugin takes 1.5 s per unit for one operation, so a request
// is reliably in flight at the plugins when the test kills the daemon.
class PipSlowE2E : public PipE2E {
 protected:
  explicit PipSlowE2E(std::string op) : op_(std::move(op)) {}
  void configure() override {
    DaemonOptions o;
    o.plugins = "  sim: {enabled: true, delays_ms: {" + op_ + ": 1500}}\n";
    daemon.configure(o);
  }
  // Polls the store file until `pred` holds for the VNets (all customers,
  // live ones) or 20 s passed.
  template <class Pred>
  bool wait_for_store(Pred pred) {
    for (int i = 0; i < 1000; ++i) {
      auto st = open_store(daemon);
      if (st) {
        auto v = st->list_vnets({}, false);
        if (v.ok() && pred(*v)) return true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  // After the restart: embedded whole or released whole, the metrics equal
  // what the store's live VNets hold, the store consistent. Returns the
  // state ("" when released).
  std::string expect_whole(const std::string& id, std::size_t elements,
                           const std::set<std::string>& whole_states) {
    auto s = alice->status(kAnyone, id);
    EXPECT_TRUE(metrics_match_store(daemon, *alice));
    EXPECT_TRUE(store_consistent(daemon));
    if (gone(s)) {
      EXPECT_EQ(available(*alice), initial) << "released, yet something is still reserved";
      return "";
    }
    EXPECT_TRUE(s.ok()) << s.error().message;
    if (!s.ok()) return "?";
    EXPECT_TRUE(whole_states.count(s->state))
        << "half embedded: vnet " << id << " is " << s->state << "; detail: " << s->detail;
    EXPECT_EQ(s->elements.size(), elements);
    for (const auto& e : s->elements)
      EXPECT_TRUE(e.state != "failed" && e.state != "deleted" && !e.state.empty())
          << e.id << " is " << e.state;
    EXPECT_NE(available(*alice), initial) << "alive, yet holding nothing";
    return s->state;
  }

  std::string op_;
};

class PipSlowApplyE2E : public PipSlowE2E {
 protected:
  PipSlowApplyE2E() : PipSlowE2E("apply") {}
};
class PipSlowPrepareE2E : public PipSlowE2E {
 protected:
  PipSlowPrepareE2E() : PipSlowE2E("prepare") {}
};

TEST_F(PipSlowApplyE2E, KillNineDuringConfirm) {
  auto v = alice->create_vnet(kAnyone, request(), {.ttl_s = 600, .confirm = false});
  ASSERT_TRUE(v.ok()) << v.error().message;
  const std::string id = v->id;
  const auto held = available(*alice);  // what it holds, tentative or embedded
  ASSERT_NE(held, initial);

  std::optional<Result<roles::VNetInfo>> answer;
  std::jthread confirmer([&answer, c = daemon.client("alice-token"), id] {
    answer.emplace(c->confirm_request(kAnyone, id));
  });
  // provisioning = the apply is running at the plugins (1.5 s per unit).
  ASSERT_TRUE(wait_for_store([&](const std::vector<store::VNetRecord>& vs) {
    return !vs.empty() && vs[0].state == store::VNetState::kProvisioning;
  })) << "the confirm never reached provisioning";
  std::this_thread::sleep_for(300ms);  // well inside the first unit's apply
  daemon.kill9();
  confirmer.join();
  ASSERT_TRUE(answer.has_value());
  ASSERT_FALSE(answer->ok()) << "the confirm finished before the kill; nothing was in flight";

  ASSERT_NO_FATAL_FAILURE(restart());
  EXPECT_NE(daemon.log().find("recovered " + id + " (provisioning)"), std::string::npos)
      << "the restart did not find the VNet mid-embedding:\n"
      << daemon.log();
  const std::string state =
      expect_whole(id, v->elements.size(), {"confirmed", "stopped", "running"});
  if (!state.empty()) {
    EXPECT_EQ(available(*alice), held) << "embedded, but holding other than it held tentatively";
    // Fully usable: its nodes start.
    auto started = alice->provision(kAnyone, id, roles::Action::kStart, "");
    EXPECT_TRUE(started.ok()) << started.error().message;
    ASSERT_TRUE(alice->delete_vnet(kAnyone, id).ok());
    wait_until_gone(id);
  }
  for (int i = 0; i < 50 && available(*alice) != initial; ++i) std::this_thread::sleep_for(100ms);
  expect_nothing_reserved();
  EXPECT_TRUE(store_consistent(daemon));
}

TEST_F(PipSlowPrepareE2E, KillNineDuringCreate) {
  std::optional<Result<roles::VNetInfo>> answer;
  std::jthread creator([&answer, c = daemon.client("alice-token")] {
    answer.emplace(c->create_vnet(kAnyone, request(), {.ttl_s = 600, .confirm = false}));
  });
  // The VNet is in the store (mapped, reserved) before the plugins prepare it.
  std::string id;
  ASSERT_TRUE(wait_for_store([&](const std::vector<store::VNetRecord>& vs) {
    if (vs.empty()) return false;
    id = vs[0].id;
    return true;
  })) << "the create never reached the store";
  std::this_thread::sleep_for(300ms);  // well inside the first unit's prepare
  daemon.kill9();
  creator.join();
  ASSERT_TRUE(answer.has_value());
  ASSERT_FALSE(answer->ok()) << "the create finished before the kill; nothing was in flight";

  ASSERT_NO_FATAL_FAILURE(restart());
  EXPECT_NE(daemon.log().find("recovered " + id + " (tentative)"), std::string::npos)
      << daemon.log();
  auto ol0 = request();
  std::size_t elements = 0;
  for (const auto& t : ol0.topologies) elements += t.networkElements.size();
  const std::string state = expect_whole(id, elements, {"tentative"});
  if (!state.empty()) {
    // Whole: it can be confirmed and embedded, and deleted to nothing.
    auto c = alice->confirm_request(kAnyone, id);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->state, "stopped");
    EXPECT_TRUE(metrics_match_store(daemon, *alice));
    ASSERT_TRUE(alice->delete_vnet(kAnyone, id).ok());
    wait_until_gone(id);
  }
  for (int i = 0; i < 50 && available(*alice) != initial; ++i) std::this_thread::sleep_for(100ms);
  expect_nothing_reserved();
  EXPECT_TRUE(store_consistent(daemon));
}

// --- a plugin failing in the middle of an embedding -----------------------

class PipPluginFailureE2E : public PipE2E {
 protected:
  void configure() override {
    DaemonOptions o;
    // The second apply fails: the first unit is applied by then (with
    // parallel units, at least being applied), so the rollback has work.
    o.plugins = "  sim: {enabled: true, fail: [{op: apply, nth: 2}]}\n";
    daemon.configure(o);
  }
};

TEST_F(PipPluginFailureE2E, ConfirmFailsWholeAndTheDaemonKeepsServing) {
  EXPECT_NE(daemon.log().find("TEST ONLY"), std::string::npos) << daemon.log();
  auto v = alice->create_vnet(kAnyone, request(), {.ttl_s = 600, .confirm = false});
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_NE(available(*alice), initial);

  auto r = daemon.raw("alice-token").post("/v1/vnets/" + v->id + "/confirm", "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 503) << r->body;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  ASSERT_TRUE(j.is_object() && j.contains("error")) << r->body;
  EXPECT_EQ(j["error"]["code"], "unavailable") << r->body;
  const std::string msg = j["error"].value("message", "");
  EXPECT_NE(msg.find("rolled back"), std::string::npos) << msg;
  // The customer learns what failed, not where: substrate element ids are
  // replaced at the daemon's boundary (roles/hiding.h, CloudNet paper 4.1);
  // the operator's log has the original.
  EXPECT_NE(msg.find("simulated failure of apply call #2 on a substrate element"),
            std::string::npos)
      << "the error must name the operation: " << msg;
  EXPECT_EQ(msg.find("'s:"), std::string::npos) << "a substrate element was named: " << msg;
  EXPECT_EQ(msg.find(" s:"), std::string::npos) << "a substrate element was named: " << msg;
  EXPECT_NE(
      read_text(daemon.dir() + "/stderr.log").find("simulated failure of apply call #2 on s:"),
      std::string::npos)
      << "the operator's log must keep the substrate element";
  EXPECT_NE(msg.find("by plugin 'sim'"), std::string::npos)
      << "the error must name the plugin: " << msg;
  EXPECT_NE(msg.find("vnet '" + v->id + "'"), std::string::npos) << msg;

  // Released whole: gone, nothing reserved, the store consistent.
  EXPECT_TRUE(gone(alice->status(kAnyone, v->id)));
  expect_nothing_reserved();
  EXPECT_TRUE(metrics_match_store(daemon, *alice));
  EXPECT_TRUE(store_consistent(daemon));
  EXPECT_EQ(stored_state(daemon, v->id), store::VNetState::kDeleted);

  // Still serving, and embedding works again (the rule hit call #2 only).
  auto w = alice->create_vnet(kAnyone, request(), {.ttl_s = 0, .confirm = true});
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(w->state, "stopped");
  EXPECT_TRUE(metrics_match_store(daemon, *alice));
  ASSERT_TRUE(alice->delete_vnet(kAnyone, w->id).ok());
  wait_until_gone(w->id);
  expect_nothing_reserved();
}

// --- store faults --------------------------------------------------------

class PipStoreFaultE2E : public PipE2E {
 protected:
  // A confirmed and a tentative VNet; then the daemon is stopped.
  void populate() {
    auto a = alice->create_vnet(kAnyone, request(), {.ttl_s = 0, .confirm = true});
    ASSERT_TRUE(a.ok()) << a.error().message;
    auto b = alice->create_vnet(kAnyone, request(), {.ttl_s = 3000, .confirm = false});
    ASSERT_TRUE(b.ok()) << b.error().message;
    confirmed = a->id;
    tentative = b->id;
    before = available(*alice);
    daemon.stop(SIGTERM);
  }
  // Restarts on the same file with `store_query` appended to its URL.
  void restart_with(const std::string& store_query) {
    DaemonOptions o;
    o.store_query = store_query;
    daemon.configure(o);
    ASSERT_NO_FATAL_FAILURE(restart());
  }
  // Reads still work and show exactly what was there before the fault.
  void expect_unchanged() {
    EXPECT_EQ(available(*alice), before);
    auto l = alice->list(kAnyone);
    ASSERT_TRUE(l.ok()) << l.error().message;
    std::map<std::string, std::string> states;
    for (const auto& v : *l) states[v.id] = v.state;
    EXPECT_EQ(states, (std::map<std::string, std::string>{{confirmed, "stopped"},
                                                          {tentative, "tentative"}}));
    auto s = alice->status(kAnyone, confirmed);
    ASSERT_TRUE(s.ok()) << s.error().message;
    for (const auto& e : s->elements) EXPECT_NE(e.state, "tentative") << e.id;
    EXPECT_TRUE(alice->document(kAnyone, confirmed).ok());
    auto h = daemon.raw("").get("/v1/health");
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->status, 200);
    EXPECT_TRUE(metrics_match_store(daemon, *alice));
    EXPECT_TRUE(store_consistent(daemon));
  }
  // A write answered with `status` and a JSON error naming the store fault.
  void expect_store_error(const Result<http::Response>& r, int status, const std::string& words) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, status) << r->body;
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r->body;
    EXPECT_EQ(j["error"]["code"], "io_error") << r->body;
    const std::string msg = j["error"].value("message", "");
    EXPECT_NE(msg.find("sqlite " + daemon.db()), std::string::npos) << msg;
    EXPECT_NE(msg.find(words), std::string::npos) << msg;
  }
  // Back on a writable store: everything works and is released to nothing.
  void recover() {
    daemon.stop(SIGTERM);
    daemon.configure({});
    ASSERT_NO_FATAL_FAILURE(restart());
    EXPECT_EQ(available(*alice), before);
    auto c = alice->confirm_request(kAnyone, tentative);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->state, "stopped");
    for (const auto& id : {confirmed, tentative}) {
      ASSERT_TRUE(alice->delete_vnet(kAnyone, id).ok()) << id;
      wait_until_gone(id);
    }
    expect_nothing_reserved();
    EXPECT_TRUE(store_consistent(daemon));
  }

  std::string confirmed, tentative;
  std::map<std::string, double> before;
};

TEST_F(PipStoreFaultE2E, ReadOnlyStore) {
  ASSERT_NO_FATAL_FAILURE(populate());
  ASSERT_NO_FATAL_FAILURE(restart_with("?mode=ro"));
  expect_unchanged();
  auto c = daemon.raw("alice-token");
  const std::string req = read_text(kSrc + "/examples/request-webservice.yaml");
  const std::string ro = "attempt to write a readonly database (SQLITE_READONLY)";
  expect_store_error(c.post("/v1/vnets", req, http::kYaml), 500, ro);
  expect_store_error(c.post("/v1/vnets?confirm=true", req, http::kYaml), 500, ro);
  expect_store_error(c.post("/v1/vnets/" + tentative + "/confirm", ""), 500, ro);
  expect_store_error(c.del("/v1/vnets/" + confirmed), 500, ro);
  expect_unchanged();
  ASSERT_NO_FATAL_FAILURE(recover());
}

TEST_F(PipStoreFaultE2E, FullStore) {
  ASSERT_NO_FATAL_FAILURE(populate());
  // Cap the file at the pages it has now: another VNet's documents (several
  // KiB of OL0/OL1/ML) do not fit.
  std::int64_t pages = 0;
  {
    auto st = open_store(daemon);
    ASSERT_TRUE(st);
    auto n = st->read("page count", [](store::ProviderTx& tx) -> Result<std::int64_t> {
      auto r = tx.sql().query_one("page count", "PRAGMA page_count");
      if (!r) return r.error();
      if (!*r) return Error::internal("no page count");
      return (*r)->int64(0);
    });
    ASSERT_TRUE(n.ok()) << n.error().message;
    pages = *n;
  }
  ASSERT_GT(pages, 0);
  ASSERT_NO_FATAL_FAILURE(restart_with("?max_page_count=" + std::to_string(pages)));
  expect_unchanged();
  auto c = daemon.raw("alice-token");
  const std::string req = read_text(kSrc + "/examples/request-webservice.yaml");
  const std::string full = "database or disk is full (SQLITE_FULL)";
  expect_store_error(c.post("/v1/vnets", req, http::kYaml), 500, full);
  expect_store_error(c.post("/v1/vnets?confirm=true", req, http::kYaml), 500, full);
  expect_unchanged();
  ASSERT_NO_FATAL_FAILURE(recover());
}

// --- HTTPS ---------------------------------------------------------------

using http::testing::make_self_signed;

class PipTlsE2E : public PipCliE2E {
 protected:
  void configure() override {
    DaemonOptions o;
    o.tls_cert = daemon.dir() + "/pip.crt";
    o.tls_key = daemon.dir() + "/pip.key";
    ASSERT_TRUE(make_self_signed(o.tls_cert, o.tls_key, "IP:127.0.0.1"));
    daemon.configure(o);
    ca_file = o.tls_cert;
  }
};

TEST_F(PipTlsE2E, RemoteProviderCliAndPlainHttp) {
  ASSERT_EQ(daemon.url().rfind("https://127.0.0.1:", 0), 0u) << daemon.url();

  // RemoteProvider, trusting the certificate through ca_file.
  auto v = alice->create_vnet(kAnyone, request(), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  auto c = alice->confirm_request(kAnyone, v->id);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->state, "stopped");
  ASSERT_TRUE(alice->delete_vnet(kAnyone, v->id).ok());
  wait_until_gone(v->id);
  expect_nothing_reserved();

  // The CLI with --ca-file.
  const std::string req = kSrc + "/examples/request-webservice.yaml";
  auto r = cli("--token alice-token --json create " + req);
  ASSERT_EQ(r.rc, 0) << r.out << read_text(daemon.dir() + "/cli-stderr.log");
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  const std::string id = j["id"];
  r = cli("--token alice-token confirm " + id);
  EXPECT_EQ(r.rc, 0) << r.out;
  r = cli("--token alice-token --json status " + id);
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("\"stopped\""), std::string::npos) << r.out;
  r = cli("--token alice-token delete " + id);
  EXPECT_EQ(r.rc, 0) << r.out;
  wait_until_gone(id);
  expect_nothing_reserved();

  // Without the CA the CLI refuses the certificate (transport error: 2).
  const std::string ca = ca_file;
  ca_file.clear();
  EXPECT_EQ(cli("--token alice-token list").rc, 2);
  ca_file = ca;

  // Plain HTTP to the TLS port fails cleanly (an error, no hang, no crash).
  http::ClientOptions o;
  o.base_url = "http://" + daemon.url().substr(std::string("https://").size());
  o.bearer_token = "alice-token";
  o.read_timeout = 5s;
  auto plain = http::Client::create(o);
  ASSERT_TRUE(plain.ok());
  const auto t0 = std::chrono::steady_clock::now();
  auto pr = plain->get("/v1/vnets");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  if (pr.ok()) {
    EXPECT_GE(pr->status, 400) << pr->body;
  } else {
    EXPECT_NE(pr.error().message.find("GET " + o.base_url), std::string::npos)
        << pr.error().message;
  }
  // And the daemon serves HTTPS on.
  auto h = daemon.raw("").get("/v1/health");
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->status, 200);
  auto l = alice->list(kAnyone);
  ASSERT_TRUE(l.ok()) << l.error().message;
}

}  // namespace
}  // namespace cloudnet::e2e
