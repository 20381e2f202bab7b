// The lab data plane for real, as root: namespaces, veth, VXLAN, tc,
// cgroups. Every test works under its own process's tag ("t<pid>"), so
// tests running in parallel never see each other's objects, and removes
// everything in TearDown, also after a failure. The only network targets are
// the test's own namespaces.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "flerd/io.h"
#include "netlab/kernel.h"
#include "netlab/lab.h"
#include "netlab/rootfs.h"
#include "netlab/test/lab_fixtures.h"

namespace cloudnet::netlab {
namespace {

using namespace std::chrono_literals;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// prefix + i, appended (GCC 12's false -Wrestrict on "literal" + to_string).
std::string numbered(const char* prefix, std::size_t i) {
  std::string out = prefix;
  out += std::to_string(i);
  return out;
}

// Removes what test processes that died without cleaning up left (tags
// "t<pid>" of pids that no longer run); live processes' objects stay.
void cleanup_dead_test_tags() {
  std::set<std::string> tags;
  auto left = find_leftovers(nullptr);
  if (!left.ok()) return;
  auto tag_of = [](const std::string& name, std::size_t from) {
    const auto end = name.find_first_of("-/", from);
    return name.substr(from, end == std::string::npos ? std::string::npos : end - from);
  };
  for (const auto& n : left->netns) tags.insert(tag_of(n, kPrefix.size()));
  for (const auto& c : left->cgroups) {
    const auto pos = c.find("/cloudnet/");
    if (pos != std::string::npos) tags.insert(tag_of(c, pos + 10));
  }
  for (const auto& t : tags) {
    if (t.size() < 2 || t[0] != 't' || t.find_first_not_of("0123456789", 1) != std::string::npos)
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(t.substr(1)));
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (auto tag = Tag::make(t); tag.ok()) (void)cleanup(&*tag);
  }
}

class NetlabLab : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = lab_unavailable({"ping"}); !why.empty()) GTEST_SKIP() << why;
    tag_ = Tag::for_process();
    // The same pid may have crashed here before: start from nothing.
    ASSERT_TRUE(cleanup(&*tag_).ok());
    cleanup_dead_test_tags();
    lab_ = std::make_unique<Lab>(*tag_);
  }

  void TearDown() override {
    if (!lab_) return;
    auto st = lab_->cleanup();
    EXPECT_TRUE(st.ok()) << st.error().message;
    auto left = find_leftovers(&*tag_);
    ASSERT_TRUE(left.ok()) << left.error().message;
    EXPECT_TRUE(left->empty()) << left->describe();
    for (const auto& f : files_) std::remove(f.c_str());
  }

  void build_line() {
    auto l = flerd::read_string(test::kLineSubstrate, flerd::Format::kYaml, "line.yaml");
    ASSERT_TRUE(l.ok()) << l.diagnostics.format();
    auto st = lab_->build_substrate(l.document);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  const LabNode& host(const char* id) { return *lab_->substrate()->find(id); }

  // `ping` from a namespace; wait = the whole deadline in seconds.
  bool ping(const std::string& ns, const std::string& addr, int wait = 3) {
    auto r = exec_in_netns(ns, {"ping", "-n", "-q", "-c", "1", "-w", std::to_string(wait), addr},
                           std::chrono::seconds(wait + 5));
    return r.ok() && r->exit_code == 0;
  }

  void node(const std::string& net, const std::string& name, const std::string& on,
            Limits limits = {}, std::vector<std::string> init = {"sleep", "infinity"}) {
    NodeSpec s;
    s.net = net;
    s.name = name;
    s.host = on;
    s.limits = limits;
    s.init = std::move(init);
    auto st = lab_->create_node(s);
    ASSERT_TRUE(st.ok()) << st.error().message;
    // Quiet links: no IPv6 autoconfiguration chatter in packet counts.
    for (const char* k : {"net.ipv6.conf.all.disable_ipv6", "net.ipv6.conf.default.disable_ipv6"})
      ASSERT_TRUE(set_sysctl(lab_->netns_of(net, name), k, "1").ok());
  }

  void link(const std::string& net, const std::string& name, std::uint32_t vni,
            std::vector<LinkEndpoint> ends, std::optional<double> mbps = std::nullopt) {
    LinkSpec s;
    s.net = net;
    s.name = name;
    s.vni = vni;
    s.endpoints = std::move(ends);
    s.bandwidth_mbps = mbps;
    auto st = lab_->create_link(s);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  std::string temp_file(const std::string& what) {
    files_.push_back("/tmp/cloudnet-netlab-" + tag_->str() + "-" + what);
    return files_.back();
  }

  std::optional<Tag> tag_;
  std::unique_ptr<Lab> lab_;
  std::vector<std::string> files_;
};

TEST_F(NetlabLab, LineSubstrateHost1ReachesHost3) {
  build_line();
  const auto& h1 = host("s:h1");
  const auto& h3 = host("s:h3");
  EXPECT_TRUE(netns_exists(h1.netns));
  EXPECT_TRUE(ping(h1.netns, h3.address)) << lab_->substrate()->describe();
  EXPECT_TRUE(ping(h3.netns, h1.address));
  // Forwarded by h2, which runs no route of its own to the pair.
  auto tr = exec_in_netns(h1.netns, {"ip", "route", "get", h3.address}, 5s);
  ASSERT_TRUE(tr.ok());
  EXPECT_NE(tr->out.find("via 10.200.0.2"), std::string::npos) << tr->out;
  // Nothing in the root namespace: no interface, no route of the lab.
  auto root_routes = run_ok({"ip", "route", "show", "table", "all"});
  ASSERT_TRUE(root_routes.ok());
  EXPECT_EQ(root_routes->find("10.200."), std::string::npos) << *root_routes;
  EXPECT_EQ(root_routes->find("10.201."), std::string::npos);
  // The substrate link's bandwidth is a token bucket on its wire.
  auto q = run_ok({"tc", "-n", h1.netns, "qdisc", "show", "dev", "eth0"});
  ASSERT_TRUE(q.ok());
  EXPECT_NE(q->find("tbf"), std::string::npos) << *q;
  EXPECT_NE(q->find("rate 1Gbit"), std::string::npos) << *q;
}

TEST_F(NetlabLab, VirtualLinkOverVxlanAndIsolatedSecondNet) {
  build_line();
  node("net1", "a", "s:h1");
  node("net1", "b", "s:h3");
  link("net1", "ab", 100,
       {{"a", "eth0", "192.168.7.1/24", "", ""}, {"b", "eth0", "192.168.7.2/24", "", ""}});
  const std::string a1 = lab_->netns_of("net1", "a");
  const std::string b1 = lab_->netns_of("net1", "b");
  EXPECT_TRUE(ping(a1, "192.168.7.2")) << "VXLAN VNI 100 from h1 to h3";
  EXPECT_TRUE(ping(b1, "192.168.7.1"));
  // The tunnel crosses h2, which forwards it like any substrate traffic.
  auto via_before = link_counters(host("s:h2").netns, "eth1");
  ASSERT_TRUE(via_before.ok()) << via_before.error().message;
  EXPECT_TRUE(ping(a1, "192.168.7.2"));
  auto via_after = link_counters(host("s:h2").netns, "eth1");
  ASSERT_TRUE(via_after.ok());
  EXPECT_GT(via_after->tx_packets, via_before->tx_packets);
  // The tunnel endpoint is h1's VXLAN device; the node only has its macvlan.
  auto vx = run_ok({"ip", "-n", host("s:h1").netns, "-d", "link", "show", "v100"});
  ASSERT_TRUE(vx.ok()) << vx.error().message;
  EXPECT_NE(vx->find("vxlan id 100 local 10.201.0.1"), std::string::npos) << *vx;
  auto fdb = run_ok({"bridge", "-n", host("s:h1").netns, "fdb", "show", "dev", "v100"});
  ASSERT_TRUE(fdb.ok());
  EXPECT_NE(fdb->find("00:00:00:00:00:00 dst 10.201.0.3"), std::string::npos) << *fdb;
  auto eth = run_ok({"ip", "-n", a1, "-d", "link", "show", "eth0"});
  ASSERT_TRUE(eth.ok());
  EXPECT_NE(eth->find("macvlan mode bridge"), std::string::npos) << *eth;

  // A second VNet with the same addresses on another VNI, on the same hosts.
  node("net2", "a", "s:h1");
  node("net2", "c", "s:h3");
  link("net2", "ac", 200,
       {{"a", "eth0", "192.168.7.1/24", "", ""}, {"c", "eth0", "192.168.7.3/24", "", ""}});
  const std::string a2 = lab_->netns_of("net2", "a");
  EXPECT_TRUE(ping(a2, "192.168.7.3"));
  auto before = link_counters(b1, "eth0");
  ASSERT_TRUE(before.ok()) << before.error().message;
  // 192.168.7.2 exists only in net1: net2 cannot reach it, and not one frame
  // of net2's attempts (ARP broadcasts included) arrives at net1's node.
  EXPECT_FALSE(ping(a2, "192.168.7.2", 2));
  auto after = link_counters(b1, "eth0");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->rx_packets, before->rx_packets);
  // And net1 still works.
  EXPECT_TRUE(ping(a1, "192.168.7.2"));
}

