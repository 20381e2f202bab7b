// Online virtual network embedding on the virne benchmark format (issue 4):
// requests arrive and depart in the order of events.yaml; each arrival is
// embedded against the residual substrate or rejected; departures release
// what the request held. Prints acceptance ratio, long-term revenue-to-cost
// (LRC), long-term average revenue (LAR) and decision times, exactly as
// ../shared/benchmarks/README.md defines them, for the fast embedder
// (mapping/fast.h), an in-run node-rank baseline (NRM-like two-stage:
// FastOptions::Strategy::kNodeRank), the relaxed thesis model (path
// splitting and co-location allowed) and optionally the MIP on a prefix.
//
//   online_bench [--data DIR] [--limit N] [--roots K] [--candidates C]
//                [--beta B] [--mip N] [--mip-time S]
//
//   --data DIR      folder with p_net.gml, v_nets/, events.yaml (default: the
//                   shared virne-wx100-seed1 data set)
//   --limit N       replay only the events of the first N requests
//   --roots K       root hosts of the fast embedder (default 16)
//   --candidates C  hosts tried per further virtual node (default 12)
//   --beta B        congestion penalty of the fast embedder (default 0.5)
//   --mip N         also run the MIP (CBC) on the first N requests
//   --mip-time S    MIP time limit per request (default 10 s). Slow: on this
//                   substrate CBC spends minutes per request in its root
//                   dive heuristic (CbcHeuristicDive), which does not look at
//                   the time limit; 3 requests with 5 s did not finish in 4 min.
//
// Every accepted mapping goes through mapping::check(); a violation aborts.
//
// Model (the README's "common setting"): one substrate node element per
// p_net node with its cpu as a /node/cpu resource, one two-interface link
// element per edge with its bw as symmetric (both-ways) bandwidth; a virtual
// node demands its cpu (minimum), a virtual link its bw as symmetric
// bandwidth (one flow between its ends). no_split and no_colocate; objective
// kMinCost. Nodes carry no bandwidth, so the cost of a flow is bw x the
// substrate links it crosses, the README's cost. `used` of every resource is
// the sum of the exact consumption (mapping::compute_usage) of the live
// requests.
//
// Decision time: building the request's Problem from the prepared substrate
// Problem (a copy with `used` updated, plus the request) and solving it;
// reading the GML files is done once up front and not counted. The checker's
// time is not counted either.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "flerd/import/import.h"
#include "flerd/vocabulary.h"
#include "mapping/checker.h"
#include "mapping/engine.h"
#include "mapping/fast.h"
#include "mapping/random_instance.h"
#include "mapping/usage.h"

namespace mp = cloudnet::mapping;
namespace flerd = cloudnet::flerd;

namespace {

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "online_bench: %s\n", why.c_str());
  std::exit(1);
}

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

// prefix + i + suffix, by appending: GCC 12 gives a false -Wrestrict on
// "literal" + std::to_string(i) (it inserts at the front).
std::string name(const char* prefix, std::size_t i, const char* suffix = "") {
  std::string s = prefix;
  s += std::to_string(i);
  s += suffix;
  return s;
}

constexpr const char* kCpu = "/node/cpu";
constexpr const char* kBw = "/link/symmetric/bandwidth";

// A virne graph: node values and edges with values.
struct Net {
  std::vector<double> cpu;
  struct Edge {
    int a = -1, b = -1;
    double bw = 0;
  };
  std::vector<Edge> edges;
};

// Through the importer (import.h: nodes and links of the Document, links
// with two interfaces connected to interfaces of their end nodes).
Net load_gml(const std::string& path, bool as_request) {
  flerd::ImportOptions opts;
  opts.as_request = as_request;
  auto doc = flerd::import_gml(path, opts);
  if (!doc) die("cannot import " + path + ": " + doc.error().message);
  if (doc->topologies.empty()) die(path + ": no topology");
  const flerd::Topology& topo = doc->topologies[0];
  std::unordered_map<std::string, const flerd::Resource*> res;
  for (const flerd::Resource& r : topo.resources) res[r.id] = &r;
  auto value = [&](const flerd::NetworkElement& e, const char* attribute) {
    for (const auto& ref : e.resource) {
      auto it = res.find(ref.id);
      if (it != res.end() && it->second->attribute == attribute) return it->second->value;
    }
    return 0.0;
  };
  Net net;
  std::unordered_map<std::string, int> node_of_interface;
  for (const flerd::NetworkElement& e : topo.networkElements) {
    if (e.is_link()) continue;
    const int n = static_cast<int>(net.cpu.size());
    net.cpu.push_back(value(e, flerd::vocab::kCpu));
    for (const flerd::NetworkInterface& i : e.networkInterfaces) node_of_interface[i.id] = n;
  }
  for (const flerd::NetworkElement& e : topo.networkElements) {
    if (!e.is_link()) continue;
    std::vector<int> ends;
    for (const flerd::NetworkInterface& i : e.networkInterfaces) {
      if (!i.connectedInterface) continue;
      auto it = node_of_interface.find(i.connectedInterface->id);
      if (it != node_of_interface.end()) ends.push_back(it->second);
    }
    if (ends.size() != 2) die(path + ": link " + e.id + " does not join two nodes");
    net.edges.push_back({ends[0], ends[1], value(e, flerd::vocab::kBandwidth)});
  }
  return net;
}

