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
//   online_bench [--data DIR] [--substrate rocketfuel:AS] [--limit N]
//                [--only LIST] [--roots K] [--candidates C] [--beta B]
//                [--migrate-k K] [--mip N] [--mip-time S]
//
//   --data DIR      folder with p_net.gml, v_nets/, events.yaml (default: the
//                   shared virne-wx100-seed1 data set)
//   --substrate rocketfuel:AS
//                   replace p_net.gml by the connected Rocketfuel map of AS
//                   (1221, 1239, 1755, 3257, 3967, 6461; the `<AS>/` variant
//                   of the shared topologies), each router a substrate node,
//                   each (deduplicated) link a substrate link, cpu and bw
//                   drawn uniform integers in [50, 100] as virne draws them
//                   for p_net (fixed seed), so the same requests meet an ISP
//                   topology instead of a Waxman graph
//   --limit N       replay only the events of the first N requests
//   --only LIST     comma-separated variant keys: fast, nrm, fast-relaxed,
//                   nrm-relaxed, fast-migrate (default: all five)
//   --migrate-k K   VNets the migrating variant may move per request (4)
//   --roots K       root hosts of the fast embedder (default 16)
//   --candidates C  hosts tried per further virtual node (default 12)
//   --beta B        congestion penalty of the fast embedder (default 0.5)
//   --mip N         also run the MIP (CBC) on the first N requests
//   --mip-time S    MIP time limit per request (default 10 s). Slow: on this
//                   substrate CBC spends minutes per request in its root
//                   dive heuristic (CbcHeuristicDive), which does not look at
//                   the time limit; 3 requests with 5 s did not finish in 4 min.
//
// Migrations (variant fast-migrate; thesis 6.4.3 and 7: migration lets a
// provider host requests a bottleneck would otherwise reject): when the fast
// embedder rejects a request, up to K live VNets holding most of the
// substrate's tight resources (free capacity below the request's largest
// node or link demand) are released, the request is embedded, and the
// released VNets are put back: on their old mapping if it still fits,
// otherwise re-embedded (a migration). If any of them cannot be put back,
// everything is rolled back and the request rejected. Migration cost is
// reported as the cpu of the moved virtual nodes (state to copy) and the
// number of VNets moved; a moved VNet's cost counts with its new paths for
// the rest of its lifetime in LRC.
//
// Every accepted mapping (and every re-embedding) goes through
// mapping::check(); a violation aborts. At the end every resource must be
// back to zero use.
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
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bench_graph.h"
#include "flerd/import/import.h"
#include "flerd/vocabulary.h"
#include "mapping/checker.h"
#include "mapping/engine.h"
#include "mapping/fast.h"
#include "mapping/random_instance.h"
#include "mapping/usage.h"

namespace mp = cloudnet::mapping;
namespace flerd = cloudnet::flerd;
using cloudnet::bench::at;
using cloudnet::bench::die;
using cloudnet::bench::Graph;
using cloudnet::bench::load_gml;
using cloudnet::bench::name;
using cloudnet::bench::Rng;