// Two providers' labs joined at an exchange: each joins its local segment
// of a transit link to a tunnel towards the other's tunnel bridge, with the
// identifier a VNP would hand out; the local VNIs differ.
TEST_F(NetlabLab, TransitLinkJoinsTwoLabsAndVNetsStayApart) {
  const std::string ex = numbered("x", static_cast<std::size_t>(::getpid() % 10000000));
  auto other = Tag::make(numbered("u", static_cast<std::size_t>(::getpid() % 10000000)));
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(cleanup(&*other).ok());
  Lab lab_b(*other);
  struct Guard {
    Lab& lab;
    ~Guard() { (void)lab.cleanup(); }
  } guard{lab_b};
  auto doc = flerd::read_string(test::kLineSubstrate, flerd::Format::kYaml, "line.yaml");
  ASSERT_TRUE(doc.ok());
  SubstrateOptions oa, ob;
  oa.uplink = Uplink{ex, "10.250.0.1/16", "s:h3"};
  ob.uplink = Uplink{ex, "10.250.0.2/16", "s:h1"};
  ASSERT_TRUE(lab_->build_substrate(doc.document, oa).ok());
  auto st = lab_b.build_substrate(doc.document, ob);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(netns_exists(exchange_netns(ex)));
  // The tunnel bridges reach each other through the exchange.
  EXPECT_TRUE(ping(lab_->substrate()->gateway()->netns, "10.250.0.2"));

  auto transit = [&](Lab& lab, const std::string& net, const std::string& node, std::uint32_t vni,
                     const std::string& addr, std::uint32_t id, const std::string& peer) {
    LinkSpec s;
    s.net = net;
    s.name = "ab";
    s.vni = vni;
    s.endpoints = {{node, "eth0", addr, "", ""}};
    s.transit = {{id, peer, 4789}};
    s.bandwidth_mbps = 50;
    return lab.create_link(s);
  };
  // net1: a at lab A's h1 (two substrate hops from the tunnel bridge's
  // host), b at lab B's h3.
  node("net1", "a", "s:h1");
  NodeSpec nb;
  nb.net = "net1";
  nb.name = "b";
  nb.host = "s:h3";
  ASSERT_TRUE(lab_b.create_node(nb).ok());
  st = transit(*lab_, "net1", "a", 0x10001, "192.168.50.1/24", 100, "10.250.0.2");
  ASSERT_TRUE(st.ok()) << st.error().message;
  st = transit(lab_b, "net1", "b", 0x20002, "192.168.50.2/24", 100, "10.250.0.1");
  ASSERT_TRUE(st.ok()) << st.error().message;
  const std::string a1 = lab_->netns_of("net1", "a");
  const std::string b1 = lab_b.netns_of("net1", "b");
  EXPECT_TRUE(ping(a1, "192.168.50.2", 5)) << "across the transit link";
  EXPECT_TRUE(ping(b1, "192.168.50.1"));
  // The tunnel bridge: the local segment and the tunnel, bridged by mirred.
  const std::string gw = lab_->substrate()->gateway()->netns;
  auto t = run_ok({"ip", "-n", gw, "-d", "link", "show", "t100"});
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_NE(t->find("vxlan id 100 remote 10.250.0.2 local 10.250.0.1"), std::string::npos) << *t;
  auto f = run_ok({"tc", "-n", gw, "filter", "show", "dev", "t100", "ingress"});
  ASSERT_TRUE(f.ok());
  EXPECT_NE(f->find("Redirect to device v65537"), std::string::npos) << *f;
  // Another identifier on the same port at the same tunnel bridge is fine;
  // the same one is refused.
  node("net2", "a", "s:h2");
  NodeSpec nc = nb;
  nc.net = "net2";
  nc.name = "c";
  ASSERT_TRUE(lab_b.create_node(nc).ok());
  auto dup = transit(*lab_, "net2", "a", 0x10002, "192.168.50.1/24", 100, "10.250.0.2");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("transit identifier 100"), std::string::npos)
      << dup.error().message;
  // net2 has the same addresses as net1, on transit identifier 101.
  st = transit(*lab_, "net2", "a", 0x10002, "192.168.50.1/24", 101, "10.250.0.2");
  ASSERT_TRUE(st.ok()) << st.error().message;
  st = transit(lab_b, "net2", "c", 0x20003, "192.168.50.3/24", 101, "10.250.0.1");
  ASSERT_TRUE(st.ok()) << st.error().message;
  const std::string a2 = lab_->netns_of("net2", "a");
  EXPECT_TRUE(ping(a2, "192.168.50.3", 5));
  auto before = link_counters(b1, "eth0");
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(ping(a2, "192.168.50.2", 2)) << "net2 reaches net1's node";
  auto after = link_counters(b1, "eth0");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->rx_packets, before->rx_packets) << "a frame of net2 arrived in net1";
  EXPECT_TRUE(ping(a1, "192.168.50.2"));

  // Removing the links removes the tunnel bridge's devices; removing both
  // labs removes the exchange.
  ASSERT_TRUE(lab_->remove_link("net1", "ab").ok());
  auto gw_links = link_names(gw);
  ASSERT_TRUE(gw_links.ok());
  EXPECT_EQ(std::count(gw_links->begin(), gw_links->end(), "t100"), 0);
  EXPECT_EQ(std::count(gw_links->begin(), gw_links->end(), "v65537"), 0);
  EXPECT_EQ(std::count(gw_links->begin(), gw_links->end(), "t101"), 1);
  ASSERT_TRUE(lab_b.cleanup().ok());
  EXPECT_TRUE(netns_exists(exchange_netns(ex))) << "lab A is still on it";
  ASSERT_TRUE(lab_->cleanup().ok());
  EXPECT_FALSE(netns_exists(exchange_netns(ex)));
  auto left = find_leftovers(&*other);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << left->describe();
}

