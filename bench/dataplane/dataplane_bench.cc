// Issue 8's benchmark: the real Linux data plane behind a VNP.
//
// 1. Request -> running -> pingable. For VNets of 10, 30 and 100 virtual
//    nodes across 1, 2 and 3 PIPs: a fresh federation::LocalFederation per
//    case (the VNP and the PIPs in this process, each behind its own HTTP
//    server on loopback, SQLite stores), every PIP on the linux embedding
//    plugin (embed/linux_plugin.h) with a lab substrate of network
//    namespaces under its own tag, the PIPs' tunnel bridges on one exchange
//    (netlab/substrate.h, Uplink) so the P-1 transit links are real VXLAN
//    tunnels. Each PIP's substrate is a generated star (4 hosts) in its own
//    country; the request is a chain of n nodes (0.1 cores, 32 MiB each: the
//    linux plugin refuses less than 8 MiB) on n-1 point-to-point 10 Mbit/s
//    links, and node i white-lists the country of PIP floor(i*P/n), so the
//    VNP has to spread the chain over all P PIPs. Timed at the customer:
//      running   create_vnet with confirm (start on confirm) through the VNP's
//                API until the VNet reports running: mapping at the VNP and at
//                each PIP, every node a namespace + cgroups + root filesystem
//                + init process, every link VXLAN + macvlan + tbf, the transit
//                tunnels
//      config    every link end gets its address (one /30 per link) inside
//                the node's namespace (ip netns exec ... ip addr add), 8 in
//                parallel
//      pings     one ping across every link (8 in parallel), all answered
//      pingable  running + config + pings: request to a usable network
//    Then the VNet is deleted (timed too) and the labs must hold no node
//    namespace ("-v-") any more.
//    Every case runs twice, on fresh federations: "no pool" (LinuxOptions::
//    pool = 0: each node's root filesystem, a copy of the host's /etc, is
//    built when the node is created, ~0.25 s each) and "pool" (each PIP's
//    pool of ready roots, netlab::RootfsPool, holds the number of nodes that
//    PIP hosts plus --pool-extra, and every repetition waits until every
//    pool is full before it submits: the paper's pre-allocated VMs; a node
//    takes a ready root by rename, and the pool refills in the background
//    while the VNet is being built, as it would in service). The ratio no
//    pool / pool is printed per case for running and pingable. The in-run
//    comparisons are the same size and pool mode on one PIP ("vs 1 PIP":
//    what spreading over providers costs) and the marginal cost per node
//    between the smallest and the largest size.
//
// 2. Migration inside a PIP (CloudNet paper 4.2.1; embed/linux_plugin.h):
//    one linux PIP on a lab of 3 hosts on a line H1 - H2 - H3 in Germany,
//    France and the USA; a VNet of 2 nodes on one link, VHost2 pinned to
//    France, VHost1 to Germany ("before") or the USA ("after"). Both get an
//    address; a flood ping (every 10 ms) runs from VHost2 to VHost1 while
//    the PIP's modify_vnet (called directly, not through the VNP) switches
//    the request, so the plugin moves VHost1 between H1 and H3
//    make-before-break. --moves moves, back and forth; per move: the
//    plugin's own measured downtime (LinuxPlugin::migrations(): old instance
//    frozen -> new one reachable and started), the ping's view (replies lost
//    x 10 ms, and the longest gap between two replies), and the whole
//    modify_vnet call. Checked per move: exactly one migration recorded, to
//    the host of the pinned country, one instance of VHost1 in its new
//    namespace, the flood answered again after the move and a ping in each
//    direction.
//
// 3. Console set-up per proxy hop (thesis 3.3.5): on a running node, a ticket
//    straight from the PIP (1 hop: PIP relay -> shell) and one through the
//    VNP (2 hops: VNP relay -> PIP relay -> shell), each then
//    console::connect and an echo round trip through the node's interactive
//    shell (until the output of `echo cn$((40+2))ok`, "cn42ok", arrives: the
//    terminal's echo of the command line does not contain it). Median of
//    --console-tries tries each, alternating; the difference is the cost of
//    one more hop.
//
// 4. The seeds' figures next to ours (seed / ours): 16.8 s for a small VNet
//    on pre-allocated VMs, 109.5 s including VM boot (our no-pool and pool
//    figures against both), ~0.02 s per console proxy hop; our migration
//    downtime on its own (the seeds give no figure for it).
//
// Every run checks what it measures (every VNet running with each node at
// the PIP it asked for, one namespace per node, every pool full before a
// pool run, every ping answered, every move as above, every console echo,
// nothing left after delete and at exit) and exits 1 if any check failed.
// Needs root, `ip netns`, cgroup v1 and ping.
//
//   dataplane_bench [--quick] [--reps R] [--sizes 10,30,100] [--pips 1,2,3]
//                   [--pool both|none|pool] [--pool-extra K] [--moves M]
//                   [--no-migration] [--no-vnets] [--threads T] [--console-tries N]
//                   [--no-console] [--vnp-strategy S] [--pip-strategy S]
// --quick: 10 nodes on 1 and 2 PIPs, one repetition, 5 console tries.
// --no-vnets, --no-migration, --no-console leave out sections 1, 2 and 3.
// Defaults: --reps 3 (sizes of 30 nodes and more: 1, unless --reps is
// given), --pool both, --pool-extra 4, --moves 5, --threads 8,
// --console-tries 20, --vnp-strategy auto, --pip-strategy fast.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/remote_provider.h"
#include "console/client.h"
#include "embed/linux_plugin.h"
#include "federation/local_federation.h"
#include "flerd/io.h"
#include "netlab/command.h"
#include "netlab/kernel.h"
#include "netlab/lab.h"
#include "netlab/names.h"
#include "netlab/rootfs.h"
#include "netlab/substrate.h"
#include "roles/pip/pip_service.h"

namespace {

using namespace cloudnet;
using Clock = std::chrono::steady_clock;

// A failed check: thrown so that the federation (and its labs) is torn down
// on the way out.
struct CheckFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& what) {
  throw CheckFailed(what);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "dataplane_bench: %s\n", what.c_str());
  std::exit(1);
}

double secs(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}
double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// Runs f(0..count-1) on up to `threads` threads.
template <class F>
void parallel_for(int count, int threads, F f) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  const int t = std::max(1, std::min(threads, count));
  for (int k = 0; k < t; ++k)
    pool.emplace_back([&] {
      for (int i = next++; i < count; i = next++) f(i);
    });
  for (auto& th : pool) th.join();
}

// Each PIP sits in its own country; node i asks for the country of PIP
// floor(i*P/n).
const char* const kCountries[] = {"/Europe/Germany", "/Europe/France", "/NA/USA",
                                  "/NA/Canada",      "/Asia/Japan",    "/SA/Brazil"};
constexpr int kMaxPips = static_cast<int>(sizeof kCountries / sizeof kCountries[0]);

int pip_of(int node, int n, int p) {
  return static_cast<int>(static_cast<long long>(node) * p / n);
}

// Node i's interface towards link l of the chain (nodes and links from 0):
// eth0 towards the previous node, eth1 towards the next (eth0 at the first).
std::string ifname(int node, int link) {
  return node == link && node > 0 ? "eth1" : "eth0";
}