namespace {

constexpr const char* kCpu = "/node/cpu";
constexpr const char* kBw = "/link/symmetric/bandwidth";

// The connected Rocketfuel map of `as` with virne's p_net capacities: cpu
// and bw uniform integers in [50, 100] (../shared/benchmarks/README.md).
Graph load_rocketfuel(const std::string& as) {
  Graph g = cloudnet::bench::load_rocketfuel(
      std::string(CLOUDNET_SHARED_DIR) + "/topologies/rocketfuel", as);
  Rng rng(static_cast<std::uint64_t>(std::stoll(as)));
  for (double& c : g.cpu) c = rng.uniform(50, 100);
  for (double& b : g.bw) b = rng.uniform(50, 100);
  return g;
}

struct Substrate {
  mp::Problem base;
  std::vector<int> cpu_resource;  // per node
  std::vector<int> bw_resource;   // per edge
};

Substrate make_substrate(const Graph& net) {
  Substrate s;
  std::vector<int> node;
  for (std::size_t i = 0; i < net.cpu.size(); ++i) {
    node.push_back(mp::add_substrate_node(s.base, name("n", i)));
    s.cpu_resource.push_back(
        mp::add_substrate_resource(s.base, name("n", i, "cpu"), kCpu, net.cpu[i], {node.back()}));
  }
  for (std::size_t j = 0; j < net.edges.size(); ++j) {
    const int e = mp::add_substrate_link(
        s.base, name("l", j), {node[at(net.edges[j].first)], node[at(net.edges[j].second)]});
    s.bw_resource.push_back(mp::add_bandwidth(s.base, name("l", j, "bw"), e, net.bw[j]));
  }
  mp::finalize(s.base);
  return s;
}

struct Request {
  Graph net;
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
  std::string substrate;  // "" = p_net.gml, else "rocketfuel:AS"
  std::set<std::string> only;
  int migrate_k = 4;
};

enum class Method { kFast, kNodeRank, kMip, kFastMigrate };

struct Variant {
  std::string key;
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
  int migrations = 0;       // VNets moved
  double migrated_cpu = 0;  // cpu of the virtual nodes moved
  int accepted_by_migration = 0;
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
    mp::add_virtual_link(p, name("e", j), {r.net.edges[j].first, r.net.edges[j].second},
                         mp::make_demand("bw", kBw, r.net.bw[j]));
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

// One live (accepted, not yet departed) request.
struct Live {
  mp::Solution solution;
  std::vector<double> use;  // per substrate resource
  double cost = 0;          // README cost of its current mapping
  double departure = 0;
};

class Replay {
 public:
  Replay(const Config& cfg, const Substrate& s, const std::vector<Request>& reqs,
         const std::vector<double>& departure, const Variant& v)
      : cfg_(cfg),
        s_(s),
        reqs_(reqs),
        departure_(departure),
        v_(v),
        used_(s.base.substrate_resources.size(), 0),
        live_(reqs.size()) {
    fo_.roots = cfg.roots;
    fo_.node_candidates = cfg.candidates;
    fo_.beta = cfg.beta;
    fo_.verify = false;  // checked in accept(), outside the decision time
    fo_.evaluate = false;
    if (v.method == Method::kNodeRank) fo_.strategy = mp::FastOptions::Strategy::kNodeRank;
  }

  Outcome run(const std::vector<Event>& events) {
    const auto t0 = std::chrono::steady_clock::now();
    for (const Event& e : events) {
      if (v_.prefix >= 0 && e.vnet >= v_.prefix) continue;
      if (e.type == 0) {
        release(e.vnet);
        continue;
      }
      arrive(e);
    }
    out_.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (std::size_t i = 0; i < used_.size(); ++i)
      if (std::abs(used_[i]) > 1e-6)
        die(v_.name + ": resource " + s_.base.substrate_resources[i].id +
            " still in use after every departure");
    return out_;
  }

 private:
  mp::Problem problem(int vnet) const {
    return request_problem(s_, used_, reqs_[at(vnet)], v_.relaxed);
  }

  mp::MappingResult embed(const mp::Problem& p) {
    if (v_.method != Method::kMip) return mp::solve_fast(p, fo_);
    mp::SolveSettings ss;
    ss.time_limit_s = cfg_.mip_time;
    ss.relative_gap = 1e-3;
    mp::MappingResult res = mp::solve_mip(p, ss);
    if (res.status == mp::Status::kFeasible || res.status == mp::Status::kNoSolution)
      ++out_.mip_timeouts;
    return res;
  }

  void release(int vnet) {
    Live& l = live_[at(vnet)];
    for (std::size_t i = 0; i < l.use.size(); ++i) used_[i] -= l.use[i];
    l = Live{};
  }