// Nodes with their own root filesystem (rootfs.h): the host's binaries
// read-only, their own /etc and /root, nothing of it visible on the host or
// in the other node, gone with the node; the pool hands out ready roots.
TEST_F(NetlabLab, OwnRootFilesystemsFromThePool) {
  LabOptions o;
  o.rootfs_base = kRootfsBase;
  o.rootfs_pool = 2;
  lab_ = std::make_unique<Lab>(*tag_, o);
  build_line();
  auto pool = lab_->rootfs_pool();
  ASSERT_NE(pool, nullptr);
  EXPECT_TRUE(pool->wait_full(30000)) << "the pool did not fill";
  node("fs", "a", "s:h1");
  node("fs", "b", "s:h2");
  EXPECT_LT(pool->ready(), 2u + 1u);
  ASSERT_TRUE(lab_->start_node("fs", "a").ok());
  ASSERT_TRUE(lab_->start_node("fs", "b").ok());
  auto in = [&](const std::string& node, const std::string& cmd) {
    auto r = lab_->exec_in_node("fs", node, {"/bin/sh", "-c", cmd});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : CommandOutput{};
  };
  EXPECT_EQ(in("a", "cat /etc/hostname").out, "a\n");
  EXPECT_EQ(in("a", "echo one > /root/note && cat /root/note").exit_code, 0);
  EXPECT_NE(in("b", "cat /root/note").exit_code, 0) << "b sees a's file";
  EXPECT_NE(in("a", "touch /usr/cloudnet-test").exit_code, 0) << "/usr is writable in a node";
  EXPECT_EQ(in("a", "ping -V >/dev/null && ls /proc/1/cmdline >/dev/null").exit_code, 0);
  const std::string root = lab_->rootfs_of("fs", "a");
  EXPECT_EQ(read_text(root + "/root/note"), "one\n") << "the file is in the node's root";
  EXPECT_FALSE(std::filesystem::exists("/root/note"));
  EXPECT_FALSE(std::filesystem::exists("/usr/cloudnet-test"));
  // A move keeps the files (Lab::move_rootfs, as a migration does).
  node("fs", "a2", "s:h3");
  ASSERT_TRUE(lab_->stop_node("fs", "a").ok());
  ASSERT_TRUE(lab_->move_rootfs("fs", "a", "a2").ok());
  ASSERT_TRUE(lab_->start_node("fs", "a2").ok());
  EXPECT_EQ(in("a2", "cat /root/note").out, "one\n");
  ASSERT_TRUE(lab_->remove_node("fs", "a").ok());
  ASSERT_TRUE(lab_->remove_node("fs", "a2").ok());
  EXPECT_FALSE(std::filesystem::exists(lab_->rootfs_of("fs", "a2")));
  // remove_tree never descends into a mount.
  const std::string probe = lab_->rootfs_of("fs", "b") + "/mnt";
  ASSERT_TRUE(run_ok({"mount", "-t", "tmpfs", "tmpfs", probe}).ok());
  auto refused = remove_tree(lab_->rootfs_of("fs", "b"));
  EXPECT_FALSE(refused.ok());
  EXPECT_TRUE(run_ok({"umount", probe}).ok());
}

