// End to end on the real data plane (issue 8): a real `cloudnetd pip` with
// the linux plugin (plugins: {linux: {enabled: true, tag: ...}}) on a
// two-host lab substrate, driven over HTTP through api::RemoteProvider: a
// 2-node VNet is created, confirmed and started, the nodes get addresses
// and ping each other across their virtual link (commands run with `ip
// netns exec` in the node namespaces netlab names), a console ticket opens
// a shell inside a node through the PIP's relay, the VNet is deleted and no
// node namespace is left; `cloudnetd pip --cleanup` then removes the lab
// itself. Needs root, `ip netns`, the cgroup v1 controllers and ping; skips
// itself otherwise. The tag is per process (e<pid>), and TearDown removes
// everything of it even after a failure.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "api/remote_provider.h"
#include "console/client.h"
#include "console/shell.h"
#include "daemon/config.h"
#include "flerd/io.h"
#include "http/client.h"
#include "netlab/command.h"
#include "netlab/kernel.h"
#include "netlab/names.h"

#include "harness.h"

namespace cloudnet::e2e {
namespace {

using namespace std::chrono_literals;

// Two servers and a request of two nodes of 1.5 cores: one per host.
const std::string kSubstrate =
    std::string(CLOUDNET_SOURCE_DIR) + "/tests/fixtures/lab/substrate-2hosts.yaml";
const std::string kRequest =
    std::string(CLOUDNET_SOURCE_DIR) + "/tests/fixtures/lab/request-ping.yaml";

const roles::Caller kAnyone{};

// The daemon's `plugins.linux` key (no kernel needed).
TEST(LinuxPluginConfig, DaemonConfigSelectsThePlugins) {
  const std::string dir = make_temp_dir("cloudnet-linux-cfg");
  ASSERT_FALSE(dir.empty());
  write_text(dir + "/substrate.yaml", read_text(kSubstrate));
  auto parse = [&](const std::string& name, const std::string& plugins) {
    return daemon::parse_pip_config("name: " + name +
                                        "\nsubstrate: substrate.yaml\nstore: \"sqlite::memory:\"\n"
                                        "customers: [{name: a, token: token-123}]\nplugins:\n" +
                                        plugins,
                                    "pip.yaml", dir);
  };
  auto only = parse("pip1", "  linux: {enabled: true}\n");
  ASSERT_TRUE(only.ok()) << only.error().message;
  EXPECT_TRUE(only->pip.plugins.linux_enabled);
  EXPECT_FALSE(only->pip.plugins.simulation);
  EXPECT_EQ(only->pip.plugins.linux_options.tag, "pip1");  // the PIP's name by default

  auto tagged = parse("pip-one", "  linux: {tag: p1}\n");
  ASSERT_TRUE(tagged.ok()) << tagged.error().message;
  EXPECT_EQ(tagged->pip.plugins.linux_options.tag, "p1");

  auto bad = parse("pip-one", "  linux: {enabled: true}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("pip.yaml:6: plugins.linux.tag: the PIP's name is no tag"),
            std::string::npos)
      << bad.error().message;

  auto both = parse("pip1", "  sim: {enabled: true}\n  linux: {enabled: true}\n");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().message.find("sim and linux both claim type prefix /node"),
            std::string::npos)
      << both.error().message;

  auto narrowed =
      parse("pip1", "  sim: {enabled: true}\n  linux: {type_prefixes: [/node/host/server]}\n");
  ASSERT_TRUE(narrowed.ok()) << narrowed.error().message;
  EXPECT_TRUE(narrowed->pip.plugins.simulation);
  EXPECT_EQ(narrowed->pip.plugins.linux_options.type_prefixes,
            std::vector<std::string>{"/node/host/server"});

