// Load on a PIP daemon through its HTTP API: `cloudnetd pip` on a generated
// 100-host Waxman substrate, N concurrent customers each creating (confirmed
// in one step), then deleting small VNets for T seconds. Prints throughput
// and latency percentiles per phase, the ratio to an in-run 1-client
// baseline, and checks that the substrate's metrics are back to their
// initial values at the end (no leaked reservation).
//
//   pip_load_bench [--clients N] [--seconds T] [--nodes K] [--strategy S]
//
// --strategy is the daemon's mapping.strategy (default auto, which picks
// mip+start, i.e. CBC, for these small requests). CBC runs under one
// process-wide mutex (solver/cbc_solver.cc: CbcMain keeps global state), so
// with a CBC strategy the mapping step of concurrent creates is serialised;
// `--strategy fast` shows the throughput without that lock.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/remote_provider.h"
#include "flerd/io.h"

namespace {

using namespace cloudnet;
using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "pip_load_bench: %s\n", what.c_str());
  std::exit(1);
}

// A Waxman graph (alpha 0.4, beta 0.2 on the unit square) made connected by
// a chain through nodes in x order, as a FleRD UL0 with CPU/RAM per host
// and bandwidth/latency per link.
std::string waxman_substrate(int n, unsigned seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> x(static_cast<std::size_t>(n)), y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = u(g), y[i] = u(g);
  std::vector<std::pair<int, int>> edges;
  std::vector<int> order(x.size());
  for (int i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return x[static_cast<std::size_t>(a)] < x[static_cast<std::size_t>(b)];
  });
  for (std::size_t i = 1; i < order.size(); ++i) edges.emplace_back(order[i - 1], order[i]);
  for (int a = 0; a < n; ++a) {
    for (int b = a + 1; b < n; ++b) {
      const auto ia = static_cast<std::size_t>(a), ib = static_cast<std::size_t>(b);
      const double d = std::hypot(x[ia] - x[ib], y[ia] - y[ib]);
      if (u(g) < 0.4 * std::exp(-d / (0.2 * std::sqrt(2.0)))) edges.emplace_back(a, b);
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());

  std::vector<std::vector<std::string>> ifaces(x.size());
  std::ostringstream ne, res;
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const std::string l = "s:l" + std::to_string(e);
    const auto [a, b] = edges[e];
    ifaces[static_cast<std::size_t>(a)].push_back(
        "{id: s:h" + std::to_string(a) + "i" + std::to_string(e) + ", identifier: e" +
        std::to_string(e) + ", ni_type: /interface/ethernet, connectedInterface: " + l + "a}");
    ifaces[static_cast<std::size_t>(b)].push_back(
        "{id: s:h" + std::to_string(b) + "i" + std::to_string(e) + ", identifier: e" +
        std::to_string(e) + ", ni_type: /interface/ethernet, connectedInterface: " + l + "b}");
    ne << "      - {id: " << l << ", identifier: L" << e
       << ", ne_type: /link/ethernet, graphLabel: s:ul0, resource: [" << l << "bw, " << l
       << "lat], networkInterfaces: [{id: " << l
       << "a, identifier: a, ni_type: /interface/ethernet, "
       << "connectedInterface: s:h" << a << "i" << e << "}, {id: " << l
       << "b, identifier: b, ni_type: /interface/ethernet, "
       << "connectedInterface: s:h" << b << "i" << e << "}]}\n";
    res << "      - {id: " << l
        << "bw, attribute: /link/symmetric/bandwidth, value: 1000, resource_unit: Mbps, "
           "request_flag: false}\n"
        << "      - {id: " << l
        << "lat, attribute: /link/generic/latency, value: 2, resource_unit: ms, request_flag: "
           "false}\n";
  }
  std::ostringstream out;
  out << "namespaces: {s: /cloudnet/bench/waxman}\nTopology:\n"
      << "  - GraphLabel: {id: s:ul0, role_identifier: PIPBench, graph_type: UL, graph_nr: 0, "
         "net_identifier: waxman}\n"
      << "    NetworkElement:\n";
  for (int i = 0; i < n; ++i) {
    const std::string h = "s:h" + std::to_string(i);
    out << "      - {id: " << h << ", identifier: H" << i
        << ", ne_type: /node/host/server, graphLabel: s:ul0, resource: [" << h << "cpu, " << h
        << "ram], networkInterfaces: [";
    const auto& f = ifaces[static_cast<std::size_t>(i)];
    for (std::size_t k = 0; k < f.size(); ++k) out << (k ? ", " : "") << f[k];
    out << "]}\n";
    res << "      - {id: " << h
        << "cpu, attribute: /host/generic/CPU/amount, value: 16, resource_unit: cores, "
           "request_flag: false}\n"
        << "      - {id: " << h
        << "ram, attribute: /host/generic/RAM/real/amount, value: 64, resource_unit: GB, "
           "request_flag: false}\n";
  }
  out << ne.str() << "    Resource:\n" << res.str();
  return out.str();
}