// The customer's request as FleRD YAML: nodes N1..Nn (c:n<i>) on a chain of
// links L1..L(n-1) (c:l<i>). RAM is given in GB: the mapping compares values
// without converting units and the substrates count RAM in GB; 0.03125 GB is
// 32 MiB at the linux plugin (powers of 1024).
std::string chain_request(int n, int p, const std::string& net, double cpu = 0.1) {
  std::ostringstream y, res;
  y << "namespaces: {c: /cloudnet/bench/dataplane}\nTopology:\n"
    << "  - GraphLabel: {id: c:ol0, role_identifier: customer1, graph_type: OL, graph_nr: 0, "
       "net_identifier: "
    << net << "}\n    NetworkElement:\n";
  for (int i = 0; i < n; ++i) {
    const std::string id = "c:n" + std::to_string(i + 1);
    y << "      - {id: " << id << ", identifier: N" << i + 1
      << ", ne_type: /node/host/generic, graphLabel: c:ol0, resource: [" << id << "cpu, " << id
      << "ram],\n         features: [{attribute: /position/continent/country, value: "
      << kCountries[pip_of(i, n, p)] << ", priority: 1, request_flag: true}],\n"
      << "         networkInterfaces: [";
    bool first = true;
    for (int l : {i - 1, i}) {
      if (l < 0 || l >= n - 1) continue;
      y << (first ? "" : ", ") << "{id: " << id << ifname(i, l) << ", identifier: " << ifname(i, l)
        << ", ni_type: /interface/generic, connectedInterface: c:l" << l + 1 << (l == i ? "a" : "b")
        << "}";
      first = false;
    }
    y << "]}\n";
    res << "      - {id: " << id << "cpu, attribute: /host/generic/CPU/amount, value: " << cpu
        << ", resource_unit: cores, value_type: minimum, request_flag: true}\n"
        << "      - {id: " << id
        << "ram, attribute: /host/generic/RAM/real/amount, value: 0.03125, resource_unit: GB, "
           "value_type: minimum, request_flag: true}\n";
  }
  for (int l = 0; l + 1 < n; ++l) {
    const std::string id = "c:l" + std::to_string(l + 1);
    y << "      - {id: " << id << ", identifier: L" << l + 1
      << ", ne_type: /link/generic, graphLabel: c:ol0, resource: [" << id << "bw],\n"
      << "         networkInterfaces: [{id: " << id
      << "a, identifier: a, ni_type: /interface/generic, connectedInterface: c:n" << l + 1
      << ifname(l, l) << "}, {id: " << id
      << "b, identifier: b, ni_type: /interface/generic, connectedInterface: c:n" << l + 2
      << ifname(l + 1, l) << "}]}\n";
    res << "      - {id: " << id
        << "bw, attribute: /link/symmetric/bandwidth, value: 10, resource_unit: Mbps, "
           "value_type: minimum, request_flag: true}\n";
  }
  return y.str() + "    Resource:\n" + res.str();
}

// Link l's /30: 10.100.0.0/16 in steps of 4; end a .1, end b .2.
std::string link_address(int l, int end) {
  const int base = 4 * l + 1 + end;
  return "10.100." + std::to_string(base / 256) + "." + std::to_string(base % 256);
}

struct Settings {
  std::vector<int> sizes = {10, 30, 100};
  std::vector<int> pips = {1, 2, 3};
  int reps = 3;
  bool reps_given = false;
  // Pool modes of section 1: without the pool, with it.
  bool no_pool = true, with_pool = true;
  int pool_extra = 4;  // ready roots per PIP beyond the nodes it hosts
  int moves = 5;       // section 2
  bool migration = true;
  bool vnets = true;  // section 1
  int threads = 8;
  int console_tries = 20;
  bool console = true;
  std::string vnp_strategy = "auto";
  std::string pip_strategy = "fast";
};

// Everything of this process in the kernel goes by these tags and exchanges.
struct Names {
  std::string run = std::to_string(::getpid() % 100000);
  int cases = 0;
  std::vector<netlab::Tag> tags;
  std::vector<std::string> exchanges;
};
Names g_names;

// One character per case: tags stay within 8 characters ("b" + 5 digits +
// case + PIP letter).
char case_char(int k) {
  const char* const digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  return digits[k % 36];
}

// The tag of PIP k of the next case; registered for the check at exit.
std::string next_tag(const std::string& c, int k) {
  const std::string text = "b" + g_names.run + c + static_cast<char>('a' + k);
  auto tag = netlab::Tag::make(text);
  if (!tag) die("tag " + text + ": " + tag.error().message);
  g_names.tags.push_back(*tag);
  return text;
}

// A federation of p lab PIPs, PIP k with a pool of pools[k] ready roots;
// `lab_s` gets the time it took to build.
std::unique_ptr<federation::LocalFederation> start_federation(const Settings& s, int p, int hosts,
                                                              int cores,
                                                              const std::vector<std::size_t>& pools,
                                                              double* lab_s) {
  federation::Options o;
  const std::string c(1, case_char(g_names.cases++));
  const std::string exchange = "x" + g_names.run + c;
  if (p > 1) g_names.exchanges.push_back(exchange);
  for (int k = 0; k < p; ++k) {
    federation::GeneratedSubstrate g;
    g.name = "pip" + std::to_string(k + 1);
    g.hosts = hosts;
    g.cores = cores;
    g.ram_gb = 64;
    g.location = kCountries[k];
    auto sub = federation::generated_substrate(g);
    if (!sub) die(sub.error().message);
    federation::PipOptions po;
    po.name = g.name;
    po.substrate = std::move(*sub);
    po.strategy = s.pip_strategy;
    embed::LinuxOptions lo;
    lo.tag = next_tag(c, k);
    lo.pool = pools.at(static_cast<std::size_t>(k));
    if (p > 1)
      lo.uplink = netlab::Uplink{exchange, "10.250.0." + std::to_string(k + 1) + "/16", ""};
    po.linux_plugin = lo;
    o.pips.push_back(std::move(po));
  }
  o.vnp_strategy = s.vnp_strategy;
  o.call_timeout_s = 600;
  o.start_on_confirm = true;
  const auto t0 = Clock::now();
  auto fed = federation::LocalFederation::start(std::move(o));
  if (!fed) fail("federation of " + std::to_string(p) + " lab PIPs: " + fed.error().message);
  *lab_s = secs(Clock::now() - t0);
  return std::move(*fed);
}