  auto up =
      parse("pip1", "  linux: {uplink: {exchange: ix1, address: 10.250.0.1/16, host: s:host1}}\n");
  ASSERT_TRUE(up.ok()) << up.error().message;
  ASSERT_TRUE(up->pip.plugins.linux_options.uplink);
  EXPECT_EQ(up->pip.plugins.linux_options.uplink->exchange, "ix1");
  EXPECT_EQ(up->pip.plugins.linux_options.uplink->address, "10.250.0.1/16");
  EXPECT_EQ(up->pip.plugins.linux_options.uplink->host, "s:host1");
  for (const auto& [wrong, want] : std::vector<std::pair<std::string, std::string>>{
           {"{exchange: ix1}", "pip.yaml:6: plugins.linux.uplink.address: is required"},
           {"{exchange: IX, address: 10.250.0.1/16}", "plugins.linux.uplink.exchange: must have"},
           {"{exchange: ix1, address: 10.250.0.1}", "plugins.linux.uplink.address: must be"},
           {"{exchange: ix1, address: 10.250.0.1/16, hots: a}", "plugins.linux.uplink.hots"},
           {"[ix1]", "plugins.linux.uplink: must be a map"}}) {
    auto r = parse("pip1", "  linux: {uplink: " + wrong + "}\n");
    ASSERT_FALSE(r.ok()) << wrong;
    EXPECT_NE(r.error().message.find(want), std::string::npos) << r.error().message;
  }

