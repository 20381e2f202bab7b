// End to end: the real `cloudnetd pip` (src/daemon) on a temporary SQLite
// store with the simulation plugin, driven through api::RemoteProvider and
// the `cloudnet` CLI exactly as a customer would. Written against the
// daemon's documented behaviour (src/daemon/main.cc, config.h): it prints
// "cloudnetd: pip <name> listening on http://127.0.0.1:PORT" once serving.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "api/json.h"
#include "api/remote_provider.h"
#include "console/client.h"
#include "flerd/io.h"
#include "http/client.h"

#ifndef CLOUDNETD_BIN
#define CLOUDNETD_BIN ""
#endif
#ifndef CLOUDNET_BIN
#define CLOUDNET_BIN ""
#endif

namespace cloudnet::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kSrc = CLOUDNET_SOURCE_DIR;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// A cloudnetd process with its own temporary directory (config, SQLite file,
// stderr log). start() may be called again after kill() on the same store.
class Daemon {
 public:
  Daemon() {
    char tmpl[] = "/tmp/cloudnet-e2e-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    write_text(dir_ + "/pip.yaml",
               "name: pip-e2e\n"
               "substrate: " +
                   kSrc +
                   "/examples/substrate-pip1.yaml\n"
                   "store: sqlite:" +
                   dir_ +
                   "/pip.db\n"
                   "listen: 127.0.0.1:0\n"
                   "customers:\n"
                   "  - {name: alice, token: alice-token}\n"
                   "  - {name: bob, token: bob-token}\n"
                   "ttl: {default: 300, max: 3600}\n"
                   "plugins:\n"
                   "  sim: {enabled: true}\n"
                   "console: {bind: 127.0.0.1, port: 0, advertise: 127.0.0.1, ticket_ttl: 60}\n"
                   "sweep_interval: 0.2\n");
  }
  ~Daemon() {
    stop(SIGTERM);
    std::error_code ec;
    if (!::testing::Test::HasFailure()) fs::remove_all(dir_, ec);
  }

  // Starts the daemon and waits for its "listening on" line.
  ::testing::AssertionResult start() {
    int out[2];
    if (::pipe(out) != 0) return ::testing::AssertionFailure() << "pipe";
    const std::string config = dir_ + "/pip.yaml";
    const std::string log = dir_ + "/stderr.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) ::dup2(err, 2);
      ::close(out[0]);
      ::execl(CLOUDNETD_BIN, CLOUDNETD_BIN, "pip", "--config", config.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    const std::string marker = "listening on ";
    auto pos = line.find(marker);
    if (pos == std::string::npos) {
      return ::testing::AssertionFailure()
             << "cloudnetd did not start; stdout: " << line << "\nstderr: " << read_text(log);
    }
    url_ = line.substr(pos + marker.size());
    url_ = url_.substr(0, url_.find('\n'));
    return ::testing::AssertionSuccess();
  }

  void stop(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  void kill9() { stop(SIGKILL); }

  std::unique_ptr<api::RemoteProvider> client(const std::string& token) const {
    http::ClientOptions o;
    o.base_url = url_;
    o.bearer_token = token;
    o.read_timeout = 60s;
    auto p = api::RemoteProvider::create(o);
    EXPECT_TRUE(p.ok());
    return std::move(p).value();
  }
  http::Client raw(const std::string& token) const {
    http::ClientOptions o;
    o.base_url = url_;
    o.bearer_token = token;
    auto c = http::Client::create(o);
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
  }

  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string url_;
  pid_t pid_ = -1;
};

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

class PipE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(CLOUDNETD_BIN).empty() || !fs::exists(CLOUDNETD_BIN)) {
      GTEST_SKIP() << "cloudnetd was not built (src/daemon missing)";
    }
    ASSERT_TRUE(daemon.start());
    alice = daemon.client("alice-token");
    bob = daemon.client("bob-token");
    initial = available(*alice);
    ASSERT_FALSE(initial.empty());
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
struct CliResult {
  int rc = -1;
  std::string out;
};

class PipCliE2E : public PipE2E {
 protected:
  CliResult cli(const std::string& args, const std::string& stdin_text = "") {
    const std::string in = daemon.dir() + "/cli-stdin";
    write_text(in, stdin_text);
    const std::string cmd = std::string(CLOUDNET_BIN) + " --provider " + daemon.url() + " " + args +
                            " < " + in + " 2>>" + daemon.dir() + "/cli-stderr.log";
    CliResult r;
    FILE* f = ::popen(cmd.c_str(), "r");
    if (!f) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
    const int status = ::pclose(f);
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
  }
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

}  // namespace
}  // namespace cloudnet::e2e