struct Substrate {
  mp::Problem base;
  std::vector<int> cpu_resource;  // per node
  std::vector<int> bw_resource;   // per edge
};

Substrate make_substrate(const Net& net) {
  Substrate s;
  std::vector<int> node;
  for (std::size_t i = 0; i < net.cpu.size(); ++i) {
    node.push_back(mp::add_substrate_node(s.base, name("n", i)));
    s.cpu_resource.push_back(
        mp::add_substrate_resource(s.base, name("n", i, "cpu"), kCpu, net.cpu[i], {node.back()}));
  }
  for (std::size_t j = 0; j < net.edges.size(); ++j) {
    const int e = mp::add_substrate_link(s.base, name("l", j),
                                         {node[at(net.edges[j].a)], node[at(net.edges[j].b)]});
    s.bw_resource.push_back(mp::add_bandwidth(s.base, name("l", j, "bw"), e, net.edges[j].bw));
  }
  mp::finalize(s.base);
  return s;
}

struct Request {
  Net net;
  double arrival = 0;
  double lifetime = 0;
  double revenue = 0;
};

struct Event {
  double time = 0;
  int type = 0;  // 1 arrival, 0 departure
  int vnet = 0;
};

struct Config {
  std::string data = std::string(CLOUDNET_SHARED_DIR) + "/benchmarks/virne-wx100-seed1";
  int limit = -1;
  int roots = 16;
  int candidates = 12;
  double beta = 0.5;
  int mip = 0;
  double mip_time = 10;
};

enum class Method { kFast, kNodeRank, kMip };

struct Variant {
  std::string name;
  Method method = Method::kFast;
  bool relaxed = false;  // path splitting and co-location allowed
  int prefix = -1;       // only the first N requests (by id order of arrival)
};

struct Outcome {
  int arrived = 0, accepted = 0;
  double revenue_lt = 0, cost_lt = 0;  // lifetime weighted
  double last_arrival = 0;
  std::vector<double> decision_ms;
  std::vector<double> solve_ms;  // the embedder alone (MappingResult::seconds)
  double check_s = 0, total_s = 0;
  int mip_timeouts = 0;
  double acceptance() const { return arrived ? static_cast<double>(accepted) / arrived : 0; }
  double lrc() const { return cost_lt > 0 ? revenue_lt / cost_lt : 0; }
  double lar() const { return last_arrival > 0 ? revenue_lt / last_arrival : 0; }
  double quantile(double q) const { return quantile_of(decision_ms, q); }
  static double quantile_of(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t k =
        std::min(v.size() - 1, static_cast<std::size_t>(q * (v.size() - 1) + 0.5));
    return v[k];
  }
};

mp::Problem request_problem(const Substrate& s, const std::vector<double>& used, const Request& r,
                            bool relaxed) {
  mp::Problem p = s.base;
  for (std::size_t i = 0; i < used.size(); ++i) p.substrate_resources[i].used = used[i];
  for (std::size_t i = 0; i < r.net.cpu.size(); ++i)
    mp::add_virtual_node(p, name("v", i), {mp::make_demand("cpu", kCpu, r.net.cpu[i])});
  for (std::size_t j = 0; j < r.net.edges.size(); ++j) {
    mp::add_virtual_link(p, name("e", j), {r.net.edges[j].a, r.net.edges[j].b},
                         mp::make_demand("bw", kBw, r.net.edges[j].bw));
  }
  p.options.objective = mp::Objective::kMinCost;
  p.options.no_split = !relaxed;
  p.options.no_colocate = !relaxed;
  mp::finalize(p);
  return p;
}