TEST_F(NetlabLab, CoLocatedEndpointsOfASharedMedium) {
  build_line();
  node("n", "x", "s:h2");
  node("n", "y", "s:h2");
  node("n", "z", "s:h1");
  link("n", "lan", 300,
       {{"x", "eth0", "10.9.0.1/24", "", ""},
        {"y", "eth0", "10.9.0.2/24", "", ""},
        {"z", "eth0", "10.9.0.3/24", "", ""}});
  // x and y share h2's one VXLAN device of VNI 300, each with a macvlan.
  auto h2_links = link_names(host("s:h2").netns);
  ASSERT_TRUE(h2_links.ok());
  EXPECT_EQ(std::count(h2_links->begin(), h2_links->end(), "v300"), 1);
  EXPECT_TRUE(ping(lab_->netns_of("n", "x"), "10.9.0.2"));
  EXPECT_TRUE(ping(lab_->netns_of("n", "y"), "10.9.0.3"));
  EXPECT_TRUE(ping(lab_->netns_of("n", "z"), "10.9.0.1"));
  EXPECT_TRUE(ping(lab_->netns_of("n", "z"), "10.9.0.2"));
  // Removing the link frees the ports and the interfaces.
  ASSERT_TRUE(lab_->remove_link("n", "lan").ok());
  auto names = link_names(lab_->netns_of("n", "y"));
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(std::count(names->begin(), names->end(), "eth0"), 0);
  h2_links = link_names(host("s:h2").netns);
  ASSERT_TRUE(h2_links.ok());
  EXPECT_EQ(std::count(h2_links->begin(), h2_links->end(), "v300"), 0);
  link("n", "lan2", 300, {{"y", "eth0", "", "", ""}});
}

TEST_F(NetlabLab, PerHostPartsInAnyOrderAsAPluginAppliesUnits) {
  build_line();
  // h3's unit first: its node exists, h1's does not yet; the endpoint names
  // its host, so h3's part knows where to replicate.
  node("pp", "b", "s:h3");
  LinkSpec s;
  s.net = "pp";
  s.name = "ab";
  s.vni = 700;
  s.endpoints = {{"a", "eth0", "10.7.0.1/24", "", "s:h1"},
                 {"b", "eth0", "10.7.0.2/24", "", "s:h3"}};
  auto st = lab_->attach_link(s, "s:h3");
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(lab_->attach_link(s, "s:h3").error().code, Error::Code::kConflict);
  // h1's part needs its node.
  EXPECT_EQ(lab_->attach_link(s, "s:h1").error().code, Error::Code::kNotFound);
  node("pp", "a", "s:h1");
  st = lab_->attach_link(s, "s:h1");
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(ping(lab_->netns_of("pp", "a"), "10.7.0.2"));
  // Detaching one host's part cuts the link; the other part stays.
  ASSERT_TRUE(lab_->detach_link("pp", "ab", "s:h1").ok());
  EXPECT_FALSE(ping(lab_->netns_of("pp", "b"), "10.7.0.1", 1));
  auto h3 = link_names(host("s:h3").netns);
  ASSERT_TRUE(h3.ok());
  EXPECT_EQ(std::count(h3->begin(), h3->end(), "v700"), 1);
  ASSERT_TRUE(lab_->remove_link("pp", "ab").ok());
  h3 = link_names(host("s:h3").netns);
  EXPECT_EQ(std::count(h3->begin(), h3->end(), "v700"), 0);
  EXPECT_TRUE(lab_->remove_link("pp", "ab").ok()) << "idempotent";
}