// Blocks until the pool of every PIP k with pools[k] > 0 holds pools[k]
// ready roots; the seconds it took. A PIP without a pool must have none.
double wait_pools(federation::LocalFederation& fed, const std::vector<std::size_t>& pools) {
  const auto t0 = Clock::now();
  for (std::size_t k = 0; k < fed.pip_count(); ++k) {
    auto pool = fed.linux_plugin(k)->lab().rootfs_pool();
    if (pools.at(k) == 0) {
      if (pool && pool->ready() > 0)
        fail(fed.pip_name(k) + " has " + std::to_string(pool->ready()) +
             " ready roots with pool = 0");
      continue;
    }
    if (!pool) fail(fed.pip_name(k) + " has no root filesystem pool");
    if (!pool->wait_full(900'000))
      fail(fed.pip_name(k) + "'s pool holds " + std::to_string(pool->ready()) + " of " +
           std::to_string(pools[k]) + " ready roots after 900 s");
  }
  return secs(Clock::now() - t0);
}

// The node namespaces ("-v-") of every PIP: node identifier -> namespace.
std::map<std::string, std::string> node_namespaces(federation::LocalFederation& fed,
                                                   std::size_t* count) {
  std::map<std::string, std::string> out;
  *count = 0;
  for (std::size_t k = 0; k < fed.pip_count(); ++k) {
    const netlab::Tag& tag = fed.linux_plugin(k)->tag();
    auto left = netlab::find_leftovers(&tag);
    if (!left) fail("find_leftovers " + tag.str() + ": " + left.error().message);
    const std::string v = netlab::prefix(tag) + "v-";
    for (const auto& ns : left->netns) {
      if (!ns.starts_with(v)) continue;
      ++*count;
      out[ns.substr(ns.rfind('.') + 1)] = ns;
    }
  }
  return out;
}

struct Run {
  double running = 0, config = 0, pings = 0, pingable = 0, del = 0;
};

// One VNet: created, confirmed and running; addressed; pinged across every
// link; deleted, and nothing of it left in the labs.
Run run_once(const Settings& s, federation::LocalFederation& fed, api::RemoteProvider& vnp,
             const flerd::Document& req, int n, int p) {
  const roles::Caller me{fed.customer(), std::nullopt};
  const std::string what = std::to_string(n) + " nodes on " + std::to_string(p) + " PIPs";
  Run r;
  const auto t0 = Clock::now();
  auto v = vnp.create_vnet(me, req, {.ttl_s = 0, .confirm = true});
  if (!v) fail("create (" + what + "): " + v.error().message);
  while (v->state != "running") {
    if (v->state == "failed" || secs(Clock::now() - t0) > 600)
      fail("vnet " + v->id + " (" + what + ") is " + v->state + ": " + v->detail);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const std::string id = v->id;
    v = vnp.status(me, id);
    if (!v) fail("status: " + v.error().message);
  }
  const auto t1 = Clock::now();
  r.running = secs(t1 - t0);
  const std::string id = v->id;
  // Every node running, at the PIP whose country it asked for.
  int nodes = 0;
  for (const auto& e : v->elements) {
    if (e.kind != "node") continue;
    ++nodes;
    const int i = std::atoi(e.id.c_str() + 3) - 1;  // c:n<i+1>
    const std::string want = fed.pip_name(static_cast<std::size_t>(pip_of(i, n, p)));
    if (e.state != "running") fail(id + ": node " + e.id + " is " + e.state);
    if (e.site != want) fail(id + ": node " + e.id + " landed at " + e.site + ", not " + want);
  }
  if (nodes != n) fail(id + " has " + std::to_string(nodes) + " nodes, not " + std::to_string(n));
  std::size_t count = 0;
  const auto ns = node_namespaces(fed, &count);
  if (count != static_cast<std::size_t>(n) || ns.size() != static_cast<std::size_t>(n))
    fail(id + ": " + std::to_string(count) + " node namespaces in the labs, not " +
         std::to_string(n));
  // By node index (looked up here: the workers below must not throw).
  std::vector<std::string> node_ns;
  for (int i = 0; i < n; ++i) {
    auto it = ns.find("N" + std::to_string(i + 1));
    if (it == ns.end()) fail(id + ": no namespace for node N" + std::to_string(i + 1));
    node_ns.push_back(it->second);
  }
  auto ns_of = [&](int i) -> const std::string& { return node_ns[static_cast<std::size_t>(i)]; };

  std::mutex mu;
  std::vector<std::string> errors;
  auto error = [&](std::string e) {
    std::lock_guard lock(mu);
    errors.push_back(std::move(e));
  };
  // Addresses: both ends of every link (2(n-1) commands).
  const int links = n - 1;
  parallel_for(2 * links, s.threads, [&](int k) {
    const int l = k / 2, end = k % 2, node = l + end;
    auto out = netlab::exec_in_netns(
        ns_of(node), {"ip", "addr", "add", link_address(l, end) + "/30", "dev", ifname(node, l)},
        std::chrono::seconds(10));
    if (!out || out->exit_code != 0)
      error("N" + std::to_string(node + 1) +
            " ip addr add: " + (out ? out->err : out.error().message));
  });
  const auto t2 = Clock::now();
  r.config = secs(t2 - t1);
  if (!errors.empty()) fail(id + ": " + errors.front());
  // One ping across every link, from its a end.
  std::atomic<int> answered{0};
  parallel_for(links, s.threads, [&](int l) {
    auto out = netlab::exec_in_netns(ns_of(l),
                                     {"ping", "-n", "-q", "-c", "1", "-w", "3", link_address(l, 1)},
                                     std::chrono::seconds(8));
    if (out && out->exit_code == 0)
      ++answered;
    else
      error("L" + std::to_string(l + 1) + " N" + std::to_string(l + 1) + " -> N" +
            std::to_string(l + 2) + ": " + (out ? "no answer" : out.error().message));
  });
  const auto t3 = Clock::now();
  r.pings = secs(t3 - t2);
  r.pingable = secs(t3 - t0);
  if (answered != links)
    fail(id + ": " + std::to_string(answered.load()) + " of " + std::to_string(links) +
         " links answered a ping; first: " + errors.front());

  const auto t4 = Clock::now();
  auto d = vnp.delete_vnet(me, id);
  if (!d) fail("delete " + id + ": " + d.error().message);
  r.del = secs(Clock::now() - t4);
  node_namespaces(fed, &count);
  if (count != 0)
    fail("after delete of " + id + ": " + std::to_string(count) + " node namespaces left");
  return r;
}

struct Case {
  int n = 0, p = 0, reps = 0;
  bool pool = false;
  std::size_t pool_size = 0;  // the largest PIP's pool
  double lab = 0, fill = 0;   // fill: first wait for full pools
  Run med;
};

// Repetitions of a size: --reps if given, else 3 below 30 nodes and 1 from
// 30 (the default run stays near 15 minutes on 2 cores).
int reps_of(const Settings& s, int n) {
  if (s.reps_given) return s.reps;
  return n < 30 ? s.reps : 1;
}

Case run_case(const Settings& s, int n, int p, bool pool) {
  Case c;
  c.n = n;
  c.p = p;
  c.pool = pool;
  c.reps = reps_of(s, n);
  // 4 hosts per PIP with room for every node of the case.
  const int hosts = 4;
  const int cores = std::max(4, (n + hosts - 1) / hosts);
  // With the pool: as many ready roots as the PIP hosts nodes, and a few more.
  std::vector<std::size_t> pools(static_cast<std::size_t>(p), 0);
  if (pool) {
    for (int i = 0; i < n; ++i) ++pools[static_cast<std::size_t>(pip_of(i, n, p))];
    for (auto& k : pools) k += static_cast<std::size_t>(s.pool_extra);
    c.pool_size = *std::max_element(pools.begin(), pools.end());
  }
  auto fed = start_federation(s, p, hosts, cores, pools, &c.lab);
  auto client = fed->customer_client();
  if (!client) fail(client.error().message);
  const std::string net = "dp" + std::to_string(n) + "x" + std::to_string(p);
  flerd::Loaded req = flerd::read_string(chain_request(n, p, net), flerd::Format::kYaml, net);
  if (!req.ok()) die("request: " + req.diagnostics.format());
  std::vector<Run> runs;
  for (int k = 0; k < c.reps; ++k) {
    // Every repetition starts from full pools (refilled after the last one).
    const double fill = wait_pools(*fed, pools);
    if (k == 0) c.fill = fill;
    runs.push_back(run_once(s, *fed, **client, req.document, n, p));
  }
  auto pick = [&](double Run::*f) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(r.*f);
    return median(v);
  };
  for (double Run::*f : {&Run::running, &Run::config, &Run::pings, &Run::pingable, &Run::del})
    c.med.*f = pick(f);
  return c;
}

// ---- consoles -------------------------------------------------------------

struct Try {
  double ticket = 0, connect = 0, echo = 0, total = 0;
};

Try console_try(roles::Provider& at, const roles::Caller& who, const std::string& vnet,
                const std::string& node) {
  const auto t0 = Clock::now();
  auto access = at.console(who, vnet, node);
  if (!access) fail("console " + node + ": " + access.error().message);
  const auto t1 = Clock::now();
  console::Ticket t;
  t.host = access->host;
  t.port = static_cast<std::uint16_t>(access->port);
  t.token = access->token;
  auto stream = console::connect(t);
  if (!stream) fail("console::connect " + node + ": " + stream.error().message);
  const auto t2 = Clock::now();
  if (Status w = stream->write("echo cn$((40+2))ok\n"); !w)
    fail("console write: " + w.error().message);
  std::string got;
  char buf[4096];
  while (got.find("cn42ok") == std::string::npos) {
    auto r = stream->read(buf, sizeof buf, console::Millis(10000));
    if (!r) fail("console read " + node + ": " + r.error().message + " after '" + got + "'");
    if (*r == 0) fail("console " + node + " closed after '" + got + "'");
    got.append(buf, *r);
  }
  const auto t3 = Clock::now();
  stream->close();
  return {ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t3 - t0)};
}