const char* kRequest = R"(namespaces: {c: /cloudnet/bench/request}
Topology:
  - GraphLabel: {id: c:ol0, role_identifier: bench, graph_type: OL, graph_nr: 0, net_identifier: small}
    NetworkElement:
      - {id: c:a, identifier: A, ne_type: /node/host/generic, graphLabel: c:ol0, resource: [c:acpu],
         networkInterfaces: [{id: c:ae, identifier: eth0, ni_type: /interface/generic, connectedInterface: c:l0}]}
      - {id: c:b, identifier: B, ne_type: /node/host/generic, graphLabel: c:ol0, resource: [c:bcpu],
         networkInterfaces: [{id: c:be, identifier: eth0, ni_type: /interface/generic, connectedInterface: c:l1}]}
      - {id: c:l, identifier: L, ne_type: /link/generic, graphLabel: c:ol0, resource: [c:lbw],
         networkInterfaces: [{id: c:l0, identifier: i0, ni_type: /interface/generic, connectedInterface: c:ae},
                             {id: c:l1, identifier: i1, ni_type: /interface/generic, connectedInterface: c:be}]}
    Resource:
      - {id: c:acpu, attribute: /host/generic/CPU/amount, value: 1, resource_unit: cores, value_type: minimum, request_flag: true}
      - {id: c:bcpu, attribute: /host/generic/CPU/amount, value: 1, resource_unit: cores, value_type: minimum, request_flag: true}
      - {id: c:lbw, attribute: /link/symmetric/bandwidth, value: 10, resource_unit: Mbps, value_type: minimum, request_flag: true}
)";

// The daemon's pid while it runs, for the exit handler: die() calls
// std::exit, which runs no destructors.
pid_t g_daemon_pid = -1;

void stop_daemon() {
  if (g_daemon_pid > 0) {
    ::kill(g_daemon_pid, SIGTERM);
    ::waitpid(g_daemon_pid, nullptr, 0);
    g_daemon_pid = -1;
  }
}

struct Daemon {
  std::string url;
  ~Daemon() { stop_daemon(); }
};

void start_daemon(Daemon& d, const std::string& dir) {
  int out[2];
  if (::pipe(out) != 0) die("pipe");
  g_daemon_pid = ::fork();
  if (g_daemon_pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    const std::string cfg = dir + "/pip.yaml";
    ::execl(CLOUDNETD_BIN, CLOUDNETD_BIN, "pip", "--config", cfg.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(out[0]);
  auto pos = line.find("listening on ");
  if (pos == std::string::npos) die("cloudnetd did not start: " + line);
  d.url = line.substr(pos + 13);
}

struct Phase {
  double seconds = 0;
  std::vector<double> create_ms, delete_ms;
  int refused = 0;
};

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

Phase run(const std::string& url, int clients, double seconds, const flerd::Document& req) {
  Phase ph;
  std::mutex mu;
  std::vector<std::thread> threads;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  const auto t0 = Clock::now();
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      http::ClientOptions o;
      o.base_url = url;
      o.bearer_token = "bench-token-" + std::to_string(i % 4);
      auto p = api::RemoteProvider::create(o);
      if (!p) die(p.error().message);
      std::vector<double> c_ms, d_ms;
      int refused = 0;
      while (Clock::now() < end) {
        auto a = Clock::now();
        auto v = (*p)->create_vnet({}, req, {.ttl_s = 0, .confirm = true});
        auto b = Clock::now();
        if (!v) {
          if (v.error().code != Error::Code::kInfeasible &&
              v.error().code != Error::Code::kConflict)
            die("create: " + v.error().message);
          ++refused;
          continue;
        }
        c_ms.push_back(std::chrono::duration<double, std::milli>(b - a).count());
        auto d = (*p)->delete_vnet({}, v->id);
        if (!d) die("delete: " + d.error().message);
        d_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - b).count());
      }
      std::lock_guard lock(mu);
      ph.create_ms.insert(ph.create_ms.end(), c_ms.begin(), c_ms.end());
      ph.delete_ms.insert(ph.delete_ms.end(), d_ms.begin(), d_ms.end());
      ph.refused += refused;
    });
  }
  for (auto& t : threads) t.join();
  ph.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return ph;
}