  // Checks (independently of the embedder) and books a mapping.
  void book(int vnet, const mp::Problem& p, mp::Solution sol) {
    const auto c0 = std::chrono::steady_clock::now();
    const mp::CheckReport rep = mp::check(p, sol);
    out_.check_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    if (!rep.ok())
      die(v_.name + name(": request ", at(vnet), " fails the checker:\n") + rep.format());
    Live& l = live_[at(vnet)];
    l.use = mp::compute_usage(p, sol).resource_use;
    for (std::size_t i = 0; i < used_.size(); ++i) used_[i] += l.use[i];
    l.cost = request_cost(p, sol);
    l.departure = departure_[at(vnet)];
    l.solution = std::move(sol);
  }

  void arrive(const Event& e) {
    const Request& r = reqs_[at(e.vnet)];
    ++out_.arrived;
    out_.last_arrival = std::max(out_.last_arrival, e.time);
    const auto d0 = std::chrono::steady_clock::now();
    mp::Problem p = problem(e.vnet);
    mp::MappingResult res = embed(p);
    bool by_migration = false;
    std::vector<std::pair<int, Live>> moved;  // (vnet, its mapping before) of migrated VNets
    if (!res.has_solution() && v_.method == Method::kFastMigrate) {
      by_migration = try_migrations(e.vnet, p, res, moved);
    }
    out_.decision_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - d0).count());
    out_.solve_ms.push_back(1e3 * res.seconds);
    if (!res.has_solution()) return;
    if (!by_migration) book(e.vnet, p, std::move(res.solution));
    ++out_.accepted;
    out_.revenue_lt += r.revenue * r.lifetime;
    out_.cost_lt += live_[at(e.vnet)].cost * r.lifetime;
    if (by_migration) {
      ++out_.accepted_by_migration;
      for (const auto& [vnet, before] : moved) {
        // The rest of its lifetime runs on the new paths.
        out_.cost_lt += (live_[at(vnet)].cost - before.cost) * (before.departure - e.time);
      }
    }
  }

  // The live VNets holding most of the tight resources: those whose free
  // capacity is below the request's largest node or link demand.
  std::vector<int> migration_candidates(const Request& r) const {
    double max_cpu = 0, max_bw = 0;
    for (double c : r.net.cpu) max_cpu = std::max(max_cpu, c);
    for (double b : r.net.bw) max_bw = std::max(max_bw, b);
    std::vector<char> tight(used_.size(), 0);
    for (std::size_t i = 0; i < used_.size(); ++i) {
      const mp::SubstrateResource& res = s_.base.substrate_resources[i];
      const double need = res.is_bandwidth ? max_bw : max_cpu;
      tight[i] = res.capacity - used_[i] < need;
    }
    std::vector<std::pair<double, int>> score;
    for (std::size_t k = 0; k < live_.size(); ++k) {
      const Live& l = live_[k];
      if (l.use.empty()) continue;
      double sc = 0;
      for (std::size_t i = 0; i < l.use.size(); ++i)
        if (tight[i]) sc += l.use[i] / s_.base.substrate_resources[i].capacity;
      if (sc > 0) score.push_back({-sc, static_cast<int>(k)});
    }
    std::sort(score.begin(), score.end());
    std::vector<int> out;
    for (std::size_t i = 0; i < score.size() && static_cast<int>(i) < cfg_.migrate_k; ++i)
      out.push_back(score[i].second);
    return out;
  }