struct ConsoleFigures {
  Try hop1, hop2;
  int tries = 0;
};

// A 2-node VNet on one lab PIP; tickets from the PIP itself and through the
// VNP, alternating.
ConsoleFigures run_consoles(const Settings& s) {
  double lab = 0;
  auto fed = start_federation(s, 1, 1, 4, {2}, &lab);
  auto client = fed->customer_client();
  if (!client) fail(client.error().message);
  api::RemoteProvider& vnp = **client;
  const roles::Caller me{fed->customer(), std::nullopt};
  flerd::Loaded req =
      flerd::read_string(chain_request(2, 1, "dpcons", 1.0), flerd::Format::kYaml, "c");
  if (!req.ok()) die("request: " + req.diagnostics.format());
  auto v = vnp.create_vnet(me, req.document, {.ttl_s = 0, .confirm = true});
  if (!v) fail("create (console): " + v.error().message);
  if (v->state != "running") fail("console vnet " + v->id + " is " + v->state);
  const std::string id = v->id;
  auto parts =
      fed->vnp().store().read("parts", [&](store::ProviderTx& tx) { return tx.parts(id); });
  if (!parts || parts->size() != 1)
    fail("the VNP's parts of " + id + ": " + (parts ? "not one" : parts.error().message));
  const std::string pip_vnet = parts->front().remote_vnet;
  const roles::Caller vnp_at_pip{fed->vnp_account(), std::nullopt};
  const std::string node = "c:n1";
  // One of each first, unmeasured: the shells' first start, the relays' threads.
  (void)console_try(fed->pip(0), vnp_at_pip, pip_vnet, node);
  (void)console_try(vnp, me, id, node);
  std::vector<Try> one, two;
  for (int k = 0; k < s.console_tries; ++k) {
    if (k % 2 == 0) {
      one.push_back(console_try(fed->pip(0), vnp_at_pip, pip_vnet, node));
      two.push_back(console_try(vnp, me, id, node));
    } else {
      two.push_back(console_try(vnp, me, id, node));
      one.push_back(console_try(fed->pip(0), vnp_at_pip, pip_vnet, node));
    }
  }
  auto med = [](const std::vector<Try>& tries) {
    Try m;
    for (double Try::*f : {&Try::ticket, &Try::connect, &Try::echo, &Try::total}) {
      std::vector<double> x;
      for (const auto& t : tries) x.push_back(t.*f);
      m.*f = median(x);
    }
    return m;
  };
  ConsoleFigures out{med(one), med(two), s.console_tries};
  auto d = vnp.delete_vnet(me, id);
  if (!d) fail("delete " + id + ": " + d.error().message);
  return out;
}

// ---- migration -------------------------------------------------------------

// The lab of section 2: three servers of 2 cores in three countries on a
// line H1 - H2 - H3 (as tests/fixtures/lab/substrate-3hosts.yaml).
const char* const kMoveCountries[] = {"/Europe/Germany", "/Europe/France", "/NA/USA"};

std::string move_substrate() {
  std::ostringstream y, res;
  y << "namespaces: {s: /cloudnet/bench/dataplane/lab3}\nTopology:\n"
    << "  - GraphLabel: {id: s:ul0, role_identifier: LAB, graph_type: UL, graph_nr: 0, "
       "net_identifier: lab3}\n    NetworkElement:\n";
  for (int h = 1; h <= 3; ++h) {
    const std::string id = "s:h" + std::to_string(h);
    y << "      - {id: " << id << ", identifier: H" << h
      << ", ne_type: /node/host/server, graphLabel: s:ul0, resource: [" << id << "cpu, " << id
      << "ram],\n         features: [{attribute: /position/continent/country, value: "
      << kMoveCountries[h - 1] << ", priority: 1, request_flag: false}],\n"
      << "         networkInterfaces: [";
    bool first = true;
    for (int l : {h - 1, h}) {  // link l joins H<l> and H<l+1>
      if (l < 1 || l > 2) continue;
      y << (first ? "" : ", ") << "{id: " << id << "e" << l << ", identifier: eth" << (l == h)
        << ", ni_type: /interface/ethernet, connectedInterface: s:l" << l << (l == h ? "a" : "b")
        << "}";
      first = false;
    }
    y << "]}\n";
    res << "      - {id: " << id
        << "cpu, attribute: /host/generic/CPU/amount, value: 2, resource_unit: cores, "
           "request_flag: false}\n"
        << "      - {id: " << id
        << "ram, attribute: /host/generic/RAM/real/amount, value: 1, resource_unit: GB, "
           "request_flag: false}\n";
  }
  for (int l = 1; l <= 2; ++l) {
    const std::string id = "s:l" + std::to_string(l);
    y << "      - {id: " << id << ", identifier: L" << l
      << ", ne_type: /link/ethernet, graphLabel: s:ul0, resource: [" << id << "bw],\n"
      << "         networkInterfaces: [{id: " << id
      << "a, identifier: a, ni_type: /interface/ethernet, connectedInterface: s:h" << l << "e" << l
      << "}, {id: " << id
      << "b, identifier: b, ni_type: /interface/ethernet, connectedInterface: s:h" << l + 1 << "e"
      << l << "}]}\n";
    res << "      - {id: " << id
        << "bw, attribute: /link/symmetric/bandwidth, value: 1000, resource_unit: Mbps, "
           "request_flag: false}\n";
  }
  return y.str() + "    Resource:\n" + res.str();
}