  auto typo = parse("pip1", "  linux: {enabled: true, tga: x}\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("plugins.linux.tga"), std::string::npos)
      << typo.error().message;
  remove_temp_dir(dir);
}

class LinuxE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(CLOUDNETD_BIN).empty()) GTEST_SKIP() << "cloudnetd is not built";
    if (const std::string why = netlab::lab_unavailable({"ping"}); !why.empty())
      GTEST_SKIP() << why;
    auto tag = netlab::Tag::make("e" + std::to_string(::getpid() % 10000000));
    ASSERT_TRUE(tag.ok());
    tag_ = *tag;
    dir_ = make_temp_dir("cloudnet-linux-e2e");
    ASSERT_FALSE(dir_.empty());
    write_text(dir_ + "/substrate.yaml", read_text(kSubstrate));
    write_text(dir_ + "/pip.yaml",
               "name: pip-lx\n"
               "substrate: substrate.yaml\n"
               "store: \"sqlite:" +
                   dir_ +
                   "/pip.db\"\n"
                   "listen: 127.0.0.1:0\n"
                   "customers:\n"
                   "  - {name: alice, token: alice-token}\n"
                   "plugins:\n"
                   "  linux: {enabled: true, tag: " +
                   tag_->str() +
                   "}\n"
                   "console: {bind: 127.0.0.1, port: 0, advertise: 127.0.0.1, ticket_ttl: 60}\n"
                   "sweep_interval: 0.2\n");
    daemon_ = std::make_unique<DaemonProcess>("pip", dir_);
  }

  void TearDown() override {
    if (daemon_) {
      daemon_->stop(SIGTERM);
      if (HasFailure()) daemon_->print_log("cloudnetd");
    }
    if (tag_) {
      EXPECT_TRUE(netlab::cleanup(&*tag_).ok());
      auto left = netlab::find_leftovers(&*tag_);
      ASSERT_TRUE(left.ok());
      EXPECT_TRUE(left->empty()) << left->describe();
    }
    remove_temp_dir(dir_);
  }

  // The customer's client of the running daemon.
  Result<std::unique_ptr<api::RemoteProvider>> alice_client() const {
    http::ClientOptions co;
    co.base_url = daemon_->url();
    co.bearer_token = "alice-token";
    co.read_timeout = 60s;
    return api::RemoteProvider::create(co);
  }

  // `cloudnetd pip --config ... --cleanup`: exit code and stdout.
  std::pair<int, std::string> cleanup_cli() {
    const std::string cmd = std::string(CLOUDNETD_BIN) + " pip --config " + dir_ +
                            "/pip.yaml --cleanup 2>>" + dir_ + "/stderr.log";
    std::string out;
    FILE* f = ::popen(cmd.c_str(), "r");
    if (!f) return {-1, out};
    char buf[512];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    const int st = ::pclose(f);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
  }

  std::vector<std::string> node_namespaces() {
    std::vector<std::string> out;
    auto left = netlab::find_leftovers(&*tag_);
    EXPECT_TRUE(left.ok());
    if (!left.ok()) return out;
    for (const auto& n : left->netns)
      if (n.rfind(netlab::prefix(*tag_) + "s-", 0) != 0) out.push_back(n);
    return out;
  }

  bool in_node(const std::string& ns, const std::vector<std::string>& argv) {
    auto r = netlab::exec_in_netns(ns, argv, 10s);
    if (!r.ok()) ADD_FAILURE() << r.error().message;
    return r.ok() && r->exit_code == 0;
  }

  std::optional<netlab::Tag> tag_;
  std::string dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(LinuxE2E, VNetOverHttpForwardsPacketsAndLeavesNothing) {
  // A crashed run of the same tag would be removed first; here there is none.
  auto [rc0, out0] = cleanup_cli();
  EXPECT_EQ(rc0, 0) << out0;
  EXPECT_NE(out0.find("removed the leftovers of tag " + tag_->str()), std::string::npos) << out0;

  ASSERT_TRUE(daemon_->start());
  // The lab substrate exists once the daemon serves.
  auto left = netlab::find_leftovers(&*tag_);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->netns.size(), 2u) << left->describe();

  auto client = alice_client();
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto& alice = **client;

  auto req = flerd::read_file(kRequest);
  ASSERT_TRUE(req.ok()) << req.diagnostics.format();
  auto v = alice.create_vnet(kAnyone, req.document, {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(node_namespaces().empty()) << "a tentative VNet is only prepared";
  auto c = alice.confirm_request(kAnyone, v->id);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(node_namespaces().size(), 2u);
  auto s = alice.provision(kAnyone, v->id, roles::Action::kStart, "");
  ASSERT_TRUE(s.ok()) << s.error().message;

  const std::string ns1 = netlab::node_netns(*tag_, v->id, "VHost1");
  const std::string ns2 = netlab::node_netns(*tag_, v->id, "VHost2");
  ASSERT_TRUE(netlab::netns_exists(ns1)) << ns1;
  ASSERT_TRUE(netlab::netns_exists(ns2)) << ns2;
  ASSERT_TRUE(in_node(ns1, {"ip", "addr", "add", "192.168.60.1/24", "dev", "eth0"}));
  ASSERT_TRUE(in_node(ns2, {"ip", "addr", "add", "192.168.60.2/24", "dev", "eth0"}));
  ASSERT_TRUE(in_node(ns1, {"ip", "link", "set", "eth0", "up"}));
  ASSERT_TRUE(in_node(ns2, {"ip", "link", "set", "eth0", "up"}));
  EXPECT_TRUE(in_node(ns1, {"ping", "-n", "-q", "-c", "1", "-w", "5", "192.168.60.2"}));
  EXPECT_TRUE(in_node(ns2, {"ping", "-n", "-q", "-c", "1", "-w", "5", "192.168.60.1"}));

  // The console: a shell inside VHost1, through the PIP's relay.
  auto access = alice.console(kAnyone, v->id, "c:vhost1");
  ASSERT_TRUE(access.ok()) << access.error().message;
  auto stream = console::connect(
      console::Endpoint{access->host, static_cast<std::uint16_t>(access->port)}, access->token);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  ASSERT_TRUE(stream->write("echo \"[$(hostname)]\"; exit\n").ok());
  std::string got;
  char buf[256];
  while (got.find("[VHost1]") == std::string::npos) {
    auto n = stream->read(buf, sizeof buf, console::Millis(5000));
    if (!n.ok() || *n == 0) break;
    got.append(buf, *n);
  }
  EXPECT_NE(got.find("[VHost1]"), std::string::npos) << got;

  auto d = alice.delete_vnet(kAnyone, v->id);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(node_namespaces().empty());

  // Stopped, the daemon leaves its lab substrate (a restart rebuilds it);
  // --cleanup removes it.
  EXPECT_TRUE(daemon_->stop(SIGTERM));
  auto [rc, out] = cleanup_cli();
  EXPECT_EQ(rc, 0) << out;
  left = netlab::find_leftovers(&*tag_);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << left->describe();
}

// Migration inside the PIP (issue 8): a modify pins VHost1 to another host,
// the PIP re-maps and the linux plugin moves it make-before-break. Its link
// keeps working afterwards without the customer touching anything: the new
// instance has the old one's addresses and MAC. The downtime is measured and
// reported in the operator's log.
TEST_F(LinuxE2E, ModifyMigratesANodeAndItsLinkKeepsWorking) {
  const std::string fixtures = std::string(CLOUDNET_SOURCE_DIR) + "/tests/fixtures/lab/";
  write_text(dir_ + "/substrate.yaml", read_text(fixtures + "substrate-3hosts.yaml"));
  ASSERT_TRUE(daemon_->start());
  auto client = alice_client();
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto& alice = **client;
  auto before = flerd::read_file(fixtures + "request-move-before.yaml");
  ASSERT_TRUE(before.ok()) << before.diagnostics.format();
  auto v = alice.create_vnet(kAnyone, before.document, {.ttl_s = 0, .confirm = true});
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_TRUE(alice.provision(kAnyone, v->id, roles::Action::kStart, "").ok());
  const std::string ns1 = netlab::node_netns(*tag_, v->id, "VHost1");
  const std::string ns2 = netlab::node_netns(*tag_, v->id, "VHost2");
  ASSERT_TRUE(netlab::netns_exists(ns1)) << ns1;
  ASSERT_TRUE(in_node(ns1, {"ip", "addr", "add", "192.168.62.1/24", "dev", "eth0"}));
  ASSERT_TRUE(in_node(ns2, {"ip", "addr", "add", "192.168.62.2/24", "dev", "eth0"}));
  ASSERT_TRUE(in_node(ns1, {"ip", "route", "add", "10.99.0.0/16", "via", "192.168.62.2"}));
  ASSERT_TRUE(in_node(ns2, {"ping", "-n", "-q", "-c", "1", "-w", "5", "192.168.62.1"}));
  auto mac = netlab::run_ok({"ip", "-n", ns1, "-br", "link", "show", "eth0"});
  ASSERT_TRUE(mac.ok());
  // A file in the node's own root filesystem, written from inside it.
  auto in_root = [&](const std::string& node, const std::string& cmd) {
    auto procs = netlab::run_ok({"cat", "/sys/fs/cgroup/freezer/cloudnet/" + tag_->str() + "/" +
                                            netlab::node_key(v->id, node) + "/cgroup.procs"});
    if (!procs.ok()) return false;
    // A process of the node inside its root (not unshare's parent, which
    // is in the node's cgroups but not chrooted).
    std::istringstream pids(*procs);
    for (std::string pid; std::getline(pids, pid);) {
      std::error_code ec;
      const auto root = std::filesystem::read_symlink("/proc/" + pid + "/root", ec);
      if (ec || root == "/") continue;
      auto r = netlab::run({"nsenter", "-t", pid, "-m", "-r", "-w", "--", "/bin/sh", "-c", cmd});
      return r.ok() && r->exit_code == 0;
    }
    return false;
  };
  ASSERT_TRUE(in_root("VHost1", "echo kept > /root/marker"));

  // A console ticket issued before the move, redeemed after it.
  auto early = alice.console(kAnyone, v->id, "c:vhost1");
  ASSERT_TRUE(early.ok()) << early.error().message;

  auto after = flerd::read_file(fixtures + "request-move-after.yaml");
  ASSERT_TRUE(after.ok()) << after.diagnostics.format();
  auto m = alice.modify_vnet(kAnyone, v->id, after.document);
  ASSERT_TRUE(m.ok()) << m.error().message;
  auto st = alice.status(kAnyone, v->id);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->state, "running") << st->detail;
  // The new instance on H3; the old one is gone.
  const std::string moved = netlab::node_netns(*tag_, v->id, "VHost1@s:h3");
  EXPECT_TRUE(netlab::netns_exists(moved)) << moved;
  EXPECT_FALSE(netlab::netns_exists(ns1)) << "the old instance outlived the move";
  EXPECT_TRUE(netlab::netns_exists(ns2)) << "VHost2 did not have to move";
  // Same addresses, route and MAC; the link works both ways at once.
  auto moved_mac = netlab::run_ok({"ip", "-n", moved, "-br", "link", "show", "eth0"});
  ASSERT_TRUE(moved_mac.ok());
  EXPECT_EQ(moved_mac->substr(moved_mac->find("02:"), 17), mac->substr(mac->find("02:"), 17));
  EXPECT_TRUE(in_node(ns2, {"ping", "-n", "-q", "-c", "1", "-w", "5", "192.168.62.1"}));
  EXPECT_TRUE(in_node(moved, {"ping", "-n", "-q", "-c", "1", "-w", "5", "192.168.62.2"}));
  EXPECT_TRUE(in_node(moved, {"sh", "-c", "ip route | grep -q '10.99.0.0/16 via 192.168.62.2'"}));
  EXPECT_TRUE(in_root("VHost1@s:h3", "grep -q kept /root/marker")) << "the node's file was lost";
  // The console finds the node where it runs now (thesis 3.3.5).
  console::Ticket ticket;
  ticket.host = early->host;
  ticket.port = static_cast<std::uint16_t>(early->port);
  ticket.token = early->token;
  auto shell = console::Shell::open(ticket);
  ASSERT_TRUE(shell.ok()) << shell.error().message;
  auto seen = shell->run("cat /root/marker; hostname");
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  EXPECT_NE(seen->first.find("kept"), std::string::npos)
      << "[" << seen->first << "] " << seen->second;
  EXPECT_NE(seen->first.find("VHost1"), std::string::npos) << seen->first;
  // A node action reaches the new instance, and the hostname stayed.
  ASSERT_TRUE(alice.provision(kAnyone, v->id, roles::Action::kSuspend, "c:vhost1").ok());
  auto frozen =
      netlab::run_ok({"cat", "/sys/fs/cgroup/freezer/cloudnet/" + tag_->str() + "/" +
                                 netlab::node_key(v->id, "VHost1@s:h3") + "/freezer.state"});
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  EXPECT_EQ(frozen->substr(0, 6), "FROZEN");
  ASSERT_TRUE(alice.provision(kAnyone, v->id, roles::Action::kResume, "c:vhost1").ok());
  const std::string log = daemon_->log();
  EXPECT_NE(log.find("moved node c:vhost1"), std::string::npos) << log;
  const auto at = log.find("downtime ");
  ASSERT_NE(at, std::string::npos) << log;
  const std::string downtime = log.substr(at + 9, log.find('\n', at) - at - 9);
  std::cout << "migration of VHost1 from H1 to H3: downtime " << downtime << "\n";
  RecordProperty("migration_downtime", downtime);

  ASSERT_TRUE(alice.delete_vnet(kAnyone, v->id).ok());
  EXPECT_TRUE(node_namespaces().empty());
}