// README cost: node cpu + per virtual link bw x substrate links crossed (for
// split flows: every arc into a link element weighted by its share).
double request_cost(const mp::Problem& p, const mp::Solution& sol) {
  double cost = 0;
  for (const mp::VirtualNode& n : p.nodes)
    for (const mp::Demand& d : n.demands) cost += d.amount;
  for (std::size_t f = 0; f < sol.flow_arcs.size(); ++f) {
    for (const auto& [a, amount] : sol.flow_arcs[f]) {
      if (p.substrate[at(p.arcs[at(a)].to)].is_link) cost += amount;
    }
  }
  return cost;
}

Outcome replay(const Config& cfg, const Substrate& s, const std::vector<Request>& reqs,
               const std::vector<Event>& events, const Variant& v) {
  Outcome out;
  std::vector<double> used(s.base.substrate_resources.size(), 0);
  std::vector<std::vector<double>> held(reqs.size());
  mp::FastOptions fo;
  fo.roots = cfg.roots;
  fo.node_candidates = cfg.candidates;
  fo.beta = cfg.beta;
  fo.verify = false;  // checked below, outside the decision time
  fo.evaluate = false;
  if (v.method == Method::kNodeRank) fo.strategy = mp::FastOptions::Strategy::kNodeRank;
  const auto t0 = std::chrono::steady_clock::now();
  for (const Event& e : events) {
    if (v.prefix >= 0 && e.vnet >= v.prefix) continue;
    const Request& r = reqs[at(e.vnet)];
    if (e.type == 0) {
      for (std::size_t i = 0; i < held[at(e.vnet)].size(); ++i) used[i] -= held[at(e.vnet)][i];
      held[at(e.vnet)].clear();
      continue;
    }
    ++out.arrived;
    out.last_arrival = std::max(out.last_arrival, e.time);
    const auto d0 = std::chrono::steady_clock::now();
    const mp::Problem p = request_problem(s, used, r, v.relaxed);
    mp::MappingResult res;
    if (v.method == Method::kMip) {
      mp::SolveSettings ss;
      ss.time_limit_s = cfg.mip_time;
      ss.relative_gap = 1e-3;
      res = mp::solve_mip(p, ss);
      if (res.status == mp::Status::kFeasible || res.status == mp::Status::kNoSolution)
        ++out.mip_timeouts;
    } else {
      res = mp::solve_fast(p, fo);
    }
    out.decision_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - d0).count());
    out.solve_ms.push_back(1e3 * res.seconds);
    if (!res.has_solution()) continue;
    const auto c0 = std::chrono::steady_clock::now();
    const mp::CheckReport rep = mp::check(p, res.solution);
    out.check_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    if (!rep.ok())
      die(v.name + name(": request ", at(e.vnet), " fails the checker:\n") + rep.format());
    const mp::Usage u = mp::compute_usage(p, res.solution);
    held[at(e.vnet)] = u.resource_use;
    for (std::size_t i = 0; i < used.size(); ++i) used[i] += u.resource_use[i];
    ++out.accepted;
    out.revenue_lt += r.revenue * r.lifetime;
    out.cost_lt += request_cost(p, res.solution) * r.lifetime;
  }
  out.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