// VHost1 pinned to `country1`, VHost2 to France, one link between them
// (as tests/fixtures/lab/request-move-before.yaml and -after.yaml).
std::string move_request(const char* country1) {
  std::ostringstream y;
  y << "namespaces: {c: /cloudnet/bench/dataplane/move}\nTopology:\n"
    << "  - GraphLabel: {id: c:ol0, role_identifier: customer1, graph_type: OL, graph_nr: 0, "
       "net_identifier: movenet}\n    NetworkElement:\n";
  for (int v = 1; v <= 2; ++v) {
    const std::string n = std::to_string(v);
    y << "      - {id: c:vhost" << n << ", identifier: VHost" << n
      << ", ne_type: /node/host/generic, graphLabel: c:ol0, resource: [c:v" << n << "cpu, c:v" << n
      << "ram],\n         features: [{attribute: /position/continent/country, value: "
      << (v == 1 ? country1 : kMoveCountries[1]) << ", priority: 1, request_flag: true}],\n"
      << "         networkInterfaces: [{id: c:v" << n
      << "e0, identifier: eth0, ni_type: /interface/generic, connectedInterface: c:link1i" << v - 1
      << "}]}\n";
  }
  y << "      - {id: c:link1, identifier: VH1VH2Link, ne_type: /link/generic, graphLabel: c:ol0, "
       "resource: [c:l1bw],\n"
    << "         networkInterfaces: [{id: c:link1i0, identifier: i0, ni_type: /interface/generic, "
       "connectedInterface: c:v1e0},\n"
    << "                             {id: c:link1i1, identifier: i1, ni_type: "
       "/interface/generic, connectedInterface: c:v2e0}]}\n"
    << "    Resource:\n";
  for (int v = 1; v <= 2; ++v)
    y << "      - {id: c:v" << v
      << "cpu, attribute: /host/generic/CPU/amount, value: 1.5, resource_unit: cores, value_type: "
         "minimum, request_flag: true}\n"
      << "      - {id: c:v" << v
      << "ram, attribute: /host/generic/RAM/real/amount, value: 0.25, resource_unit: GB, "
         "value_type: minimum, request_flag: true}\n";
  y << "      - {id: c:l1bw, attribute: /link/symmetric/bandwidth, value: 50, resource_unit: Mbps, "
       "value_type: minimum, request_flag: true}\n"
    << "    ConstraintGroup:\n      - networkElement: [c:vhost1, c:vhost2]\n        Constraint:\n"
    << "          - {attribute: /position/continent/country/state/city/site/device, relation: "
       "distinct, priority: 1}\n";
  return y.str();
}

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// `ping -n -D -i <interval> -W 1 <addr>` inside a namespace, in the
// background; its output is collected until stop() (SIGINT).
class FloodPing {
 public:
  struct Reply {
    long seq = 0;
    double at = 0;  // wall clock seconds (ping -D)
  };

