// Issue 6's benchmark: time from request to running VNet through a VNP
// (create + confirm + start, until the status says running) for VNets of
// 10, 50 and 200 nodes across 2, 4 and 8 PIPs, each case with parallel and
// with serial negotiation (CloudNet paper 5.5 negotiated serially and names
// parallel as the goal) in the same run; the speed-up parallel/serial per
// case is the in-run comparison.
//
// Every case runs on a fresh federation::LocalFederation: the PIPs and the
// VNP in this process, each behind its own HTTP server on loopback, so every
// call between the roles is real HTTP; SQLite stores in a temporary
// directory; the simulation plugin with --delay-ms per operation (prepare,
// apply, start, ...: what a real plugin would spend; 0 leaves only our own
// CPU time to overlap). The request is a chain of N nodes (2 cores each,
// 10 Mbps links); node i asks for the location of PIP floor(i*P/N), so every
// PIP gets a contiguous share and P-1 links cross PIP borders (transit
// links, full mesh). Each PIP's substrate is a star of hosts with room for
// its share (generated per case).
//
// Phases (median over --reps repetitions), measured at the customer and by
// wrapping the VNP's client of each PIP:
//   sync       get_metrics at every PIP (paper 5.2)
//   map/split  the rest of create: completion, VNP-level mapping, partial
//              graphs, the VNP's store, HTTP to the VNP (paper 5.3-5.4)
//   negotiate  first to last tentative create_vnet at the PIPs (paper 5.5),
//              which includes each PIP's own mapping and prepare
//   confirm    confirm_request: every part confirmed (apply at the PIPs)
//   start      provision(start) until the VNet reports running (paper 5.7)
// The VNP runs with start_on_confirm off so confirm and start are timed
// apart; together they are what a confirm with start_on_confirm does.
//
// The PIPs map with the fast embedder by default (mapping/fast.h, the
// first stage for online use). With --pip-strategy auto each PIP picks the
// exact MIP (mip+start) for these partials, and on the symmetric star
// substrates CBC does not close the gap: from ~12 nodes per PIP every PIP's
// mapping runs to its whole time budget (--time-budget, default 10 s), so
// negotiation takes one budget in parallel and P budgets in serial (200
// nodes on 8 PIPs: 81 s serial, 10.5 s parallel), and the full matrix would
// take far beyond 5 minutes. In this one process CBC also runs under a
// process-wide mutex (solver/cbc_solver.cc), so in parallel a PIP that waits
// for it past its budget answers with its warm start. The last column names
// the strategies the PIPs ran.
//
// Where the CPU went at 200 nodes (perf, 8 PIPs, --delay-ms 0): ~40% in
// yaml-cpp emitting FleRD as YAML, mostly the PIPs storing each VNet's ML
// (the whole mapping document, substrate included). The stores now keep
// FleRD JSON (roles/stored_document.h), which cut the PIPs' summed create
// time for 200 nodes on 8 PIPs (default delay) from 3.8 s to 1.3 s.
//
//   vnp_bench [--quick] [--delay-ms D] [--reps R] [--sizes 10,50,200]
//             [--pips 2,4,8] [--vnp-strategy S] [--pip-strategy S]
//             [--time-budget SECONDS]
// --quick: 10 and 50 nodes on 2 and 4 PIPs, one repetition (a few seconds).
// Defaults: --delay-ms 20, --reps 3, --pip-strategy fast, --time-budget 10.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/remote_provider.h"
#include "federation/chain_request.h"
#include "federation/local_federation.h"
#include "flerd/io.h"
#include "roles/pip/pip_service.h"