void print_row(const Variant& v, const Outcome& o) {
  std::printf("| %-36s | %5d | %6.1f%% | %6.3f | %8.0f | %8.2f | %8.2f | %7.1f | %6.1f |\n",
              v.name.c_str(), o.arrived, 100 * o.acceptance(), o.lrc(), o.lar(), o.quantile(0.5),
              o.quantile(0.95), o.total_s, o.check_s);
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + a);
      return argv[++i];
    };
    if (a == "--data")
      cfg.data = next();
    else if (a == "--limit")
      cfg.limit = std::stoi(next());
    else if (a == "--roots")
      cfg.roots = std::stoi(next());
    else if (a == "--candidates")
      cfg.candidates = std::stoi(next());
    else if (a == "--beta")
      cfg.beta = std::stod(next());
    else if (a == "--mip")
      cfg.mip = std::stoi(next());
    else if (a == "--mip-time")
      cfg.mip_time = std::stod(next());
    else
      die("unknown option " + a + " (see the header of online_bench.cc)");
  }
  const auto l0 = std::chrono::steady_clock::now();
  const Net pnet = load_gml(cfg.data + "/p_net.gml", false);
  const Substrate sub = make_substrate(pnet);

  std::vector<Event> events;
  try {
    const YAML::Node doc = YAML::LoadFile(cfg.data + "/events.yaml");
    for (const YAML::Node& n : doc) {
      events.push_back({n["time"].as<double>(), n["type"].as<int>(), n["v_net_id"].as<int>()});
    }
  } catch (const std::exception& ex) {
    die("cannot read events.yaml: " + std::string(ex.what()));
  }
  int n_req = 0;
  for (const Event& e : events) n_req = std::max(n_req, e.vnet + 1);
  if (cfg.limit >= 0) n_req = std::min(n_req, cfg.limit);
  std::vector<Event> kept;
  for (const Event& e : events)
    if (e.vnet < n_req) kept.push_back(e);
  events = std::move(kept);
  std::vector<Request> reqs(at(n_req));
  std::vector<double> departure(at(n_req), -1);
  for (const Event& e : events) {
    if (e.type == 1)
      reqs[at(e.vnet)].arrival = e.time;
    else
      departure[at(e.vnet)] = e.time;
  }
  for (int k = 0; k < n_req; ++k) {
    char file[64];
    std::snprintf(file, sizeof file, "/v_nets/v_net-%05d.gml", k);
    Request& r = reqs[at(k)];
    r.net = load_gml(cfg.data + file, true);
    if (departure[at(k)] < 0) die(name("request ", at(k), " never departs"));
    r.lifetime = departure[at(k)] - r.arrival;
    for (const double c : r.net.cpu) r.revenue += c;
    for (const auto& e : r.net.edges) r.revenue += e.bw;
  }
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - l0).count();
  std::printf(
      "data: %s\nsubstrate: %zu nodes, %zu links; %d requests, %zu events; "
      "loaded in %.1f s\n",
      cfg.data.c_str(), pnet.cpu.size(), pnet.edges.size(), n_req, events.size(), load_s);
  std::printf("fast embedder: roots %d, candidates %d, beta %.2f\n\n", cfg.roots, cfg.candidates,
              cfg.beta);

  std::vector<Variant> variants = {
      {"fast (common: no_split, no_colocate)", Method::kFast, false, -1},
      {"baseline node-rank (common)", Method::kNodeRank, false, -1},
      {"fast, relaxed (split+colocate ok)", Method::kFast, true, -1},
      {"baseline node-rank, relaxed", Method::kNodeRank, true, -1},
  };
  if (cfg.mip > 0) {
    variants.push_back({name("fast (common), first ", at(cfg.mip)), Method::kFast, false, cfg.mip});
    variants.push_back(
        {name("MIP cbc (common), first ", at(cfg.mip)), Method::kMip, false, cfg.mip});
  }
  std::printf("| %-36s | %5s | %7s | %6s | %8s | %8s | %8s | %7s | %6s |\n", "embedder", "req",
              "accept", "LRC", "LAR", "med ms", "p95 ms", "total s", "chk s");
  std::printf(
      "|%s|-------|---------|--------|----------|----------|----------|---------|--------|\n",
      std::string(38, '-').c_str());
  std::vector<Outcome> outs;
  for (const Variant& v : variants) {
    outs.push_back(replay(cfg, sub, reqs, events, v));
    print_row(v, outs.back());
    std::fflush(stdout);
    if (v.method == Method::kMip && outs.back().mip_timeouts > 0)
      std::printf("  (MIP: %d of %d requests stopped at the %.0f s limit without proof)\n",
                  outs.back().mip_timeouts, outs.back().arrived, cfg.mip_time);
  }
  auto ratio = [&](int a, int b, const char* what) {
    const Outcome& x = outs[at(a)];
    const Outcome& y = outs[at(b)];
    std::printf("%s fast/baseline: acceptance x%.3f, LRC x%.3f, LAR x%.3f, median time x%.2f\n",
                what, x.acceptance() / std::max(1e-12, y.acceptance()),
                x.lrc() / std::max(1e-12, y.lrc()), x.lar() / std::max(1e-12, y.lar()),
                x.quantile(0.5) / std::max(1e-12, y.quantile(0.5)));
  };
  std::printf(
      "\ndecision time = building the request's Problem + solving; the solver alone, "
      "median / p95 ms:\n");
  for (std::size_t i = 0; i < outs.size(); ++i) {
    std::printf("  %-36s %6.2f / %6.2f\n", variants[i].name.c_str(),
                Outcome::quantile_of(outs[i].solve_ms, 0.5),
                Outcome::quantile_of(outs[i].solve_ms, 0.95));
  }
  std::printf("\n");
  ratio(0, 1, "common: ");
  ratio(2, 3, "relaxed:");
  std::printf(
      "relaxed: the fast embedder co-locates but routes one path per flow (valid, "
      "not split); with co-location a link inside one host costs nothing, so LRC > 1.\n");
  std::printf(
      "\nreference (README, virne, same data): NRM 58.2%%/0.525, GRC 55.3%%/0.540, "
      "PL 66.1%%/0.642; best learned policy (seed 0) 78.1%%/0.74\n");
  return 0;
}