  // Releases the candidates, embeds the request, puts the candidates back
  // (old mapping if it still fits, else re-embedded). All or nothing.
  bool try_migrations(int vnet, mp::Problem& p, mp::MappingResult& res,
                      std::vector<std::pair<int, Live>>& moved) {
    const std::vector<int> cand = migration_candidates(reqs_[at(vnet)]);
    if (cand.empty()) return false;
    std::vector<std::pair<int, Live>> saved;
    for (int c : cand) {
      saved.push_back({c, live_[at(c)]});
      release(c);
    }
    auto rollback = [&] {
      for (auto& [c, l] : saved) {
        if (!live_[at(c)].use.empty()) release(c);
        live_[at(c)] = l;
        for (std::size_t i = 0; i < l.use.size(); ++i) used_[i] += l.use[i];
      }
      release(vnet);
    };
    p = problem(vnet);
    mp::MappingResult mine = embed(p);
    res.seconds += mine.seconds;
    if (!mine.has_solution()) {
      rollback();
      return false;
    }
    book(vnet, p, mine.solution);
    std::vector<std::pair<int, Live>> moves;
    for (auto& [c, before] : saved) {
      const mp::Problem q = problem(c);
      if (mp::check(q, before.solution).ok()) {  // still fits where it was
        book(c, q, before.solution);
        continue;
      }
      mp::MappingResult again = embed(q);
      res.seconds += again.seconds;
      if (!again.has_solution()) {
        rollback();
        return false;
      }
      book(c, q, std::move(again.solution));
      moves.push_back({c, before});
    }
    for (const auto& [c, before] : moves) {
      ++out_.migrations;
      const Live& now = live_[at(c)];
      for (std::size_t u = 0; u < before.solution.node_host.size(); ++u)
        if (before.solution.node_host[u] != now.solution.node_host[u])
          out_.migrated_cpu += reqs_[at(c)].net.cpu[u];
    }
    moved = std::move(moves);
    res.status = mp::Status::kFeasible;
    res.solution = live_[at(vnet)].solution;
    return true;
  }

  const Config& cfg_;
  const Substrate& s_;
  const std::vector<Request>& reqs_;
  const std::vector<double>& departure_;
  const Variant& v_;
  mp::FastOptions fo_;
  std::vector<double> used_;
  std::vector<Live> live_;
  Outcome out_;
};