namespace {

using namespace cloudnet;
using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "vnp_bench: %s\n", what.c_str());
  std::exit(1);
}

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Every call the VNP makes to a PIP, with its time span.
struct CallLog {
  struct Call {
    std::string op;
    Clock::time_point start, end;
  };
  std::mutex mu;
  std::vector<Call> calls;
  void add(std::string op, Clock::time_point s, Clock::time_point e) {
    std::lock_guard lock(mu);
    calls.push_back({std::move(op), s, e});
  }
  void clear() {
    std::lock_guard lock(mu);
    calls.clear();
  }
  // First start to last end of `op` (0 if none), and the sum of the calls.
  std::pair<double, double> window(const std::string& op) {
    std::lock_guard lock(mu);
    Clock::time_point first = Clock::time_point::max(), last = Clock::time_point::min();
    double sum = 0;
    for (const auto& c : calls) {
      if (c.op != op) continue;
      first = std::min(first, c.start);
      last = std::max(last, c.end);
      sum += ms(c.end - c.start);
    }
    return {first <= last ? ms(last - first) : 0.0, sum};
  }
};

// Forwards to the VNP's HTTP client of one PIP and logs the time of each call.
class Timed final : public roles::Provider {
 public:
  Timed(std::shared_ptr<roles::Provider> inner, std::shared_ptr<CallLog> log)
      : inner_(std::move(inner)), log_(std::move(log)) {}

  template <class F>
  auto timed(const char* op, F&& f) {
    const auto s = Clock::now();
    auto r = f();
    log_->add(op, s, Clock::now());
    return r;
  }
  Result<roles::VNetInfo> create_vnet(const roles::Caller& c, const flerd::Document& r,
                                      const roles::CreateOptions& o) override {
    return timed("create", [&] { return inner_->create_vnet(c, r, o); });
  }
  Result<roles::VNetInfo> confirm_request(const roles::Caller& c, const std::string& v) override {
    return timed("confirm", [&] { return inner_->confirm_request(c, v); });
  }
  Result<roles::VNetInfo> cancel_request(const roles::Caller& c, const std::string& v) override {
    return inner_->cancel_request(c, v);
  }
  Result<roles::VNetInfo> delete_vnet(const roles::Caller& c, const std::string& v) override {
    return inner_->delete_vnet(c, v);
  }
  Result<roles::VNetInfo> modify_vnet(const roles::Caller& c, const std::string& v,
                                      const flerd::Document& r) override {
    return inner_->modify_vnet(c, v, r);
  }
  Result<roles::Metrics> get_metrics(const roles::Caller& c) override {
    return timed("metrics", [&] { return inner_->get_metrics(c); });
  }
  Result<roles::VNetInfo> provision(const roles::Caller& c, const std::string& v, roles::Action a,
                                    const std::string& n) override {
    return timed("provision", [&] { return inner_->provision(c, v, a, n); });
  }
  Result<roles::VNetInfo> status(const roles::Caller& c, const std::string& v) override {
    return timed("status", [&] { return inner_->status(c, v); });
  }
  Result<std::vector<roles::VNetInfo>> list(const roles::Caller& c) override {
    return inner_->list(c);
  }
  Result<flerd::Document> document(const roles::Caller& c, const std::string& v) override {
    return inner_->document(c, v);
  }
  Result<roles::ConsoleAccess> console(const roles::Caller& c, const std::string& v,
                                       const std::string& n) override {
    return inner_->console(c, v, n);
  }

 private:
  std::shared_ptr<roles::Provider> inner_;
  std::shared_ptr<CallLog> log_;
};

std::string region(int k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "/Bench/R%02d", k);
  return buf;
}

// A chain of n nodes; node i (from 0) asks for the location of PIP
// floor(i*p/n).
std::string chain_request(int n, int p) {
  federation::ChainRequest shape;
  shape.cpus.assign(static_cast<std::size_t>(n), 2);
  shape.net = "chain" + std::to_string(n);
  shape.bandwidth_mbps = 10;
  for (int v = 0; v < n; ++v)
    shape.locations.push_back(region(static_cast<int>(static_cast<long long>(v) * p / n)));
  return federation::chain_request_yaml(shape);
}

struct Settings {
  std::vector<int> sizes = {10, 50, 200};
  std::vector<int> pips = {2, 4, 8};
  int reps = 3;
  int delay_ms = 20;
  std::string vnp_strategy = "auto";
  std::string pip_strategy = "fast";
  double time_budget_s = 10;
};