void print(const char* name, const Phase& p) {
  std::printf(
      "%-10s %7zu cycles %8.1f cycles/s | create p50 %7.2f p95 %7.2f p99 %7.2f ms | delete p50 "
      "%7.2f p95 %7.2f p99 %7.2f ms | refused %d\n",
      name, p.create_ms.size(), static_cast<double>(p.create_ms.size()) / p.seconds,
      pct(p.create_ms, 0.5), pct(p.create_ms, 0.95), pct(p.create_ms, 0.99), pct(p.delete_ms, 0.5),
      pct(p.delete_ms, 0.95), pct(p.delete_ms, 0.99), p.refused);
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 8, nodes = 100;
  double seconds = 5;
  std::string strategy = "auto";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--clients")
      clients = std::atoi(argv[i + 1]);
    else if (a == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (a == "--nodes")
      nodes = std::atoi(argv[i + 1]);
    else if (a == "--strategy")
      strategy = argv[i + 1];
    else
      die("usage: pip_load_bench [--clients N] [--seconds T] [--nodes K] [--strategy S]");
  }
  char tmpl[] = "/tmp/pip-load-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) die("mkdtemp");
  const std::string dir = tmpl;
  // The temporary directory goes at every exit (die() included).
  static std::string cleanup_dir;
  cleanup_dir = dir;
  std::atexit([] {
    stop_daemon();
    std::error_code ec;
    std::filesystem::remove_all(cleanup_dir, ec);
  });
  { std::ofstream(dir + "/substrate.yaml") << waxman_substrate(nodes, 42); }
  {
    std::ofstream cfg(dir + "/pip.yaml");
    cfg << "name: pip-bench\nsubstrate: substrate.yaml\nstore: sqlite:" << dir
        << "/pip.db\nlisten: 127.0.0.1:0\ncustomers:\n";
    for (int i = 0; i < 4; ++i) cfg << "  - {name: c" << i << ", token: bench-token-" << i << "}\n";
    cfg << "plugins:\n  sim: {enabled: true}\n";
    cfg << "mapping: {strategy: " << strategy << "}\n";
  }
  auto loaded = flerd::read_string(kRequest, flerd::Format::kYaml, "request");
  if (!loaded.ok()) die(loaded.diagnostics.format());

  Daemon d;
  start_daemon(d, dir);
  http::ClientOptions o;
  o.base_url = d.url;
  o.bearer_token = "bench-token-0";
  auto probe = api::RemoteProvider::create(o);
  if (!probe) die(probe.error().message);
  auto before = (*probe)->get_metrics({});
  if (!before) die(before.error().message);
  std::printf("pip_load_bench: %d-host Waxman substrate, %s, %.0f s per phase, strategy %s\n",
              nodes, d.url.c_str(), seconds, strategy.c_str());

  Phase base = run(d.url, 1, seconds, loaded.document);
  print("1 client", base);
  Phase load = run(d.url, clients, seconds, loaded.document);
  char label[32];
  std::snprintf(label, sizeof label, "%d clients", clients);
  print(label, load);
  const double ratio = (static_cast<double>(load.create_ms.size()) / load.seconds) /
                       std::max(1e-9, static_cast<double>(base.create_ms.size()) / base.seconds);
  std::printf("throughput ratio %d clients / 1 client: %.2fx\n", clients, ratio);

  // Deletion may finish in the background: wait a little for the metrics.
  bool same = false;
  for (int i = 0; i < 100 && !same; ++i) {
    auto after = (*probe)->get_metrics({});
    if (!after) die(after.error().message);
    same = true;
    for (const auto& [attr, r] : before->resources) {
      auto it = after->resources.find(attr);
      if (it == after->resources.end() || std::abs(it->second.available - r.available) > 1e-6)
        same = false;
    }
    if (!same) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::printf("metrics after the run equal the initial capacity: %s\n",
              same ? "yes" : "NO (leaked reservation)");
  return same ? 0 : 1;
}