// Receives `bytes` over TCP across the virtual link and returns the goodput
// in Mbit/s, measured from the first to the last byte at the receiver.
double tcp_goodput(const std::string& server_ns, const std::string& client_ns,
                   const std::string& server_ip, std::size_t bytes) {
  auto ls = socket_in_netns(server_ns, AF_INET, SOCK_STREAM);
  auto cs = socket_in_netns(client_ns, AF_INET, SOCK_STREAM);
  if (!ls.ok() || !cs.ok()) return -1;
  timeval tv{15, 0};
  ::setsockopt(*cs, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(5201);
  ::inet_pton(AF_INET, server_ip.c_str(), &addr.sin_addr);
  const int one = 1;
  ::setsockopt(*ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(*ls, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(*ls, 1) != 0)
    return -1;
  std::thread sender([&] {
    if (::connect(*cs, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    std::vector<char> chunk(64 * 1024, 'x');
    std::size_t sent = 0;
    while (sent < bytes) {
      const ssize_t w =
          ::send(*cs, chunk.data(), std::min(chunk.size(), bytes - sent), MSG_NOSIGNAL);
      if (w <= 0) break;
      sent += static_cast<std::size_t>(w);
    }
    ::shutdown(*cs, SHUT_WR);
  });
  double mbps = -1;
  const int as = ::accept(*ls, nullptr, nullptr);
  if (as >= 0) {
    ::setsockopt(as, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::vector<char> buf(64 * 1024);
    std::size_t got = 0, first = 0;
    std::chrono::steady_clock::time_point t0, t1;
    for (;;) {
      const ssize_t r = ::recv(as, buf.data(), buf.size(), 0);
      if (r <= 0) break;
      if (got == 0) {
        t0 = std::chrono::steady_clock::now();
        first = static_cast<std::size_t>(r);
      }
      got += static_cast<std::size_t>(r);
      t1 = std::chrono::steady_clock::now();
    }
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    if (got == bytes && secs > 0) mbps = static_cast<double>(got - first) * 8 / secs / 1e6;
    ::close(as);
  }
  sender.join();
  ::close(*cs);
  ::close(*ls);
  return mbps;
}

TEST_F(NetlabLab, TokenBucketHoldsTheLinkToItsBandwidth) {
  build_line();
  node("bw", "a", "s:h1");
  node("bw", "b", "s:h3");
  const double limit = 20;  // Mbit/s
  link("bw", "ab", 400,
       {{"a", "eth0", "192.168.9.1/24", "", ""}, {"b", "eth0", "192.168.9.2/24", "", ""}}, limit);
  ASSERT_TRUE(ping(lab_->netns_of("bw", "a"), "192.168.9.2"));
  // 1.5 s worth at the limit.
  const auto bytes = static_cast<std::size_t>(limit * 1e6 / 8 * 1.5);
  const double mbps =
      tcp_goodput(lab_->netns_of("bw", "b"), lab_->netns_of("bw", "a"), "192.168.9.2", bytes);
  ASSERT_GT(mbps, 0) << "no TCP transfer across the link";
  // tbf counts whole Ethernet frames, so the TCP goodput is ~95% of it.
  EXPECT_LE(mbps, limit * 1.10) << "measured " << mbps << " Mbit/s";
  EXPECT_GE(mbps, limit * 0.80) << "measured " << mbps << " Mbit/s";
  std::printf("tbf %.0f Mbit/s: TCP goodput %.2f Mbit/s\n", limit, mbps);
  // Raising the limit in place lets more through.
  ASSERT_TRUE(lab_->set_link_bandwidth("bw", "ab", 80).ok());
  const double faster =
      tcp_goodput(lab_->netns_of("bw", "b"), lab_->netns_of("bw", "a"), "192.168.9.2", bytes * 2);
  EXPECT_GT(faster, limit * 1.5) << "measured " << faster << " Mbit/s at 80 Mbit/s";
}

TEST_F(NetlabLab, NodeHasItsOwnNamespacesAndCpuQuota) {
  build_line();
  Limits lim;
  lim.cpus = 0.2;
  lim.pids_max = 64;
  node("ns", "alpha", "s:h1", lim);
  EXPECT_EQ(*lab_->node_state("ns", "alpha"), NodeState::kStopped);
  ASSERT_TRUE(lab_->start_node("ns", "alpha").ok());
  EXPECT_EQ(*lab_->node_state("ns", "alpha"), NodeState::kRunning);
  EXPECT_EQ(lab_->start_node("ns", "alpha").error().code, Error::Code::kConflict);

  auto h = lab_->exec_in_node("ns", "alpha", {"hostname"});
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->out, "alpha\n");
  auto comm = lab_->exec_in_node("ns", "alpha", {"cat", "/proc/1/comm"});
  ASSERT_TRUE(comm.ok());
  EXPECT_EQ(comm->out, "sleep\n") << "PID 1 of the node is its init";
  auto links = lab_->exec_in_node("ns", "alpha", {"ip", "-o", "link"});
  ASSERT_TRUE(links.ok());
  EXPECT_NE(links->out.find("lo:"), std::string::npos);
  EXPECT_EQ(links->out.find("eth"), std::string::npos) << "no interface before a link";

  // A console: an interactive shell on a pseudo-terminal inside the node.
  auto con = lab_->spawn_in_node("ns", "alpha", {"/bin/sh", "-i"}, true);
  ASSERT_TRUE(con.ok()) << con.error().message;
  const std::string cmd = "echo \"[$(hostname)]\"; exit\n";
  ASSERT_EQ(::write(con->fd, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
  std::string seen;
  char buf[512];
  for (;;) {  // until the shell exits (EIO on the master) or the answer is in
    const ssize_t n = ::read(con->fd, buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<std::size_t>(n));
    if (seen.find("[alpha]\r\n") != std::string::npos) break;
  }
  EXPECT_NE(seen.find("[alpha]"), std::string::npos) << seen;
  ::close(con->fd);
  EXPECT_TRUE(reap(con->pid, 5s));

  const std::string cpu = "/sys/fs/cgroup/cpu/cloudnet/" + tag_->str() + "/ns.alpha/";
  EXPECT_EQ(read_text(cpu + "cpu.cfs_quota_us"), "20000\n");
  // A busy loop in the node is throttled to its quota.
  auto busy =
      lab_->exec_in_node("ns", "alpha", {"timeout", "0.5", "sh", "-c", "while :; do :; done"});
  ASSERT_TRUE(busy.ok());
  const std::string stat = read_text(cpu + "cpu.stat");
  const auto pos = stat.find("nr_throttled ");
  ASSERT_NE(pos, std::string::npos) << stat;
  EXPECT_GT(std::stol(stat.substr(pos + 13)), 0) << stat;

  ASSERT_TRUE(lab_->stop_node("ns", "alpha").ok());
  EXPECT_EQ(*lab_->node_state("ns", "alpha"), NodeState::kStopped);
  EXPECT_FALSE(lab_->exec_in_node("ns", "alpha", {"true"}).ok());
  ASSERT_TRUE(lab_->remove_node("ns", "alpha").ok());
  EXPECT_EQ(*lab_->node_state("ns", "alpha"), NodeState::kAbsent);
}

TEST_F(NetlabLab, FreezerSuspendsAndResumeContinues) {
  build_line();
  const std::string f = temp_file("counter");
  temp_file("counter.tmp");
  node("fz", "n", "s:h2", {},
       {"sh", "-c",
        "i=0; while :; do i=$((i+1)); echo $i > " + f + ".tmp; mv -f " + f + ".tmp " + f +
            "; sleep 0.02; done"});
  ASSERT_TRUE(lab_->start_node("fz", "n").ok());
  auto count = [&] {
    const std::string s = read_text(f);
    return s.empty() ? 0L : std::stol(s);
  };
  std::this_thread::sleep_for(200ms);
  ASSERT_GT(count(), 0) << "the node's loop does not run";
  auto sus = lab_->suspend_node("fz", "n");
  ASSERT_TRUE(sus.ok()) << sus.error().message;
  EXPECT_EQ(*lab_->node_state("fz", "n"), NodeState::kSuspended);
  const long frozen = count();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(count(), frozen) << "a suspended node ran on";
  EXPECT_EQ(lab_->suspend_node("fz", "n").error().code, Error::Code::kConflict);
  ASSERT_TRUE(lab_->resume_node("fz", "n").ok());
  EXPECT_EQ(*lab_->node_state("fz", "n"), NodeState::kRunning);
  std::this_thread::sleep_for(300ms);
  EXPECT_GT(count(), frozen) << "resume did not continue the node";
  // Stopping a suspended node works too (the freezer is thawed first).
  ASSERT_TRUE(lab_->suspend_node("fz", "n").ok());
  ASSERT_TRUE(lab_->stop_node("fz", "n").ok());
  EXPECT_EQ(*lab_->node_state("fz", "n"), NodeState::kStopped);
}

TEST_F(NetlabLab, MemoryLimitIsEnforced) {
  build_line();
  Limits lim;
  lim.memory_bytes = 32ull << 20;
  node("mem", "m", "s:h3", lim);
  ASSERT_TRUE(lab_->start_node("mem", "m").ok());
  EXPECT_EQ(
      read_text("/sys/fs/cgroup/memory/cloudnet/" + tag_->str() + "/mem.m/memory.limit_in_bytes"),
      std::to_string(32ull << 20) + "\n");
  // dd touches a buffer of bs bytes: 8 MiB fits, 96 MiB does not.
  auto small =
      lab_->exec_in_node("mem", "m", {"dd", "if=/dev/zero", "of=/dev/null", "bs=8M", "count=2"});
  ASSERT_TRUE(small.ok()) << small.error().message;
  EXPECT_EQ(small->exit_code, 0) << small->err;
  auto big =
      lab_->exec_in_node("mem", "m", {"dd", "if=/dev/zero", "of=/dev/null", "bs=96M", "count=2"});
  ASSERT_TRUE(big.ok()) << big.error().message;
  EXPECT_NE(big->exit_code, 0) << "a process beyond the memory limit survived";
  // The node's init is still there: the limit hit the offender.
  EXPECT_EQ(*lab_->node_state("mem", "m"), NodeState::kRunning);
}

TEST_F(NetlabLab, FailedLinkRollsBackAndErrorsNameTheCommand) {
  build_line();
  node("rb", "a", "s:h1");
  node("rb", "b", "s:h3");
  link("rb", "first", 500, {{"b", "eth0", "", "", ""}});
  // b has an eth0 already: refused before anything is made, and b keeps it.
  LinkSpec s;
  s.net = "rb";
  s.name = "second";
  s.vni = 501;
  s.endpoints = {{"a", "eth0", "", "", ""}, {"b", "eth0", "", "", ""}};
  auto st = lab_->create_link(s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Error::Code::kConflict) << st.error().message;
  // A bad address on the second endpoint fails after the first was made.
  s.endpoints = {{"a", "eth0", "", "", ""}, {"b", "eth1", "300.1.2.3/24", "", ""}};
  st = lab_->create_link(s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("virtual link rb/second (VNI 501) on s:h3"), std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("`ip -n "), std::string::npos) << st.error().message;
  auto a_links = link_names(lab_->netns_of("rb", "a"));
  ASSERT_TRUE(a_links.ok());
  EXPECT_EQ(std::count(a_links->begin(), a_links->end(), "eth0"), 0) << "rollback left a's eth0";
  auto b_links = link_names(lab_->netns_of("rb", "b"));
  ASSERT_TRUE(b_links.ok());
  EXPECT_EQ(std::count(b_links->begin(), b_links->end(), "eth0"), 1)
      << "rollback took link first's eth0";
  EXPECT_EQ(std::count(b_links->begin(), b_links->end(), "eth1"), 0);
  for (const char* h : {"s:h1", "s:h3"}) {
    auto hl = link_names(host(h).netns);
    ASSERT_TRUE(hl.ok());
    for (const auto& n : *hl)
      EXPECT_TRUE(n.find("501") == std::string::npos) << h << " keeps " << n;
  }
  // Unknown node, bad VNI, duplicate VNI.
  s.endpoints = {{"nobody", "eth0", "", "", ""}};
  EXPECT_EQ(lab_->create_link(s).error().code, Error::Code::kNotFound);
  s.vni = 0;
  EXPECT_EQ(lab_->create_link(s).error().code, Error::Code::kInvalidArgument);
  s.vni = 500;
  s.endpoints = {{"a", "eth1", "", "", ""}};
  EXPECT_EQ(lab_->create_link(s).error().code, Error::Code::kConflict);
  // After the failure the same VNI can be used.
  s.vni = 501;
  s.endpoints = {{"a", "eth0", "", "", ""}};
  EXPECT_TRUE(lab_->create_link(s).ok());
  // A node on a host the lab does not have.
  NodeSpec bad;
  bad.net = "rb";
  bad.name = "c";
  bad.host = "s:nowhere";
  EXPECT_EQ(lab_->create_node(bad).error().code, Error::Code::kNotFound);
}

TEST_F(NetlabLab, MoveAnEndpointMakeBeforeBreak) {
  build_line();
  // Instances are named per host, so old and new exist at once.
  node("mv", "a", "s:h1");
  node("mv", "b@h3", "s:h3");
  LinkSpec s;
  s.net = "mv";
  s.name = "ab";
  s.vni = 900;
  s.endpoints = {{"a", "eth0", "10.6.0.1/24", "", "s:h1"},
                 {"b@h3", "eth0", "10.6.0.2/24", "", "s:h3"}};
  auto st = lab_->create_link(s);
  ASSERT_TRUE(st.ok()) << st.error().message;
  const std::string a = lab_->netns_of("mv", "a");
  ASSERT_TRUE(ping(a, "10.6.0.2"));  // h1 has now learned b's MAC behind h3

  // Make: the new instance on h2 joins the link; h1 is pointed at h2.
  node("mv", "b@h2", "s:h2");
  LinkSpec moved = s;
  moved.endpoints[1] = {"b@h2", "eth0", "10.6.0.2/24", "", "s:h2"};  // same index: same MAC
  st = lab_->attach_link(moved, "s:h2");
  ASSERT_TRUE(st.ok()) << st.error().message;
  st = lab_->update_link_peers(moved, "s:h1");
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto fdb = run_ok({"bridge", "-n", host("s:h1").netns, "fdb", "show", "dev", "v900"});
  ASSERT_TRUE(fdb.ok());
  EXPECT_NE(fdb->find("00:00:00:00:00:00 dst 10.201.0.2"), std::string::npos) << *fdb;
  EXPECT_EQ(fdb->find("00:00:00:00:00:00 dst 10.201.0.3"), std::string::npos) << *fdb;
  // Break: the old instance's part goes.
  st = lab_->detach_link(s, "s:h3");
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_TRUE(lab_->remove_node("mv", "b@h3").ok());
  // Again, for what h1 learned from the old instance until it went.
  st = lab_->update_link_peers(moved, "s:h1");
  ASSERT_TRUE(st.ok()) << st.error().message;
  fdb = run_ok({"bridge", "-n", host("s:h1").netns, "fdb", "show", "dev", "v900"});
  ASSERT_TRUE(fdb.ok());
  EXPECT_EQ(fdb->find("dst 10.201.0.3"), std::string::npos) << *fdb;

  const std::string b2 = lab_->netns_of("mv", "b@h2");
  auto before = link_counters(b2, "eth0");
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(ping(a, "10.6.0.2")) << "the moved endpoint is not reachable";
  auto after = link_counters(b2, "eth0");
  ASSERT_TRUE(after.ok());
  EXPECT_GT(after->rx_packets, before->rx_packets) << "the ping did not reach the new instance";
  auto h3 = link_names(host("s:h3").netns);
  ASSERT_TRUE(h3.ok());
  EXPECT_EQ(std::count(h3->begin(), h3->end(), "v900"), 0);
}

TEST_F(NetlabLab, ParallelCallsAndARestartedOwner) {
  build_line();
  // As an embedder applies units in parallel: nodes on all hosts at once.
  const char* hosts[] = {"s:h1", "s:h2", "s:h3"};
  std::vector<std::thread> threads;
  std::vector<Status> results(6);
  for (std::size_t i = 0; i < results.size(); ++i)
    threads.emplace_back([&, i] {
      NodeSpec s;
      s.net = "par";
      s.name = numbered("n", i);
      s.host = hosts[i % 3];
      s.limits.memory_bytes = 64ull << 20;
      results[i] = lab_->create_node(s);
      if (results[i].ok()) results[i] = lab_->start_node("par", s.name);
    });
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < results.size(); ++i)
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error().message;
  threads.clear();
  for (std::size_t k = 0; k < 3; ++k)  // three links, one per host pair, in parallel
    threads.emplace_back([&, k] {
      LinkSpec s;
      s.net = "par";
      s.name = numbered("l", k);
      s.vni = 800 + static_cast<std::uint32_t>(k);
      s.endpoints = {
          {numbered("n", k), "eth0", detail::cat(numbered("10.8.", k), ".1/24"), "", ""},
          {numbered("n", k + 3), "eth0", detail::cat(numbered("10.8.", k), ".2/24"), "", ""}};
      results[k] = lab_->create_link(s);
    });
  for (auto& t : threads) t.join();
  for (std::size_t k = 0; k < 3; ++k) ASSERT_TRUE(results[k].ok()) << results[k].error().message;
  EXPECT_TRUE(ping(lab_->netns_of("par", "n1"), "10.8.1.2"));

  // A restarted owner: a new Lab with the same tag reads states from the
  // kernel and can act on nodes it did not start.
  Lab again(*tag_);
  EXPECT_EQ(*again.node_state("par", "n0"), NodeState::kRunning);
  ASSERT_TRUE(again.suspend_node("par", "n0").ok());
  EXPECT_EQ(*lab_->node_state("par", "n0"), NodeState::kSuspended);
  ASSERT_TRUE(again.stop_node("par", "n0").ok());
  EXPECT_EQ(*lab_->node_state("par", "n0"), NodeState::kStopped);
  EXPECT_EQ(*again.node_state("par", "nobody"), NodeState::kAbsent);
  // Creating a node that exists in the kernel is refused and leaves it.
  again.adopt_substrate(*lab_->substrate());
  NodeSpec dup;
  dup.net = "par";
  dup.name = "n1";
  dup.host = "s:h2";
  EXPECT_EQ(again.create_node(dup).error().code, Error::Code::kConflict);
  EXPECT_EQ(*lab_->node_state("par", "n1"), NodeState::kRunning);
  EXPECT_TRUE(ping(lab_->netns_of("par", "n1"), "10.8.1.2"));
  // It can also take down a link from its spec alone.
  LinkSpec l1;
  l1.net = "par";
  l1.name = "l1";
  l1.vni = 801;
  l1.endpoints = {{"n1", "eth0", "", "", "s:h2"}, {"n4", "eth0", "", "", "s:h2"}};
  ASSERT_TRUE(again.detach_link(l1, "s:h2").ok());
  auto n1_links = link_names(lab_->netns_of("par", "n1"));
  ASSERT_TRUE(n1_links.ok());
  EXPECT_EQ(std::count(n1_links->begin(), n1_links->end(), "eth0"), 0);
  auto h2_links = link_names(host("s:h2").netns);
  ASSERT_TRUE(h2_links.ok());
  EXPECT_EQ(std::count(h2_links->begin(), h2_links->end(), "v801"), 0);
}

TEST_F(NetlabLab, CleanupAfterACrashLeavesNothingOfTheTag) {
  build_line();
  Limits lim;
  lim.memory_bytes = 64ull << 20;
  node("cl", "a", "s:h1", lim);
  node("cl", "b", "s:h2", lim);
  link("cl", "ab", 600,
       {{"a", "eth0", "10.1.1.1/24", "", ""}, {"b", "eth0", "10.1.1.2/24", "", ""}}, 10);
  ASSERT_TRUE(lab_->start_node("cl", "a").ok());
  ASSERT_TRUE(lab_->start_node("cl", "b").ok());
  ASSERT_TRUE(lab_->suspend_node("cl", "b").ok());
  // A neighbour with another tag must survive our cleanup.
  auto other = Tag::make(numbered("u", static_cast<std::size_t>(::getpid() % 1000000)));
  ASSERT_TRUE(other.ok());
  const std::string other_ns = substrate_netns(*other, "keep");
  ASSERT_TRUE(add_netns(other_ns).ok());

  auto found = find_leftovers(&*tag_);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->netns.size(), 5u) << found->describe();  // 3 hosts, 2 nodes
  EXPECT_FALSE(found->cgroups.empty());
  auto init = lab_->init_pid("cl", "a");
  ASSERT_TRUE(init.ok());

  // As after a crash: the Lab object is gone, only the tag is known.
  lab_.reset();
  auto st = cleanup(&*tag_);
  EXPECT_TRUE(st.ok()) << st.error().message;
  auto left = find_leftovers(&*tag_);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << left->describe();
  auto listed = run_ok({"ip", "netns", "list"});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->find(prefix(*tag_)), std::string::npos) << *listed;
  EXPECT_NE(listed->find(other_ns), std::string::npos) << "cleanup removed another tag's namespace";
  auto root_links = run_ok({"ip", "-o", "link"});
  ASSERT_TRUE(root_links.ok());
  EXPECT_EQ(root_links->find(prefix(*tag_)), std::string::npos);
  for (const auto& c : Cgroup::controllers())
    EXPECT_NE(::access(("/sys/fs/cgroup/" + c + "/cloudnet/" + tag_->str()).c_str(), F_OK), 0) << c;
  // Gone, or a zombie waiting for its parent (this process) to reap it.
  const std::string stat = read_text(detail::cat("/proc/", std::to_string(*init), "/stat"));
  const auto paren = stat.rfind(')');
  EXPECT_TRUE(stat.empty() || (paren != std::string::npos && stat.substr(paren + 2, 1) == "Z"))
      << "the node's init survived cleanup: " << stat;
  EXPECT_TRUE(cleanup(&*tag_).ok()) << "cleanup is idempotent";

  EXPECT_TRUE(delete_netns(other_ns).ok());
  lab_ = std::make_unique<Lab>(*tag_);  // for TearDown's check
}

}  // namespace
}  // namespace cloudnet::netlab