struct Phases {
  double total = 0, sync = 0, split = 0, negotiate = 0, pip_sum = 0, confirm = 0, start = 0;
  std::string pip_strategies;  // what the PIPs' mapping ran ("auto" picks per request)
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

Phases median_of(const std::vector<Phases>& runs) {
  auto pick = [&](double Phases::*f) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(r.*f);
    return median(v);
  };
  Phases m;
  for (double Phases::*f : {&Phases::total, &Phases::sync, &Phases::split, &Phases::negotiate,
                            &Phases::pip_sum, &Phases::confirm, &Phases::start})
    m.*f = pick(f);
  return m;
}

// One case: a fresh federation of `p` PIPs sized for an n-node chain,
// `reps` requests, each created, confirmed, started, then deleted.
Phases run_case(const Settings& s, int n, int p, bool parallel) {
  auto log = std::make_shared<CallLog>();
  federation::Options o;
  const int share = (n + p - 1) / p;
  for (int k = 0; k < p; ++k) {
    federation::GeneratedSubstrate g;
    g.name = "p" + std::to_string(k);
    g.cores = 8;  // 4 nodes of 2 cores per host
    g.hosts = share / 4 + 2;
    g.location = region(k);
    auto sub = federation::generated_substrate(g);
    if (!sub) die(sub.error().message);
    federation::PipOptions po;
    po.name = g.name;
    po.substrate = std::move(*sub);
    po.strategy = s.pip_strategy;
    po.time_budget_s = s.time_budget_s;
    po.sim_delay = std::chrono::milliseconds(s.delay_ms);
    o.pips.push_back(std::move(po));
  }
  o.parallel = parallel;
  o.vnp_strategy = s.vnp_strategy;
  o.vnp_time_budget_s = s.time_budget_s;
  o.start_on_confirm = false;
  o.wrap = [log](const std::string&, std::shared_ptr<roles::Provider> c) {
    return std::shared_ptr<roles::Provider>(std::make_shared<Timed>(std::move(c), log));
  };
  auto fed = federation::LocalFederation::start(std::move(o));
  if (!fed) die(fed.error().message);
  auto client = (*fed)->customer_client();
  if (!client) die(client.error().message);
  api::RemoteProvider& vnp = **client;
  flerd::Loaded req = flerd::read_string(chain_request(n, p), flerd::Format::kYaml, "chain");
  if (!req.ok()) die("request: " + req.diagnostics.format());
  const roles::Caller me{"alice", std::nullopt};

  std::vector<Phases> runs;
  for (int r = 0; r < s.reps; ++r) {
    Phases ph;
    log->clear();
    const auto t0 = Clock::now();
    auto v = vnp.create_vnet(me, req.document, {});
    const auto t1 = Clock::now();
    if (!v)
      die("create (" + std::to_string(n) + " nodes, " + std::to_string(p) +
          " PIPs): " + v.error().message);
    std::map<std::string, int> per_site;
    for (const auto& e : v->elements)
      if (e.kind == "node") ++per_site[e.site];
    if (static_cast<int>(per_site.size()) != p)
      die("the VNet landed on " + std::to_string(per_site.size()) + " PIPs, not " +
          std::to_string(p));
    const auto [sync, sync_sum] = log->window("metrics");
    const auto [neg, neg_sum] = log->window("create");
    auto c = vnp.confirm_request(me, v->id);
    const auto t2 = Clock::now();
    if (!c) die("confirm: " + c.error().message);
    auto st = vnp.provision(me, v->id, roles::Action::kStart, "");
    if (!st) die("start: " + st.error().message);
    while (st->state != "running") {
      if (st->state == "failed") die("vnet failed: " + st->detail);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      st = vnp.status(me, v->id);
      if (!st) die("status: " + st.error().message);
    }
    const auto t3 = Clock::now();
    ph.sync = sync;
    ph.negotiate = neg;
    ph.pip_sum = neg_sum;
    ph.split = std::max(0.0, ms(t1 - t0) - sync - neg);
    ph.confirm = ms(t2 - t1);
    ph.start = ms(t3 - t2);
    ph.total = ms(t3 - t0);
    runs.push_back(ph);
    (void)sync_sum;
    auto d = vnp.delete_vnet(me, v->id);
    if (!d) die("delete: " + d.error().message);
  }
  Phases out = median_of(runs);
  // The strategies the PIPs' mapping used (their journals: "mapped by X (why)").
  std::set<std::string> used;
  for (std::size_t k = 0; k < (*fed)->pip_count(); ++k) {
    auto ev = (*fed)->pip(k).store().read(
        "events", [](store::ProviderTx& tx) { return tx.events(0, 100000); });
    if (!ev) continue;
    for (const auto& e : *ev) {
      if (e.kind != "mapped" || !e.detail.starts_with("mapped by ")) continue;
      const std::string rest = e.detail.substr(10);
      used.insert(rest.substr(0, rest.find_first_of(" :(")));
    }
  }
  for (const auto& u : used) out.pip_strategies += (out.pip_strategies.empty() ? "" : ",") + u;
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
    } else if (a == "--delay-ms") {
      s.delay_ms = std::atoi(value());
    } else if (a == "--reps") {
      s.reps = std::max(1, std::atoi(value()));
    } else if (a == "--sizes") {
      s.sizes = int_list(value());
    } else if (a == "--pips") {
      s.pips = int_list(value());
    } else if (a == "--vnp-strategy") {
      s.vnp_strategy = value();
    } else if (a == "--pip-strategy") {
      s.pip_strategy = value();
    } else if (a == "--time-budget") {
      s.time_budget_s = std::atof(value());
    } else if (a == "--help" || a == "-h") {
      std::printf(
          "vnp_bench [--quick] [--delay-ms D] [--reps R] [--sizes 10,50,200] [--pips 2,4,8]\n"
          "          [--vnp-strategy S] [--pip-strategy S] [--time-budget SECONDS]\n");
      return 0;
    } else {
      die("unknown argument " + a + " (--help)");
    }
  }
  if (quick) {
    s.sizes = {10, 50};
    s.pips = {2, 4};
    s.reps = std::min(s.reps, 1);
  }

  std::printf(
      "vnp_bench: request -> running VNet through a VNP over HTTP; chain requests, P PIPs "
      "(star substrates, SQLite, simulation plugin with %d ms per operation), full-mesh "
      "transit; VNP strategy %s, PIP strategy %s, time budget %g s; median of %d\n",
      s.delay_ms, s.vnp_strategy.c_str(), s.pip_strategy.c_str(), s.time_budget_s, s.reps);
  std::printf("%6s %5s %-9s %9s %8s %10s %10s %9s %9s %9s %8s  %s\n", "nodes", "PIPs", "mode",
              "total ms", "sync", "map/split", "negotiate", "(sum)", "confirm", "start", "speed-up",
              "PIP mapping");
  const auto all0 = Clock::now();
  for (int n : s.sizes) {
    for (int p : s.pips) {
      if (p > n) continue;
      const Phases serial = run_case(s, n, p, false);
      const Phases parallel = run_case(s, n, p, true);
      auto row = [&](const char* mode, const Phases& ph, const std::string& speedup) {
        std::printf("%6d %5d %-9s %9.0f %8.1f %10.1f %10.1f %9.1f %9.1f %9.1f %8s  %s\n", n, p,
                    mode, ph.total, ph.sync, ph.split, ph.negotiate, ph.pip_sum, ph.confirm,
                    ph.start, speedup.c_str(), ph.pip_strategies.c_str());
      };
      row("serial", serial, "");
      char sp[32];
      std::snprintf(sp, sizeof sp, "%.2fx", parallel.total > 0 ? serial.total / parallel.total : 0);
      row("parallel", parallel, sp);
      std::fflush(stdout);
    }
  }
  std::printf(
      "(sum) = the PIPs' create_vnet calls added up: what a serial negotiation waits for; "
      "speed-up = serial total / parallel total. Whole run %.1f s.\n",
      ms(Clock::now() - all0) / 1000);
  return 0;
}