  FloodPing(const std::string& ns, const std::string& addr, double interval_s) {
    char interval[32];
    std::snprintf(interval, sizeof interval, "%.3f", interval_s);
    const std::vector<std::string> argv = {"ip", "netns", "exec",   ns,   "ping", "-n",
                                           "-D", "-i",    interval, "-W", "1",    addr};
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail("pipe for the flood ping");
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(null_fd, 0);
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      netlab::close_inherited_fds();
      ::signal(SIGPIPE, SIG_DFL);
      ::signal(SIGINT, SIG_DFL);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    if (null_fd >= 0) ::close(null_fd);
    fd_ = fds[0];
    if (pid_ < 0) {
      ::close(fd_);
      fd_ = -1;
      fail("fork for the flood ping");
    }
    reader_ = std::thread([this] {
      char buf[4096];
      for (;;) {
        const ssize_t r = ::read(fd_, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        std::lock_guard lock(mu_);
        out_.append(buf, static_cast<std::size_t>(r));
      }
    });
  }
  ~FloodPing() { stop(); }
  FloodPing(const FloodPing&) = delete;
  FloodPing& operator=(const FloodPing&) = delete;

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGINT);
      if (!netlab::reap(pid_, std::chrono::milliseconds(3000))) {
        ::kill(pid_, SIGKILL);
        (void)netlab::reap(pid_, std::chrono::milliseconds(3000));
      }
      pid_ = -1;
    }
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Every reply so far ("[<time>] 64 bytes from ...: icmp_seq=<n> ..."),
  // in arrival order.
  std::vector<Reply> replies() const {
    std::string text;
    {
      std::lock_guard lock(mu_);
      text = out_;
    }
    std::vector<Reply> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] != '[' || line.find(" bytes from ") == std::string::npos)
        continue;
      const auto seq = line.find("icmp_seq=");
      if (seq == std::string::npos) continue;
      out.push_back({std::atol(line.c_str() + seq + 9), std::atof(line.c_str() + 1)});
    }
    return out;
  }
  std::string output() const {
    std::lock_guard lock(mu_);
    return out_;
  }

  // Waits up to `timeout` for a reply that arrived after wall clock `after`
  // (and, if given, at least `count` replies in all).
  bool wait_reply_after(double after, std::chrono::milliseconds timeout,
                        std::size_t count = 1) const {
    const auto end = Clock::now() + timeout;
    for (;;) {
      const auto r = replies();
      if (r.size() >= count && !r.empty() && r.back().at > after) return true;
      if (Clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string out_;
};

struct Move {
  std::string from, to;
  double plugin_ms = 0;
  long lost = 0;
  double ping_ms = 0, gap_ms = 0, modify_s = 0;
  std::string check = "ok";
};

struct MigrationFigures {
  std::vector<Move> moves;
  Move med;  // of the moves that passed
  int ok = 0;
  double interval_ms = 10;
};

// The node namespaces of the lab: node identifier (without the instance's
// "@<host>") -> its namespaces.
std::map<std::string, std::vector<std::string>> instances_by_node(const netlab::Tag& tag) {
  auto left = netlab::find_leftovers(&tag);
  if (!left) fail("find_leftovers " + tag.str() + ": " + left.error().message);
  std::map<std::string, std::vector<std::string>> out;
  const std::string v = netlab::prefix(tag) + "v-";
  for (const auto& ns : left->netns) {
    if (!ns.starts_with(v)) continue;
    std::string node = ns.substr(ns.rfind('.') + 1);  // VHost1 or VHost1_s_h3
    node = node.substr(0, node.find('_'));
    out[node].push_back(ns);
  }
  return out;
}

std::string one_instance(const std::map<std::string, std::vector<std::string>>& by_node,
                         const std::string& node, const std::string& when) {
  auto it = by_node.find(node);
  const std::size_t count = it == by_node.end() ? 0 : it->second.size();
  if (count != 1)
    fail(when + ": " + std::to_string(count) + " instances of " + node + " in the lab, not 1");
  return it->second.front();
}

void ping_once(const std::string& ns, const std::string& addr, const std::string& what) {
  auto out = netlab::exec_in_netns(ns, {"ping", "-n", "-q", "-c", "1", "-w", "3", addr},
                                   std::chrono::seconds(8));
  if (!out || out->exit_code != 0)
    fail(what + ": no answer from " + addr + " (" +
         (out ? out->out + out->err : out.error().message) + ")");
}

// Fills `f` move by move, so that a failed check still shows the moves
// before it.
void run_migration(const Settings& s, MigrationFigures& f) {
  const double interval_s = f.interval_ms / 1000;
  flerd::Loaded sub = flerd::read_string(move_substrate(), flerd::Format::kYaml, "lab3");
  if (!sub.ok()) die("migration substrate: " + sub.diagnostics.format());
  federation::Options o;
  const std::string c(1, case_char(g_names.cases++));
  federation::PipOptions po;
  po.name = "pipm";
  po.substrate = std::move(sub.document);
  po.strategy = s.pip_strategy;
  embed::LinuxOptions lo;
  lo.tag = next_tag(c, 0);
  lo.pool = 4;
  po.linux_plugin = lo;
  o.pips.push_back(std::move(po));
  o.vnp_strategy = s.vnp_strategy;
  o.call_timeout_s = 600;
  auto started = federation::LocalFederation::start(std::move(o));
  if (!started) fail("federation for the migration: " + started.error().message);
  federation::LocalFederation& fed = **started;
  (void)wait_pools(fed, {4});
  embed::LinuxPlugin& plugin = *fed.linux_plugin(0);
  const netlab::Tag& tag = plugin.tag();
  roles::pip::PipService& pip = fed.pip(0);
  const roles::Caller me{"bench", std::nullopt};

  // 0: VHost1 in Germany (H1), 1: in the USA (H3).
  const std::string hosts[] = {"s:h1", "s:h3"};
  flerd::Document reqs[2];
  for (int k = 0; k < 2; ++k) {
    flerd::Loaded r = flerd::read_string(move_request(kMoveCountries[k == 0 ? 0 : 2]),
                                         flerd::Format::kYaml, "movenet");
    if (!r.ok()) die("migration request: " + r.diagnostics.format());
    reqs[k] = std::move(r.document);
  }
  auto v = pip.create_vnet(me, reqs[0], {.ttl_s = 0, .confirm = true});
  if (!v) fail("create (migration): " + v.error().message);
  const std::string id = v->id;
  if (v->state != "running") {
    auto p = pip.provision(me, id, roles::Action::kStart, "");
    if (!p) fail("start " + id + ": " + p.error().message);
  }
  auto running = [&](const std::string& when) {
    auto st = pip.status(me, id);
    if (!st) fail(when + ": status of " + id + ": " + st.error().message);
    if (st->state != "running") fail(when + ": " + id + " is " + st->state + ": " + st->detail);
  };
  running("after create");
  auto by_node = instances_by_node(tag);
  std::string ns1 = one_instance(by_node, "VHost1", "after create");
  const std::string ns2 = one_instance(by_node, "VHost2", "after create");
  const std::string a1 = "192.168.62.1", a2 = "192.168.62.2";
  for (const auto& [ns, addr] : {std::pair{ns1, a1}, std::pair{ns2, a2}}) {
    auto out = netlab::exec_in_netns(ns, {"ip", "addr", "add", addr + "/24", "dev", "eth0"},
                                     std::chrono::seconds(10));
    if (!out || out->exit_code != 0)
      fail(ns + " ip addr add: " + (out ? out->err : out.error().message));
  }
  ping_once(ns2, a1, "before the first move, VHost2 -> VHost1");

  for (int k = 0; k < s.moves; ++k) {
    const int to = (k + 1) % 2;  // the request (and host) VHost1 moves to
    const std::string what = "move " + std::to_string(k + 1);
    const std::size_t recorded = plugin.migrations().size();
    FloodPing flood(ns2, a1, interval_s);
    // A steady flood first: 20 replies.
    if (!flood.wait_reply_after(0, std::chrono::seconds(5), 20))
      fail(what + ": the flood ping is not answered before the move: " + flood.output());
    const auto t0 = Clock::now();
    auto m = pip.modify_vnet(me, id, reqs[to]);
    const auto t1 = Clock::now();
    const double wall1 = wall_now();
    if (!m) fail(what + ": modify_vnet: " + m.error().message);
    // Answered again after the modify returned, then a little more.
    const bool again = flood.wait_reply_after(wall1, std::chrono::seconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    flood.stop();
    const auto replies = flood.replies();
    std::set<long> seqs;
    double gap = 0;
    for (std::size_t i = 0; i < replies.size(); ++i) {
      seqs.insert(replies[i].seq);
      if (i > 0) gap = std::max(gap, replies[i].at - replies[i - 1].at);
    }
    Move& mv = f.moves.emplace_back();
    auto bad = [&](const std::string& why) {
      mv.check = "FAILED";
      fail(what + ": " + why);
    };
    // Replies missing between the first and the last answered; without an
    // answer after the move, up to the last request sent (ping's summary).
    long last = *seqs.rbegin();
    if (!again) {
      const std::string out = flood.output();
      if (auto at = out.find(" packets transmitted"); at != std::string::npos)
        last = std::atol(out.c_str() + out.rfind('\n', at) + 1);
    }
    mv.lost = (last - *seqs.begin() + 1) - static_cast<long>(seqs.size());
    mv.ping_ms = static_cast<double>(mv.lost) * f.interval_ms;
    mv.gap_ms = 1000 * (again ? gap : std::max(gap, wall_now() - replies.back().at));
    mv.modify_s = secs(t1 - t0);
    const auto migs = plugin.migrations();
    if (migs.size() != recorded + 1)
      bad(std::to_string(migs.size() - recorded) + " migrations recorded, not 1");
    const auto& rec = migs.back();
    mv.from = rec.from;
    mv.to = rec.to;
    mv.plugin_ms = rec.downtime_ms;
    // The node's id at the PIP is the completed one (c:vhost1.ol1).
    if (!rec.node.starts_with("c:vhost1") || rec.to != hosts[to] || rec.from != hosts[1 - to])
      bad("recorded " + rec.node + " from " + rec.from + " to " + rec.to + ", not c:vhost1 from " +
          hosts[1 - to] + " to " + hosts[to]);
    if (!again) bad("the flood ping VHost2 -> VHost1 is not answered within 10 s after the move");
    running(what);
    by_node = instances_by_node(tag);
    const std::string moved = one_instance(by_node, "VHost1", what);
    if (moved == ns1) bad("VHost1 is still in " + ns1);
    if (!moved.ends_with(netlab::sanitize("VHost1@" + hosts[to])))
      bad("VHost1 is in " + moved + ", not its instance on " + hosts[to]);
    if (one_instance(by_node, "VHost2", what) != ns2) bad("VHost2 moved");
    ping_once(ns2, a1, what + ", VHost2 -> VHost1");
    ping_once(moved, a2, what + ", VHost1 -> VHost2");
    ns1 = moved;
  }
  auto d = pip.delete_vnet(me, id);
  if (!d) fail("delete " + id + ": " + d.error().message);
  if (!instances_by_node(tag).empty()) fail("after delete of " + id + ": node namespaces left");
}

// The medians of the moves that passed their checks.
void migration_medians(MigrationFigures& f) {
  f.ok = 0;
  for (const auto& mv : f.moves) f.ok += mv.check == "ok";
  auto pick = [&](auto field) {
    std::vector<double> x;
    for (const auto& mv : f.moves)
      if (mv.check == "ok") x.push_back(static_cast<double>(mv.*field));
    return median(x);
  };
  f.med.plugin_ms = pick(&Move::plugin_ms);
  f.med.lost = std::lround(pick(&Move::lost));
  f.med.ping_ms = pick(&Move::ping_ms);
  f.med.gap_ms = pick(&Move::gap_ms);
  f.med.modify_s = pick(&Move::modify_s);
}

void print_migration(const MigrationFigures& m, int planned) {
  std::printf(
      "\nmigration inside one PIP (lab H1 - H2 - H3 in Germany, France, USA; VHost1 <-> VHost2 on "
      "one link, VHost2 on H2; modify_vnet at the PIP re-pins VHost1, which moves between H1 and "
      "H3; flood ping VHost2 -> VHost1 every %.0f ms), %zu of %d moves:\n",
      m.interval_ms, m.moves.size(), planned);
  std::printf("%6s %-14s %10s %6s %8s %11s %9s %6s\n", "move", "from -> to", "plugin ms", "lost",
              "ping ms", "max gap ms", "modify s", "check");
  for (std::size_t k = 0; k < m.moves.size(); ++k) {
    const Move& mv = m.moves[k];
    std::printf("%6zu %-14s %10.2f %6ld %8.0f %11.2f %9.2f %6s\n", k + 1,
                (mv.from + " -> " + mv.to).c_str(), mv.plugin_ms, mv.lost, mv.ping_ms, mv.gap_ms,
                mv.modify_s, mv.check.c_str());
  }
  if (m.ok > 0)
    std::printf("%6s %-14s %10.2f %6ld %8.0f %11.2f %9.2f %6s\n", "median", "", m.med.plugin_ms,
                m.med.lost, m.med.ping_ms, m.med.gap_ms, m.med.modify_s,
                m.ok == static_cast<int>(m.moves.size()) ? "" : "of ok");
  std::printf(
      "plugin = the linux plugin's measured downtime (old instance frozen -> new one reachable "
      "and started; LinuxPlugin::migrations()); lost = flood-ping replies missing between the "
      "first and the last answered, ping = lost x %.0f ms; max gap = the longest time between "
      "two replies (one interval when nothing is lost); modify = the whole modify_vnet call "
      "(mapping with migration costs, the new instance, switch-over, the old one removed). "
      "Every move: one migration to the pinned host, the flood answered again within 10 s of "
      "the modify and a ping each way.\n",
      m.interval_ms);
}

// Whatever of this process's tags is still in the kernel: removed, and
// reported (it should have gone with each federation).
std::string leftovers() {
  std::string out;
  for (const auto& t : g_names.tags) {
    auto left = netlab::find_leftovers(&t);
    if (left && !left->empty()) out += " " + t.str() + ": " + left->describe();
    (void)netlab::cleanup(&t);
  }
  for (const auto& x : g_names.exchanges)
    if (netlab::netns_exists(netlab::exchange_netns(x))) {
      out += " exchange " + netlab::exchange_netns(x);
      (void)netlab::delete_netns(netlab::exchange_netns(x));
    }
  return out;
}

std::vector<int> int_list(const char* text) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(std::atoi(item.c_str()));
  return out;
}

std::string unavailable() {
  if (::geteuid() != 0) return "needs root";
  if (!netlab::run_ok({"ip", "netns", "list"}).ok()) return "`ip netns` is unavailable";
  for (const auto& c : netlab::Cgroup::controllers())
    if (::access(("/sys/fs/cgroup/" + c + "/cgroup.procs").c_str(), F_OK) != 0)
      return "cgroup v1 controller " + c + " is not mounted";
  if (!netlab::run({"ping", "-V"}).ok()) return "ping is missing";
  return "";
}

// What the pool saves per node: building one root (netlab::build_rootfs,
// a copy of the host's /etc) against taking a ready one (a rename), median
// of `count`, under this process's own tag in the roots' base folder.
std::pair<double, double> root_costs(int count) {
  const std::string text = "b" + g_names.run + "r";
  auto tag = netlab::Tag::make(text);
  if (!tag) die("tag " + text + ": " + tag.error().message);
  g_names.tags.push_back(*tag);
  const std::string dir = std::string(netlab::kRootfsBase) + "/" + text;
  std::vector<double> build, take;
  for (int k = 0; k < count; ++k) {
    const std::string a = dir + "/ready" + std::to_string(k), b = dir + "/node" + std::to_string(k);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const auto t0 = Clock::now();
    if (Status st = netlab::build_rootfs(a); !st) fail("build_rootfs: " + st.error().message);
    const auto t1 = Clock::now();
    std::filesystem::rename(a, b, ec);
    const auto t2 = Clock::now();
    if (ec) fail("renaming " + a + ": " + ec.message());
    build.push_back(ms(t1 - t0));
    take.push_back(ms(t2 - t1));
  }
  if (Status st = netlab::remove_tree(dir); !st) fail(st.error().message);
  return {median(build), median(take)};
}

// One row of section 1's table.
void print_case(const Case& c, const std::vector<Case>& cases) {
  std::string vs = "";
  for (const auto& b : cases)
    if (b.n == c.n && b.p == 1 && b.pool == c.pool && b.med.pingable > 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.2fx", c.med.pingable / b.med.pingable);
      vs = buf;
    }
  char pool[16] = "none", fill[16] = "-";
  if (c.pool) {
    std::snprintf(pool, sizeof pool, "%zu", c.pool_size);
    std::snprintf(fill, sizeof fill, "%.2f", c.fill);
  }
  std::printf("%6d %5d %5s %4d %7.2f %7s %10.2f %9.2f %8.2f %11.2f %6.0f ms %8.2f %9.0f ms %9s\n",
              c.n, c.p, pool, c.reps, c.lab, fill, c.med.running, c.med.config, c.med.pings,
              c.med.pingable, 1000 * c.med.pingable / c.n, c.med.del, 1000 * c.med.running / c.n,
              vs.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--quick") {
      quick = true;
    } else if (a == "--reps") {
      s.reps = std::max(1, std::atoi(value()));
      s.reps_given = true;
    } else if (a == "--sizes") {
      s.sizes = int_list(value());
    } else if (a == "--pips") {
      s.pips = int_list(value());
    } else if (a == "--pool") {
      const std::string m = value();
      if (m != "both" && m != "none" && m != "pool") die("--pool: both, none or pool");
      s.no_pool = m != "pool";
      s.with_pool = m != "none";
    } else if (a == "--pool-extra") {
      s.pool_extra = std::max(0, std::atoi(value()));
    } else if (a == "--moves") {
      s.moves = std::max(1, std::atoi(value()));
    } else if (a == "--no-vnets") {
      s.vnets = false;
    } else if (a == "--no-migration") {
      s.migration = false;
    } else if (a == "--threads") {
      s.threads = std::max(1, std::atoi(value()));
    } else if (a == "--console-tries") {
      s.console_tries = std::max(1, std::atoi(value()));
    } else if (a == "--no-console") {
      s.console = false;
    } else if (a == "--vnp-strategy") {
      s.vnp_strategy = value();
    } else if (a == "--pip-strategy") {
      s.pip_strategy = value();
    } else if (a == "--help" || a == "-h") {
      std::printf(
          "dataplane_bench [--quick] [--reps R] [--sizes 10,30,100] [--pips 1,2,3]\n"
          "                [--pool both|none|pool] [--pool-extra K] [--moves M] "
          "[--no-migration] [--no-vnets]\n"
          "                [--threads T] [--console-tries N] [--no-console] [--vnp-strategy S]\n"
          "                [--pip-strategy S]\n");
      return 0;
    } else {
      die("unknown argument " + a + " (--help)");
    }
  }
  if (quick) {
    s.sizes = {10};
    s.pips = {1, 2};
    s.reps = 1;
    s.reps_given = true;
    s.console_tries = std::min(s.console_tries, 5);
  }
  for (int p : s.pips)
    if (p < 1 || p > kMaxPips) die("--pips: 1 to " + std::to_string(kMaxPips) + " PIPs");
  for (int n : s.sizes)
    if (n < 2 || n > 16000) die("--sizes: 2 to 16000 nodes");
  if (const std::string why = unavailable(); !why.empty())
    die("the Linux data plane " + why + " (ip netns, cgroup v1, ping as root)");

  std::printf(
      "dataplane_bench: request -> running -> pingable VNet on the Linux data plane through a "
      "VNP over HTTP; chain of n nodes (0.1 cores, 32 MiB each) on n-1 links of 10 Mbit/s, node "
      "i at PIP floor(i*P/n) by country; each PIP a lab of namespaces (star of 4 hosts), PIPs "
      "joined by VXLAN transit tunnels through one exchange; every node its own root "
      "filesystem, built on demand (pool none) or taken from a pre-allocation pool of ready "
      "roots filled before the request (pool = the largest PIP's pool: its nodes + %d); VNP "
      "strategy %s, PIP strategy %s; %d threads for addresses and pings; median of reps\n",
      s.pool_extra, s.vnp_strategy.c_str(), s.pip_strategy.c_str(), s.threads);
  int status = 0;
  const auto all0 = Clock::now();
  std::vector<Case> cases;
  std::optional<MigrationFigures> mig;
  std::optional<ConsoleFigures> cons;
  std::vector<bool> modes;
  if (s.no_pool) modes.push_back(false);
  if (s.with_pool) modes.push_back(true);
  // Each section on its own: a failed check ends its section (status 1),
  // the others still run.
  auto failed = [&](const CheckFailed& e) {
    std::printf("CHECK FAILED: %s\n", e.what());
    std::fflush(stdout);
    status = 1;
  };
  try {
    if (s.vnets) {
      const auto [build_ms, take_ms] = root_costs(5);
      std::printf(
          "\none node's root filesystem on this machine, median of 5: built on demand %.1f ms, "
          "taken from the pool (rename) %.3f ms\n",
          build_ms, take_ms);
      std::printf("\n%6s %5s %5s %4s %7s %7s %10s %9s %8s %11s %9s %8s %12s %9s\n", "nodes", "PIPs",
                  "pool", "reps", "lab s", "fill s", "running s", "config s", "pings s",
                  "pingable s", "per node", "delete s", "running/node", "vs 1 PIP");
      for (int n : s.sizes) {
        for (int p : s.pips) {
          if (p > n) continue;
          for (bool pool : modes) {
            cases.push_back(run_case(s, n, p, pool));
            print_case(cases.back(), cases);
            std::fflush(stdout);
          }
          if (modes.size() == 2) {
            const Case& none = cases[cases.size() - 2];
            const Case& pool = cases.back();
            std::printf("%17s no pool / pool: running %.2fx, pingable %.2fx\n", "",
                        none.med.running / pool.med.running, none.med.pingable / pool.med.pingable);
          }
        }
      }
      std::printf(
          "lab = building the PIPs' lab substrates (federation start, not part of the request); "
          "fill = then waiting until every PIP's pool was full (before the first repetition; "
          "later ones wait for the refill too, untimed); running = create+confirm until running; "
          "pingable = running + config + pings (every link answered); per node = pingable / "
          "nodes; vs 1 PIP = pingable / pingable of the same size and pool mode on one PIP; no "
          "pool / pool > 1: the pool is faster (its refill runs in the background during the "
          "request).\n");
      // Marginal cost per node: smallest to largest size, per PIP count.
      if (s.sizes.size() > 1) {
        for (bool pool : modes) {
          std::printf("marginal cost per added node (pingable, %d -> %d nodes, %s):",
                      *std::min_element(s.sizes.begin(), s.sizes.end()),
                      *std::max_element(s.sizes.begin(), s.sizes.end()), pool ? "pool" : "no pool");
          for (int p : s.pips) {
            const Case *lo = nullptr, *hi = nullptr;
            for (const auto& c : cases)
              if (c.p == p && c.pool == pool) {
                if (!lo || c.n < lo->n) lo = &c;
                if (!hi || c.n > hi->n) hi = &c;
              }
            if (lo && hi && hi->n > lo->n)
              std::printf("  %d PIP%s %.0f ms", p, p == 1 ? "" : "s",
                          1000 * (hi->med.pingable - lo->med.pingable) / (hi->n - lo->n));
          }
          std::printf("\n");
        }
      }
      std::fflush(stdout);
    }

  } catch (const CheckFailed& e) {
    failed(e);
  }

  if (s.migration) {
    mig.emplace();
    try {
      run_migration(s, *mig);
      migration_medians(*mig);
      print_migration(*mig, s.moves);
    } catch (const CheckFailed& e) {
      migration_medians(*mig);
      print_migration(*mig, s.moves);
      if (mig->moves.empty()) mig.reset();
      failed(e);
    }
    std::fflush(stdout);
  }

  try {
    if (s.console) {
      cons = run_consoles(s);
      const ConsoleFigures& c = *cons;
      std::printf(
          "\nconsole set-up on a running node (interactive /bin/sh on a pty), median of %d:\n",
          c.tries);
      std::printf("%-32s %9s %11s %9s %9s\n", "path", "ticket ms", "connect ms", "echo ms",
                  "total ms");
      std::printf("%-32s %9.2f %11.2f %9.2f %9.2f\n", "1 hop: PIP relay", c.hop1.ticket,
                  c.hop1.connect, c.hop1.echo, c.hop1.total);
      std::printf("%-32s %9.2f %11.2f %9.2f %9.2f\n", "2 hops: VNP relay -> PIP relay",
                  c.hop2.ticket, c.hop2.connect, c.hop2.echo, c.hop2.total);
      std::printf("%-32s %9.2f %11.2f %9.2f %9.2f\n", "per extra hop (2 - 1)",
                  c.hop2.ticket - c.hop1.ticket, c.hop2.connect - c.hop1.connect,
                  c.hop2.echo - c.hop1.echo, c.hop2.total - c.hop1.total);
      std::printf(
          "ticket = console() at the PIP (1 hop) or through the VNP's API over HTTP (2 hops); "
          "connect = console::connect until the chain's OK; echo = `echo cn$((40+2))ok` until "
          "cn42ok comes back; total = all three.\n");
    }
  } catch (const CheckFailed& e) {
    failed(e);
  }

  // The seeds' prototype.
  if (!cases.empty() || mig || cons) {
    std::printf("\ncompared with the seeds' prototype (seed / ours; > 1: ours is faster):\n");
    const int smallest = s.sizes.empty() ? 0 : *std::min_element(s.sizes.begin(), s.sizes.end());
    for (const auto& c : cases) {
      if (c.n != smallest) continue;
      std::printf(
          "  small VNet (%d nodes) on %d PIP%s, %-7s: running %6.2f s, pingable %6.2f s; seed "
          "16.8 s on pre-allocated VMs -> %4.1fx, 109.5 s with VM boot -> %5.1fx\n",
          c.n, c.p, c.p == 1 ? " " : "s", c.pool ? "pool" : "no pool", c.med.running,
          c.med.pingable, 16.8 / c.med.pingable, 109.5 / c.med.pingable);
    }
    if (!cases.empty())
      std::printf(
          "  (the seeds' 16.8 s corresponds to our pool, their 109.5 s with VM boot to our no "
          "pool: a root filesystem built per node)\n");
    if (mig && mig->ok > 0)
      std::printf(
          "  migration inside a PIP: downtime %.2f ms (plugin), %.0f ms (ping, %ld lost), "
          "modify_vnet %.2f s (medians of the %d moves that passed of %zu); the seeds give no "
          "migration downtime and the CloudNet paper's live migration moves VMs: ours only\n",
          mig->med.plugin_ms, mig->med.ping_ms, mig->med.lost, mig->med.modify_s, mig->ok,
          mig->moves.size());
    else if (mig)
      std::printf(
          "  migration inside a PIP: no move passed its checks (%zu tried); the seeds give no "
          "migration downtime figure\n",
          mig->moves.size());
    if (cons) {
      const double hop_s = (cons->hop2.total - cons->hop1.total) / 1000;
      char ratio[32] = "(no measurable cost)";
      if (hop_s > 0) std::snprintf(ratio, sizeof ratio, "%.1fx", 0.02 / hop_s);
      std::printf("  console proxy hop: %.4f s per extra hop; seed ~0.02 s -> %s\n", hop_s, ratio);
    }
  }

  // Nothing of ours may be left in the kernel.
  if (const std::string left = leftovers(); !left.empty()) {
    std::printf("CHECK FAILED: left in the kernel (now removed):%s\n", left.c_str());
    status = 1;
  }
  std::printf("Whole run %.1f s; checks %s.\n", secs(Clock::now() - all0),
              status == 0 ? "passed" : "FAILED");
  return status;
}