void print_row(const Variant& v, const Outcome& o) {
  std::printf("| %-44s | %5d | %6.1f%% | %6.3f | %8.0f | %8.2f | %8.2f | %7.1f | %6.1f |\n",
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
    else if (a == "--substrate")
      cfg.substrate = next();
    else if (a == "--migrate-k")
      cfg.migrate_k = std::stoi(next());
    else if (a == "--only") {
      std::stringstream list(next());
      for (std::string key; std::getline(list, key, ',');) cfg.only.insert(key);
    } else
      die("unknown option " + a + " (see the header of online_bench.cc)");
  }
  const auto l0 = std::chrono::steady_clock::now();
  Graph pnet;
  if (cfg.substrate.empty())
    pnet = load_gml(cfg.data + "/p_net.gml", false);
  else if (cfg.substrate.rfind("rocketfuel:", 0) == 0)
    pnet = load_rocketfuel(cfg.substrate.substr(11));
  else
    die("--substrate expects rocketfuel:AS, not " + cfg.substrate);
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
    for (const double b : r.net.bw) r.revenue += b;
  }
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - l0).count();
  std::printf(
      "data: %s%s%s\nsubstrate: %zu nodes, %zu links; %d requests, %zu events; "
      "loaded in %.1f s\n",
      cfg.data.c_str(), cfg.substrate.empty() ? "" : ", substrate ", cfg.substrate.c_str(),
      pnet.cpu.size(), pnet.edges.size(), n_req, events.size(), load_s);
  std::printf("fast embedder: roots %d, candidates %d, beta %.2f\n\n", cfg.roots, cfg.candidates,
              cfg.beta);

  std::vector<Variant> all = {
      {"fast", "fast (common: no_split, no_colocate)", Method::kFast, false, -1},
      {"nrm", "baseline node-rank (common)", Method::kNodeRank, false, -1},
      {"fast-relaxed", "fast, relaxed (split+colocate ok)", Method::kFast, true, -1},
      {"nrm-relaxed", "baseline node-rank, relaxed", Method::kNodeRank, true, -1},
      {"fast-migrate", name("fast + migration of <= ", at(cfg.migrate_k), " VNets (common)"),
       Method::kFastMigrate, false, -1},
  };
  if (cfg.mip > 0) {
    all.push_back(
        {"fast-prefix", name("fast (common), first ", at(cfg.mip)), Method::kFast, false, cfg.mip});
    all.push_back(
        {"mip", name("MIP cbc (common), first ", at(cfg.mip)), Method::kMip, false, cfg.mip});
  }
  std::vector<Variant> variants;
  for (const Variant& v : all)
    if (cfg.only.empty() || cfg.only.count(v.key) ||
        (v.key == "fast-prefix" && cfg.only.count("mip")))
      variants.push_back(v);
  for (const std::string& k : cfg.only) {
    bool known = false;
    for (const Variant& v : all) known = known || v.key == k;
    if (!known) die("--only: unknown variant " + k);
  }
  std::printf("| %-44s | %5s | %7s | %6s | %8s | %8s | %8s | %7s | %6s |\n", "embedder", "req",
              "accept", "LRC", "LAR", "med ms", "p95 ms", "total s", "chk s");
  std::printf(
      "|%s|-------|---------|--------|----------|----------|----------|---------|--------|\n",
      std::string(46, '-').c_str());
  std::vector<Outcome> outs;
  for (const Variant& v : variants) {
    outs.push_back(Replay(cfg, sub, reqs, departure, v).run(events));
    print_row(v, outs.back());
    std::fflush(stdout);
    if (v.method == Method::kMip && outs.back().mip_timeouts > 0)
      std::printf("  (MIP: %d of %d requests stopped at the %.0f s limit without proof)\n",
                  outs.back().mip_timeouts, outs.back().arrived, cfg.mip_time);
  }
  auto find = [&](const char* key) -> const Outcome* {
    for (std::size_t i = 0; i < variants.size(); ++i)
      if (variants[i].key == key) return &outs[i];
    return nullptr;
  };
  auto ratio = [&](const char* a, const char* b, const char* what) {
    const Outcome* x = find(a);
    const Outcome* y = find(b);
    if (!x || !y) return;
    std::printf("%s %s/%s: acceptance x%.3f, LRC x%.3f, LAR x%.3f, median time x%.2f\n", what, a, b,
                x->acceptance() / std::max(1e-12, y->acceptance()),
                x->lrc() / std::max(1e-12, y->lrc()), x->lar() / std::max(1e-12, y->lar()),
                x->quantile(0.5) / std::max(1e-12, y->quantile(0.5)));
  };
  std::printf(
      "\ndecision time = building the request's Problem + solving; the solver alone, "
      "median / p95 ms:\n");
  for (std::size_t i = 0; i < outs.size(); ++i) {
    std::printf("  %-44s %6.2f / %6.2f\n", variants[i].name.c_str(),
                Outcome::quantile_of(outs[i].solve_ms, 0.5),
                Outcome::quantile_of(outs[i].solve_ms, 0.95));
  }
  std::printf("\n");
  ratio("fast", "nrm", "common: ");
  ratio("fast-relaxed", "nrm-relaxed", "relaxed:");
  ratio("fast-migrate", "fast", "migration:");
  if (const Outcome* m = find("fast-migrate")) {
    std::printf(
        "migration: %d requests accepted only by moving %d VNets in all (%.0f cpu of virtual "
        "nodes moved; %.2f VNet moves per accepted request)\n",
        m->accepted_by_migration, m->migrations, m->migrated_cpu,
        m->accepted ? static_cast<double>(m->migrations) / m->accepted : 0.0);
  }
  if (find("fast-relaxed"))
    std::printf(
        "relaxed: the fast embedder co-locates but routes one path per flow (valid, "
        "not split); with co-location a link inside one host costs nothing, so LRC > 1.\n");
  std::printf(
      "\nreference (README, virne, same data): NRM 58.2%%/0.525, GRC 55.3%%/0.540, "
      "PL 66.1%%/0.642; best learned policy (seed 0) 78.1%%/0.74\n");
  return 0;
}