// kill -9 with a running VNet: the restarted daemon's linux plugin removes
// the crashed run's kernel objects and rebuilds the lab, and the PIP's
// start-up reconcile re-embeds the VNet and starts its nodes again (what
// ran inside them is gone: no checkpointing in this kernel).
TEST_F(LinuxE2E, RestartAfterKill9ReembedsTheRunningVNet) {
  ASSERT_TRUE(daemon_->start());
  auto client = alice_client();
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto req = flerd::read_file(kRequest);
  ASSERT_TRUE(req.ok());
  auto v = (*client)->create_vnet(kAnyone, req.document, {.ttl_s = 0, .confirm = true});
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_TRUE((*client)->provision(kAnyone, v->id, roles::Action::kStart, "").ok());
  const std::string ns1 = netlab::node_netns(*tag_, v->id, "VHost1");
  const std::string ns2 = netlab::node_netns(*tag_, v->id, "VHost2");
  ASSERT_TRUE(in_node(ns1, {"ip", "addr", "add", "192.168.61.1/24", "dev", "eth0"}));

  daemon_->kill9();
  ASSERT_TRUE(daemon_->start());
  client = alice_client();
  ASSERT_TRUE(client.ok());
  auto st = (*client)->status(kAnyone, v->id);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "running") << daemon_->log();
  ASSERT_TRUE(netlab::netns_exists(ns1));
  ASSERT_TRUE(netlab::netns_exists(ns2));
  // Fresh instances: the address set before the crash is gone; new ones
  // work across the rebuilt link.
  ASSERT_TRUE(in_node(ns1, {"ip", "addr", "add", "192.168.61.1/24", "dev", "eth0"}));
  ASSERT_TRUE(in_node(ns2, {"ip", "addr", "add", "192.168.61.2/24", "dev", "eth0"}));
  ASSERT_TRUE(in_node(ns1, {"ip", "link", "set", "eth0", "up"}));
  ASSERT_TRUE(in_node(ns2, {"ip", "link", "set", "eth0", "up"}));
  EXPECT_TRUE(in_node(ns1, {"ping", "-n", "-q", "-c", "1", "-w", "5", "192.168.61.2"}));
  ASSERT_TRUE((*client)->delete_vnet(kAnyone, v->id).ok());
  EXPECT_TRUE(node_namespaces().empty());
}

}  // namespace
}  // namespace cloudnet::e2e
