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
//                each PIP, every node a namespace + cgroups + init process,
//                every link VXLAN + macvlan + tbf, the transit tunnels
//      config    every link end gets its address (one /30 per link) inside
//                the node's namespace (ip netns exec ... ip addr add), 8 in
//                parallel
//      pings     one ping across every link (8 in parallel), all answered
//      pingable  running + config + pings: request to a usable network
//    Then the VNet is deleted (timed too) and the labs must hold no node
//    namespace ("-v-") any more. The in-run comparison is the same size on
//    one PIP ("vs 1 PIP": what spreading over providers costs) and the
//    marginal cost per node between the smallest and the largest size.
//
// 2. Console set-up per proxy hop (thesis 3.3.5): on a running node, a ticket
//    straight from the PIP (1 hop: PIP relay -> shell) and one through the
//    VNP (2 hops: VNP relay -> PIP relay -> shell), each then
//    console::connect and an echo round trip through the node's interactive
//    shell (until the output of `echo cn$((40+2))ok`, "cn42ok", arrives: the
//    terminal's echo of the command line does not contain it). Median of
//    --console-tries tries each, alternating; the difference is the cost of
//    one more hop.
//
// 3. The seeds' figures next to ours (seed / ours): 16.8 s for a small VNet
//    on pre-allocated VMs, 109.5 s including VM boot, ~0.02 s per console
//    proxy hop.
//
// Every run checks what it measures (every VNet running with each node at
// the PIP it asked for, one namespace per node, every ping answered, every
// console echo, nothing left after delete and at exit) and exits 1 if any
// check failed. Needs root, `ip netns`, cgroup v1 and ping.
//
//   dataplane_bench [--quick] [--reps R] [--sizes 10,30,100] [--pips 1,2,3]
//                   [--threads T] [--console-tries N] [--no-console]
//                   [--vnp-strategy S] [--pip-strategy S]
// --quick: 10 nodes on 1 and 2 PIPs, one repetition, 5 console tries.
// Defaults: --reps 3 (sizes of 100 nodes and more: 1 unless --reps is given),
// --threads 8, --console-tries 20, --vnp-strategy auto, --pip-strategy fast.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
#include "netlab/names.h"
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

// A federation of p lab PIPs; `lab_s` gets the time it took to build.
std::unique_ptr<federation::LocalFederation> start_federation(const Settings& s, int p, int hosts,
                                                              int cores, double* lab_s) {
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
    lo.tag = "b" + g_names.run + c + static_cast<char>('a' + k);
    auto tag = netlab::Tag::make(lo.tag);
    if (!tag) die("tag " + lo.tag + ": " + tag.error().message);
    g_names.tags.push_back(*tag);
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
  double lab = 0;
  Run med;
};

Case run_case(const Settings& s, int n, int p) {
  Case c;
  c.n = n;
  c.p = p;
  c.reps = s.reps_given || n < 100 ? s.reps : 1;
  // 4 hosts per PIP with room for every node of the case.
  const int hosts = 4;
  const int cores = std::max(4, (n + hosts - 1) / hosts);
  auto fed = start_federation(s, p, hosts, cores, &c.lab);
  auto client = fed->customer_client();
  if (!client) fail(client.error().message);
  const std::string net = "dp" + std::to_string(n) + "x" + std::to_string(p);
  flerd::Loaded req = flerd::read_string(chain_request(n, p, net), flerd::Format::kYaml, net);
  if (!req.ok()) die("request: " + req.diagnostics.format());
  std::vector<Run> runs;
  for (int k = 0; k < c.reps; ++k) runs.push_back(run_once(s, *fed, **client, req.document, n, p));
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
  auto fed = start_federation(s, 1, 1, 4, &lab);
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
          "dataplane_bench [--quick] [--reps R] [--sizes 10,30,100] [--pips 1,2,3] [--threads T]\n"
          "                [--console-tries N] [--no-console] [--vnp-strategy S] "
          "[--pip-strategy S]\n");
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
      "joined by VXLAN transit tunnels through one exchange; VNP strategy %s, PIP strategy %s; "
      "%d threads for addresses and pings; median of %d (100+ nodes: %d)\n",
      s.vnp_strategy.c_str(), s.pip_strategy.c_str(), s.threads, s.reps, s.reps_given ? s.reps : 1);
  int status = 0;
  const auto all0 = Clock::now();
  std::vector<Case> cases;
  std::optional<ConsoleFigures> cons;
  try {
    std::printf("\n%6s %5s %4s %7s %10s %9s %8s %11s %9s %8s %12s %9s\n", "nodes", "PIPs", "reps",
                "lab s", "running s", "config s", "pings s", "pingable s", "per node", "delete s",
                "running/node", "vs 1 PIP");
    for (int n : s.sizes) {
      for (int p : s.pips) {
        if (p > n) continue;
        const Case c = run_case(s, n, p);
        cases.push_back(c);
        std::string vs = "";
        for (const auto& b : cases)
          if (b.n == n && b.p == 1 && b.med.pingable > 0) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.2fx", c.med.pingable / b.med.pingable);
            vs = buf;
          }
        std::printf("%6d %5d %4d %7.2f %10.2f %9.2f %8.2f %11.2f %6.0f ms %8.2f %9.0f ms %9s\n", n,
                    p, c.reps, c.lab, c.med.running, c.med.config, c.med.pings, c.med.pingable,
                    1000 * c.med.pingable / n, c.med.del, 1000 * c.med.running / n, vs.c_str());
        std::fflush(stdout);
      }
    }
    std::printf(
        "lab = building the PIPs' lab substrates (federation start, not part of the request); "
        "running = create+confirm until running; pingable = running + config + pings (every "
        "link answered); per node = pingable / nodes; vs 1 PIP = pingable / pingable of the "
        "same size on one PIP.\n");
    // Marginal cost per node: smallest to largest size, per PIP count.
    if (s.sizes.size() > 1) {
      std::printf("marginal cost per added node (pingable, %d -> %d nodes):",
                  *std::min_element(s.sizes.begin(), s.sizes.end()),
                  *std::max_element(s.sizes.begin(), s.sizes.end()));
      for (int p : s.pips) {
        const Case *lo = nullptr, *hi = nullptr;
        for (const auto& c : cases)
          if (c.p == p) {
            if (!lo || c.n < lo->n) lo = &c;
            if (!hi || c.n > hi->n) hi = &c;
          }
        if (lo && hi && hi->n > lo->n)
          std::printf("  %d PIP%s %.0f ms", p, p == 1 ? "" : "s",
                      1000 * (hi->med.pingable - lo->med.pingable) / (hi->n - lo->n));
      }
      std::printf("\n");
    }
    std::fflush(stdout);

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
    std::printf("CHECK FAILED: %s\n", e.what());
    status = 1;
  }

  // Section 3: the seeds' prototype.
  if (!cases.empty() || cons) {
    std::printf("\ncompared with the seeds' prototype (seed / ours; > 1: ours is faster):\n");
    for (const auto& c : cases) {
      if (c.n != *std::min_element(s.sizes.begin(), s.sizes.end())) continue;
      std::printf(
          "  small VNet (the smallest size run), %d nodes on %d PIP%s: pingable %.2f s; seed "
          "16.8 s on pre-allocated VMs -> %.1fx, 109.5 s with VM boot -> %.1fx\n",
          c.n, c.p, c.p == 1 ? "" : "s", c.med.pingable, 16.8 / c.med.pingable,
          109.5 / c.med.pingable);
    }
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
