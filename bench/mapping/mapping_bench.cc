// Runtime benchmark of the embedding MIP: the SHAPE of the experiments of
// thesis 5.6 (VPN, out-sourcing OC and data-centre DC scenarios on
// Rocketfuel-derived substrates, Figures 5.5-5.9), with CBC and GLPK instead
// of CPLEX, and the exhaustive reference solver as an in-run baseline.
//
//   mapping_bench [--quick | --full] [--time-limit S] [--seed N]
//                 [--rocketfuel DIR] [--as AS] [--only LETTERS] [--log-level N]
//
//   --quick        about one minute: fewer repetitions, smaller sizes
//   (default)      about ten minutes on 2 shared cores
//   --full         the thesis's ten repetitions, larger sizes, 60 s limit
//                  (roughly an hour; not part of the measured runs)
//   --time-limit S per-solve limit (default 20 s; 5 s with --quick, 60 s
//                  with --full)
//   --seed N       base seed of every random choice (default 1)
//   --rocketfuel D folder with <AS>/weights.intra + latencies.intra (the
//                  connected variants; default: the shared topologies folder)
//   --as AS        the Rocketfuel map (default 3967, Exodus, 79 routers)
//   --only L       run only the experiments named by letters of "xabcdefgt"
//   --log-level N  the solvers' own log (0 = quiet)
//   --g-cases L    instances of experiment g as S:N:C,... (substrate routers,
//                  VNet size, CRs among them)
//
// Every mapping produced goes through mapping::check(); a violation aborts
// the benchmark (it is a correctness bug). evaluate() must agree with the
// solver's objective; a disagreement is printed as SUSPICIOUS and counted.
//
// Design (thesis 5.6.2, "Data basis and environment"; where the thesis is
// vague the choice is ours and stated here):
//  - Substrates: connected subgraphs of the Rocketfuel map (the connected
//    `<AS>/` variant; see the topologies README), grown by BFS with shuffled
//    neighbour order from a random router (fixed seed), induced edges; the
//    full map for the largest DC runs. Built directly as a mapping::Problem
//    from the flerd::import_rocketfuel Document (no FleRD request document:
//    the requests are generated, so building both documents and going
//    through build_problem would add nothing but time). One substrate node
//    element per router, one two-interface link element per Rocketfuel link.
//  - "Substrate network elements feature capacity for fifteen virtual network
//    elements" (5.6.2): every substrate node has 15 CPU units, every
//    substrate link 15 units of symmetric (both-ways) bandwidth; a virtual
//    node demands 1 CPU unit, a virtual link 1 bandwidth unit. Substrate
//    nodes carry no bandwidth resource, so transit through a router is free.
//    Flows are splittable (the plain multi-commodity flow of Figure 5.2, no
//    no_split), co-location of a VNet's nodes is allowed, weights are 1.
//  - Objective: load balancing (5.4.1, second objective; problem.h): c *
//    max_load + sum of loads over every resource, c = 1 + the number of
//    resources; this is "maximal load minimization" of 5.6.2.
//  - VNet requests: connected BFS subsets of the same Rocketfuel map, induced
//    edges (5.6.2: "Connected subsets of these graphs are also used to
//    describe the topology of the VNet requests"). Access points (APs) are
//    fixed, suit() true on one substrate node only (distinct random nodes
//    within a VNet); cloud resources (CRs) may go to any substrate node.
//    freedom = CR share; VPN = freedom 0, DC = freedom 1 (5.6, 5.6.3).
//  - Solver: one thread (the machine has 2 shared cores; the thesis ran CPLEX
//    with 6 threads on 8 cores), relative gap 1e-4 for "optimal"; "feasible"
//    (5.6.4, Fig. 5.8) is a relative gap of 1.0, which for the non-negative
//    load objective stops at the first incumbent (solver.h: gap =
//    |incumbent - bound| / |incumbent| <= 1 whenever 0 <= bound).
//
// Experiments (each prints a markdown table; times are wall-clock seconds of
// solve_mip, formulation building included):
//  (a) OC iterative placement (5.6.3, Figs. 5.5, 5.6): a 25-node substrate;
//      VNets of 1-3 CRs and 1-7 APs (uniform, as in 5.6.3) placed one after
//      the other until the first rejection (or a cap on the count); without
//      migration each VNet is mapped alone onto the capacity left by the
//      earlier ones (SubstrateResource::used); with migration the union of
//      all accepted VNets plus the new one is re-mapped on the empty
//      substrate with an Existing mapping (problem.h, 5.3.5): penalty(u) = 1
//      for moving an earlier node, destination independent (5.6.2, "migration
//      penalties are destination independent"); earlier virtual links carry
//      no Existing::link_elements, i.e. re-routing a flow is free (the thesis
//      prices it at epsilon; tracking touched elements of splittable flows
//      needs a binary per link and element, tens of thousands here). Cap:
//      25 VNets (5 with --quick, 60 with --full); 3 / 1 / 10 repetitions.
//  (b) runtime vs freedom 0, 0.25, 0.5, 0.75, 1 (5.6.3, Fig. 5.7) for VNet
//      sizes 4 and 8 on the 25-node substrate with a background load (every
//      node and link has a random 0-5 of its 15 units used; the thesis's
//      runs had earlier VNets on the substrate). Per repetition one topology
//      and one node order: the first round(freedom * n) nodes are the CRs,
//      so only the roles change along a row group.
//  (c) DC, runtime vs substrate size 10-30 (5.6.4, Fig. 5.8) for one VNet of
//      fixed size: the thesis used 25 CRs; we use 6 (5 with --quick, 10 with
//      --full) so that CBC proves optimality on the smaller substrates within
//      the limit: optimal vs first feasible, CBC, 2 repetitions.
//  (d)+(e) DC, runtime vs VNet size (2-12) for two substrate sizes, 10 and 25
//      routers (Fig. 5.9), with CBC and GLPK at the same time limit; per
//      backend the largest VNet size proven optimal. A backend that does not
//      prove a size optimal within the limit is not run on larger sizes
//      (marked "-"). One VNet per size, the same on both substrates.
//  (f) DC feasibility sweep (Fig. 5.9 is about feasibility: "Even VNets with
//      thousands of elements can be embedded within minutes in a substrate of
//      almost one hundred nodes"): time to the first feasible mapping for
//      VNets up to the full map, on a 25-router substrate and the full map,
//      CBC and GLPK; a backend that fails a size is not run on larger ones.
//  All DC substrates (c, d, f, x) are nested: the first k routers of one BFS
//  order, so "substrate 10" is the same graph everywhere.
//  (x) Baseline: the exhaustive reference solver (exhaustive.h) on the
//      smallest instances where it finishes: MIP/exhaustive time ratios and
//      equal objectives (MIP at gap 1e-9); CBC/GLPK time ratios.
//  (g) Strengthening of the exact path (formulation.h FormulationOptions):
//      per option alone, all together, the default, and the default with
//      the fast embedder's mapping as warm start, against the plain model of
//      Figure 5.2 in the same run: LP relaxation bound (root, before CBC's
//      cuts) relative to the optimum, and time to proven optimality (CBC,
//      gap 1e-4) with the time ratio to the plain model. Instances: DC and OC
//      VNets on nested Rocketfuel substrates of 10 and 15 routers, in two
//      settings: the thesis's (load balancing, co-location allowed,
//      splittable flows, as above) and the online one of bench/online
//      (minimum cost, no co-location, one path per flow).
//  (t) Time limits on a 100-node substrate (the virne WX100 data set of
//      ../shared/benchmarks, as bench/online builds it: CPU and bandwidth
//      from the GML files, minimum cost, no_split, no_colocate): the first
//      requests with a 5 s limit (2 s with --quick), cold and with the fast
//      start; wall time of solve_mip() against the limit. Before the CLP
//      hard stop (solver.h) CBC's root dive heuristic ignored the limit:
//      v_net 0 took 18.7 s and v_net 1 778 s with a 5 s limit.
//
// Exit status: 0; 1 on a checker violation, solver error or bad input; 3 if
// anything was SUSPICIOUS (evaluate() vs solver objective, CBC vs GLPK
// optima, MIP vs exhaustive optima).
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bench_graph.h"
#include "flerd/import/import.h"
#include "flerd/vocabulary.h"
#include "mapping/checker.h"
#include "mapping/engine.h"
#include "mapping/exhaustive.h"
#include "mapping/fast.h"
#include "mapping/formulation.h"
#include "mapping/objective.h"
#include "mapping/random_instance.h"
#include "solver/solver.h"

namespace mp = cloudnet::mapping;
namespace flerd = cloudnet::flerd;
using cloudnet::bench::at;
using cloudnet::bench::bfs_subset;
using cloudnet::bench::die;
using cloudnet::bench::Graph;
using cloudnet::bench::induced;
using cloudnet::bench::load_gml;
using cloudnet::bench::load_rocketfuel;
using cloudnet::bench::random_connected_subgraph;
using cloudnet::bench::Rng;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ------------------------------------------------------------------ options

enum class Mode { kQuick, kDefault, kFull };

struct Config {
  Mode mode = Mode::kDefault;
  double time_limit = -1;  // < 0: the mode's default
  std::uint64_t seed = 1;
  std::string rocketfuel = CLOUDNET_SHARED_DIR "/topologies/rocketfuel";
  std::string as = "3967";
  std::string only;
  int log_level = 0;
  std::vector<std::array<int, 3>> cases_g;  // --g-cases
  bool runs(char experiment) const {
    return only.empty() || only.find(experiment) != std::string::npos;
  }
};

// Sizes and repetitions per mode.
struct Plan {
  int substrate_oc = 25;  // 5.6.3: "a substrate network of twenty-five nodes"
  int reps_a = 3;
  int max_vnets_a = 25;  // cap on VNets per run of (a)
  int reps_b = 3;
  std::vector<int> sizes_b = {4, 8};
  int reps_c = 2;
  std::vector<int> substrates_c = {10, 15, 20, 25, 30};
  int vnet_c = 6;
  std::vector<int> substrates_d = {10, 25};
  std::vector<int> sizes_d = {2, 3, 4, 5, 6, 8, 10, 12};
  std::vector<int> substrates_f = {25, 79};
  std::vector<int> sizes_feasible = {5, 10, 20, 40, 79};
  bool exhaustive_large = true;  // the 625-placement baseline case (about 15 s)
  double time_limit = 20;
  // (substrate routers, VNet size, CRs)
  std::vector<std::array<int, 3>> cases_g = {{10, 5, 5}, {15, 7, 3}, {20, 5, 5}};
  int requests_t = 4;
  double time_limit_t = 5;
};

Plan plan_for(const Config& cfg) {
  Plan p;
  switch (cfg.mode) {
    case Mode::kQuick:
      p.reps_a = 1;
      p.max_vnets_a = 5;
      p.reps_b = 1;
      p.reps_c = 1;
      p.substrates_c = {10, 15, 20};
      p.vnet_c = 5;
      p.substrates_d = {10};
      p.sizes_d = {2, 3, 4, 5, 6};
      p.substrates_f = {25};
      p.sizes_feasible = {5, 10};
      p.exhaustive_large = false;
      p.time_limit = 5;
      p.cases_g = {{10, 4, 4}, {10, 5, 5}, {10, 5, 2}};
      p.requests_t = 3;
      p.time_limit_t = 2;
      break;
    case Mode::kDefault: break;
    case Mode::kFull:
      p.reps_a = 10;  // 5.6.3: "Evaluations are repeated ten times"
      p.max_vnets_a = 60;
      p.reps_b = 10;
      p.sizes_b = {4, 6, 8};
      p.reps_c = 3;
      p.substrates_c = {10, 15, 20, 25, 30, 40};
      p.vnet_c = 10;
      p.substrates_d = {15, 30};
      p.sizes_d = {2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25};
      p.substrates_f = {25, 40, 79};
      p.sizes_feasible = {5, 10, 20, 40, 60, 79};
      p.time_limit = 60;
      break;
  }
  if (cfg.time_limit > 0) p.time_limit = cfg.time_limit;
  if (!cfg.cases_g.empty()) p.cases_g = cfg.cases_g;
  return p;
}

// ------------------------------------------------------------------ problems

constexpr double kCapacity = 15;  // 5.6.2: capacity for fifteen virtual elements
constexpr double kDemand = 1;
constexpr const char* kCpu = "/node/cpu";
constexpr const char* kBw = "/link/symmetric/bandwidth";

// A substrate as a Problem without a request.
struct Substrate {
  mp::Problem base;
  std::vector<int> node;  // router i -> substrate element
  int links = 0;
  int size() const { return static_cast<int>(node.size()); }
};

Substrate make_substrate(const Graph& g) {
  Substrate s;
  for (int i = 0; i < g.size(); ++i) {
    const int e = mp::add_substrate_node(s.base, "n" + std::to_string(i));
    s.base.substrate[at(e)].identifier = g.names[at(i)];
    mp::add_substrate_resource(s.base, "n" + std::to_string(i) + "cpu", kCpu, kCapacity, {e});
    s.node.push_back(e);
  }
  for (std::size_t j = 0; j < g.edges.size(); ++j) {
    const std::string id = "l" + std::to_string(j);
    const int e = mp::add_substrate_link(
        s.base, id, {s.node[at(g.edges[j].first)], s.node[at(g.edges[j].second)]}, g.latency[j]);
    mp::add_bandwidth(s.base, id + "bw", e, kCapacity);
  }
  s.links = static_cast<int>(g.edges.size());
  s.base.options.objective = mp::Objective::kLoadBalance;
  mp::finalize(s.base);
  return s;
}

// A random 0..max_used units used on every node and link (the background
// load of experiment b).
void add_background_load(Substrate& s, int max_used, Rng& rng) {
  for (auto& r : s.base.substrate_resources) r.used = rng.uniform(0, max_used);
}

struct VNet {
  Graph topo;
  std::vector<int> fixed;  // per virtual node: substrate router (an AP) or -1 (a CR)
  int size() const { return topo.size(); }
  int free_nodes() const { return static_cast<int>(std::count(fixed.begin(), fixed.end(), -1)); }
};

// A VNet of `n` nodes, `n_free` of them CRs, on a substrate of `substrate`
// routers; APs on distinct random routers.
VNet make_vnet(const Graph& map, int n, int n_free, int substrate, Rng& rng) {
  VNet v;
  v.topo = random_connected_subgraph(map, n, rng);
  std::vector<int> order(at(n));
  for (int i = 0; i < n; ++i) order[at(i)] = i;
  rng.shuffle(order);
  std::vector<int> hosts(at(substrate));
  for (int i = 0; i < substrate; ++i) hosts[at(i)] = i;
  rng.shuffle(hosts);
  v.fixed.assign(at(n), -1);
  for (int i = n_free; i < n; ++i) v.fixed[at(order[at(i)])] = hosts[at(i - n_free)];
  return v;
}

// Changes the roles only: the first `n_free` of `order` become CRs, the
// others keep or get their AP host from `ap_host`.
VNet with_freedom(const Graph& topo, const std::vector<int>& order, const std::vector<int>& ap_host,
                  int n_free) {
  VNet v;
  v.topo = topo;
  v.fixed.assign(order.size(), -1);
  for (std::size_t i = static_cast<std::size_t>(n_free); i < order.size(); ++i)
    v.fixed[at(order[i])] = ap_host[i];
  return v;
}

// The substrate plus the virtual nodes and links of `vnets` (in order).
mp::Problem request_problem(const Substrate& s, const std::vector<const VNet*>& vnets) {
  mp::Problem p = s.base;
  std::vector<int> fixed;
  for (std::size_t k = 0; k < vnets.size(); ++k) {
    const VNet& v = *vnets[k];
    const int first = static_cast<int>(p.nodes.size());
    const std::string tag = "v" + std::to_string(k);
    for (int i = 0; i < v.size(); ++i) {
      mp::add_virtual_node(p, tag + "n" + std::to_string(i),
                           {mp::make_demand("cpu", kCpu, kDemand)});
      fixed.push_back(v.fixed[at(i)]);
    }
    for (std::size_t j = 0; j < v.topo.edges.size(); ++j) {
      mp::add_virtual_link(p, tag + "l" + std::to_string(j),
                           {first + v.topo.edges[j].first, first + v.topo.edges[j].second},
                           mp::make_demand("bw", kBw, kDemand));
    }
  }
  mp::finalize(p);
  for (std::size_t u = 0; u < fixed.size(); ++u) {
    if (fixed[u] < 0) continue;  // a CR: every substrate node (finalize)
    auto& row = p.node_suitable[u];
    std::fill(row.begin(), row.end(), 0);
    row[at(s.node[at(fixed[u])])] = 1;
  }
  return p;
}

// ------------------------------------------------------------------ solving

bool close(double a, double b, double rel = 1e-6) {
  return std::abs(a - b) <= rel * std::max(1.0, std::max(std::abs(a), std::abs(b)));
}

int g_suspicious = 0;
int g_log_level = 0;
int g_solves = 0;
double g_solve_seconds = 0;

struct Outcome {
  mp::Status status = mp::Status::kError;
  double seconds = 0;
  double objective = 0;
  int vars = 0;
  int rows = 0;
  int integers = 0;
  std::string explanation;  // first line of MappingResult::explanation
  mp::Solution solution;
  std::vector<double> resource_use;  // per substrate resource, from the checker
  bool solved() const { return status == mp::Status::kOptimal || status == mp::Status::kFeasible; }
};

Outcome run_mip(const mp::Problem& p, const std::string& backend, double gap, double time_limit,
                const std::string& what, const mp::SolveSettings& base = {}) {
  Outcome o;
  {
    const mp::Formulation f(p, base.formulation);
    o.vars = f.model().num_vars();
    o.rows = f.model().num_rows();
    o.integers = f.model().num_integer_vars();
  }
  mp::SolveSettings s = base;
  s.solver = backend;
  s.time_limit_s = time_limit;
  s.relative_gap = gap;
  s.threads = 1;
  s.log_level = g_log_level;
  const mp::MappingResult r = mp::solve_mip(p, s);
  ++g_solves;
  g_solve_seconds += r.seconds;
  o.status = r.status;
  o.seconds = r.seconds;
  o.objective = r.objective;
  if (!r.explanation.empty()) o.explanation = r.explanation[0];
  const std::string where = what + " [" + backend + "]";
  if (r.status == mp::Status::kError) {
    die(where + ": solver error: " + (r.explanation.empty() ? "?" : r.explanation[0]));
  }
  if (r.has_solution()) {
    const mp::CheckReport rep = mp::check(p, r.solution);
    if (!rep.ok()) {
      die("CHECKER VIOLATION (a correctness bug) in " + where + ", status " +
          mp::to_string(r.status) + ": " + rep.format());
    }
    const double ev = mp::evaluate(p, r.solution);
    if (!close(ev, r.objective, 1e-5)) {
      ++g_suspicious;
      std::printf("\nSUSPICIOUS: %s: evaluate() = %.9g but the solver reports %.9g\n\n",
                  where.c_str(), ev, r.objective);
    }
    o.resource_use = rep.resource_use;
    o.solution = r.solution;
  }
  return o;
}

// ------------------------------------------------------------------ tables

struct Stats {
  std::vector<double> t;
  int optimal = 0, feasible = 0, no_solution = 0, infeasible = 0;
  long long vars = 0, rows = 0;
  int n = 0;
  void add(const Outcome& o) {
    t.push_back(o.seconds);
    switch (o.status) {
      case mp::Status::kOptimal: ++optimal; break;
      case mp::Status::kFeasible: ++feasible; break;
      case mp::Status::kNoSolution: ++no_solution; break;
      case mp::Status::kInfeasible: ++infeasible; break;
      case mp::Status::kError: break;
    }
    vars += o.vars;
    rows += o.rows;
    ++n;
  }
  double median() const {
    if (t.empty()) return NAN;
    std::vector<double> s = t;
    std::sort(s.begin(), s.end());
    const std::size_t m = s.size() / 2;
    return s.size() % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
  }
  double min() const { return t.empty() ? NAN : *std::min_element(t.begin(), t.end()); }
  double max() const { return t.empty() ? NAN : *std::max_element(t.begin(), t.end()); }
  // "median min max" cells.
  std::string times() const {
    if (t.empty()) return "- | - | -";
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.3f | %.3f | %.3f", median(), min(), max());
    return buf;
  }
  // optimal / feasible-unproven / no solution in the limit / infeasible.
  std::string statuses() const {
    if (n == 0) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%d/%d/%d/%d", optimal, feasible, no_solution, infeasible);
    return buf;
  }
  std::string size() const {
    if (n == 0) return "- | -";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld | %lld", vars / n, rows / n);
    return buf;
  }
};

std::string fmt(double x, int digits = 3) {
  if (std::isnan(x) || std::isinf(x)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

const char* kStatusLegend =
    "Status = optimal/feasible (limit hit, solution unproven)/no solution within the "
    "limit/infeasible. vars, rows = mean model size.";

// ------------------------------------------------------------------ (a)

// 5.6.3: 1-3 CRs and 1-7 APs per VNet.
VNet oc_vnet(const Graph& map, int substrate, Rng& rng) {
  const int crs = rng.uniform(1, 3);
  const int aps = rng.uniform(1, 7);
  return make_vnet(map, crs + aps, crs, substrate, rng);
}

// "VNet 22 (7 nodes, 2 CRs) infeasible".
std::string rejected(const VNet& v, int k, const Outcome& o) {
  return "VNet " + std::to_string(k + 1) + " (" + std::to_string(v.size()) + " nodes, " +
         std::to_string(v.free_nodes()) + " CRs) " + mp::to_string(o.status);
}

void experiment_a(const Graph& map, const Substrate& sub, const Plan& plan, const Config& cfg) {
  std::printf(
      "## (a) OC iterative placement, with and without migration (5.6.3, Figs. 5.5, 5.6)\n\n");
  std::printf(
      "Substrate: %d routers, %d links of AS%s; VNets of 1-3 CRs + 1-7 APs placed one after "
      "the other until the first rejection or %d VNets; %d repetitions; CBC, gap 1e-4, limit "
      "%g s per solve. Without migration each VNet is mapped alone onto what is left; with "
      "migration the union of all accepted VNets and the new one is re-mapped (penalty 1 per "
      "moved node). A VNet whose solve ends without a solution counts as rejected.\n\n",
      sub.size(), sub.links, cfg.as.c_str(), plan.max_vnets_a, plan.reps_a, plan.time_limit);
  std::map<int, Stats> by_index_plain, by_index_mig, by_size_plain;
  std::vector<int> accepted_plain, accepted_mig, moved;
  std::vector<std::string> stop_plain, stop_mig;
  for (int rep = 0; rep < plan.reps_a; ++rep) {
    Rng rng(cfg.seed * 1000 + 100 + static_cast<std::uint64_t>(rep));
    std::vector<VNet> seq;
    for (int k = 0; k < plan.max_vnets_a; ++k) seq.push_back(oc_vnet(map, sub.size(), rng));

    // Without migration.
    Substrate cur = sub;
    int k = 0;
    std::string why = "cap";
    for (; k < plan.max_vnets_a; ++k) {
      const mp::Problem p = request_problem(cur, {&seq[at(k)]});
      const Outcome o =
          run_mip(p, "cbc", 1e-4, plan.time_limit,
                  "(a) no-migration rep " + std::to_string(rep) + " VNet " + std::to_string(k + 1));
      by_index_plain[k + 1].add(o);
      by_size_plain[seq[at(k)].size()].add(o);
      if (!o.solved()) {
        why = rejected(seq[at(k)], k, o);
        break;
      }
      for (std::size_t r = 0; r < o.resource_use.size(); ++r)
        cur.base.substrate_resources[r].used += o.resource_use[r];
    }
    accepted_plain.push_back(k);
    stop_plain.push_back(why);

    // With migration: re-map the union.
    std::vector<const VNet*> placed;
    std::vector<int> hosts;  // per virtual node of `placed`, in order
    int moves = 0;
    why = "cap";
    for (k = 0; k < plan.max_vnets_a; ++k) {
      std::vector<const VNet*> all = placed;
      all.push_back(&seq[at(k)]);
      mp::Problem p = request_problem(sub, all);
      mp::Existing ex;
      ex.node_host = hosts;
      ex.node_host.resize(p.nodes.size(), -1);
      ex.node_penalty.assign(p.nodes.size(), 1.0);
      ex.link_elements.assign(p.links.size(), {});
      ex.link_penalty.assign(p.links.size(), 1e-3);
      p.existing = ex;
      const Outcome o =
          run_mip(p, "cbc", 1e-4, plan.time_limit,
                  "(a) migration rep " + std::to_string(rep) + " VNet " + std::to_string(k + 1));
      by_index_mig[k + 1].add(o);
      if (!o.solved()) {
        why = rejected(seq[at(k)], k, o);
        break;
      }
      for (std::size_t u = 0; u < hosts.size(); ++u)
        moves += o.solution.node_host[u] != hosts[u] ? 1 : 0;
      hosts = o.solution.node_host;
      placed.push_back(&seq[at(k)]);
    }
    accepted_mig.push_back(k);
    stop_mig.push_back(why);
    moved.push_back(moves);
  }

  std::printf(
      "Per repetition: VNets accepted without / with migration (what stopped the run: the "
      "rejected VNet, or the cap), earlier nodes moved in total with migration:\n\n");
  for (int rep = 0; rep < plan.reps_a; ++rep) {
    std::printf("- rep %d: %d (%s) / %d (%s), %d moves\n", rep, accepted_plain[at(rep)],
                stop_plain[at(rep)].c_str(), accepted_mig[at(rep)], stop_mig[at(rep)].c_str(),
                moved[at(rep)]);
  }
  std::printf("\nRuntime per VNet in placement order (Fig. 5.5a / Fig. 5.6). %s\n\n",
              kStatusLegend);
  std::printf(
      "| VNet # | runs | no-mig median | min | max | status | vars | rows | mig median | min | "
      "max | status | vars | rows | mig / no-mig |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (int k = 1; k <= plan.max_vnets_a; ++k) {
    const Stats& a = by_index_plain[k];
    const Stats& b = by_index_mig[k];
    if (a.n == 0 && b.n == 0) continue;
    std::printf("| %d | %d | %s | %s | %s | %s | %s | %s | %s |\n", k, std::max(a.n, b.n),
                a.times().c_str(), a.statuses().c_str(), a.size().c_str(), b.times().c_str(),
                b.statuses().c_str(), b.size().c_str(), fmt(b.median() / a.median(), 1).c_str());
  }
  std::printf("\nRuntime without migration by VNet size (Fig. 5.5b):\n\n");
  std::printf("| VNet size | solves | median | min | max | status | vars | rows |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const auto& [n, s] : by_size_plain) {
    std::printf("| %d | %d | %s | %s | %s |\n", n, s.n, s.times().c_str(), s.statuses().c_str(),
                s.size().c_str());
  }
  std::printf("\n");
}

// ------------------------------------------------------------------ (b)

void experiment_b(const Graph& map, const Substrate& sub, const Plan& plan, const Config& cfg) {
  std::printf("## (b) Runtime vs freedom (5.6.3, Fig. 5.7)\n\n");
  std::printf(
      "Substrate: the %d-router substrate of (a) with a background load (0-5 of 15 units "
      "used on every node and link, random); one VNet; freedom = share of CRs (0 = VPN, 1 = "
      "DC); per repetition the same topology and AP hosts along a row group; %d repetitions; "
      "CBC, gap 1e-4, limit %g s. %s\n\n",
      sub.size(), plan.reps_b, plan.time_limit, kStatusLegend);
  std::printf("| VNet size | freedom | CRs | median | min | max | status | vars | rows |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  const std::vector<double> freedoms = {0, 0.25, 0.5, 0.75, 1};
  for (const int n : plan.sizes_b) {
    std::vector<Stats> stats(freedoms.size());
    for (int rep = 0; rep < plan.reps_b; ++rep) {
      Rng rng(cfg.seed * 1000 + 200 + static_cast<std::uint64_t>(rep * 100 + n));
      Substrate loaded = sub;
      add_background_load(loaded, 5, rng);
      const Graph topo = random_connected_subgraph(map, n, rng);
      std::vector<int> order(at(n));
      for (int i = 0; i < n; ++i) order[at(i)] = i;
      rng.shuffle(order);
      std::vector<int> hosts(at(sub.size()));
      for (int i = 0; i < sub.size(); ++i) hosts[at(i)] = i;
      rng.shuffle(hosts);
      hosts.resize(at(n));
      for (std::size_t f = 0; f < freedoms.size(); ++f) {
        const int crs = static_cast<int>(std::lround(freedoms[f] * n));
        const VNet v = with_freedom(topo, order, hosts, crs);
        const mp::Problem p = request_problem(loaded, {&v});
        stats[f].add(run_mip(p, "cbc", 1e-4, plan.time_limit,
                             "(b) size " + std::to_string(n) + " freedom " + fmt(freedoms[f], 2) +
                                 " rep " + std::to_string(rep)));
      }
    }
    for (std::size_t f = 0; f < freedoms.size(); ++f) {
      std::printf("| %d | %.2f | %ld | %s | %s | %s |\n", n, freedoms[f],
                  std::lround(freedoms[f] * n), stats[f].times().c_str(),
                  stats[f].statuses().c_str(), stats[f].size().c_str());
    }
  }
  std::printf("\n");
}

// ------------------------------------------------------------------ (c)

// Nested substrates: BFS from one router, the first k routers.
std::vector<Substrate> nested_substrates(const Graph& map, const std::vector<int>& sizes,
                                         std::uint64_t seed) {
  Rng rng(seed);
  const int start = rng.uniform(0, map.size() - 1);
  const int largest = *std::max_element(sizes.begin(), sizes.end());
  const std::vector<int> order = bfs_subset(map, start, std::min(largest, map.size()), rng);
  std::vector<Substrate> out;
  for (const int k : sizes) {
    if (k >= map.size()) {
      out.push_back(make_substrate(map));
    } else {
      out.push_back(
          make_substrate(induced(map, std::vector<int>(order.begin(), order.begin() + k))));
    }
  }
  return out;
}

void experiment_c(const Graph& map, const Plan& plan, const Config& cfg) {
  std::printf(
      "## (c) DC: runtime vs substrate size, optimal vs first feasible (5.6.4, Fig. 5.8)\n\n");
  std::printf(
      "One DC VNet (all %d nodes CRs) per repetition, the same VNets on every substrate; "
      "nested BFS substrates of AS%s; %d repetitions; CBC, limit %g s; optimal = gap 1e-4, "
      "feasible = gap 1.0 (stops at the first incumbent; its solves report status optimal "
      "within that gap). %s\n\n",
      plan.vnet_c, cfg.as.c_str(), plan.reps_c, plan.time_limit, kStatusLegend);
  const std::vector<Substrate> subs =
      nested_substrates(map, plan.substrates_c, cfg.seed * 1000 + 300);
  std::vector<VNet> vnets;
  for (int rep = 0; rep < plan.reps_c; ++rep) {
    Rng rng(cfg.seed * 1000 + 310 + static_cast<std::uint64_t>(rep));
    vnets.push_back(make_vnet(map, plan.vnet_c, plan.vnet_c, 1, rng));
  }
  std::printf(
      "| substrate | links | optimal median | min | max | status | feasible median | min | max | "
      "status | optimal / feasible | vars | rows |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (std::size_t i = 0; i < subs.size(); ++i) {
    Stats opt, feas;
    for (int rep = 0; rep < plan.reps_c; ++rep) {
      const mp::Problem p = request_problem(subs[i], {&vnets[at(rep)]});
      const std::string what =
          "(c) substrate " + std::to_string(subs[i].size()) + " rep " + std::to_string(rep);
      opt.add(run_mip(p, "cbc", 1e-4, plan.time_limit, what + " optimal"));
      feas.add(run_mip(p, "cbc", 1.0, plan.time_limit, what + " feasible"));
    }
    std::printf("| %d | %d | %s | %s | %s | %s | %s | %s |\n", subs[i].size(), subs[i].links,
                opt.times().c_str(), opt.statuses().c_str(), feas.times().c_str(),
                feas.statuses().c_str(), fmt(opt.median() / feas.median(), 1).c_str(),
                opt.size().c_str());
  }
  std::printf("\n");
}

// ------------------------------------------------------------------ (d), (e)

void experiment_de(const Graph& map, const Plan& plan, const Config& cfg) {
  std::printf("## (d)+(e) DC: runtime vs VNet size, CBC vs GLPK (5.6.4, Fig. 5.9)\n\n");
  std::printf(
      "One DC VNet per size (BFS subset of AS%s), the same VNets on both substrates; both "
      "backends, gap 1e-4, limit %g s. \"-\" = not run: the backend had already failed to "
      "prove a smaller size optimal. Status as before (one solve per cell).\n\n",
      cfg.as.c_str(), plan.time_limit);
  const std::vector<Substrate> subs =
      nested_substrates(map, plan.substrates_d, cfg.seed * 1000 + 300);
  std::printf(
      "| substrate | VNet size | VNet links | vars | rows | CBC [s] | CBC status | GLPK [s] | GLPK "
      "status | GLPK / CBC |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  std::vector<std::string> summary;
  for (const Substrate& sub : subs) {
    bool cbc_on = true, glpk_on = true;
    int cbc_best = 0, glpk_best = 0;
    for (const int n : plan.sizes_d) {
      if (!cbc_on && !glpk_on) break;
      Rng rng(cfg.seed * 1000 + 410 + static_cast<std::uint64_t>(n));
      const VNet v = make_vnet(map, n, n, 1, rng);
      const mp::Problem p = request_problem(sub, {&v});
      const std::string what =
          "(d) substrate " + std::to_string(sub.size()) + " VNet " + std::to_string(n);
      Outcome c, g;
      if (cbc_on) c = run_mip(p, "cbc", 1e-4, plan.time_limit, what);
      if (glpk_on) g = run_mip(p, "glpk", 1e-4, plan.time_limit, what);
      const Outcome& any = cbc_on ? c : g;
      if (cbc_on && glpk_on && c.status == mp::Status::kOptimal &&
          g.status == mp::Status::kOptimal && !close(c.objective, g.objective, 2e-4)) {
        ++g_suspicious;
        std::printf("\nSUSPICIOUS: %s: CBC optimum %.9g, GLPK optimum %.9g\n\n", what.c_str(),
                    c.objective, g.objective);
      }
      std::printf("| %d | %d | %zu | %d | %d | %s | %s | %s | %s | %s |\n", sub.size(), n,
                  v.topo.edges.size(), any.vars, any.rows, cbc_on ? fmt(c.seconds).c_str() : "-",
                  cbc_on ? mp::to_string(c.status) : "-", glpk_on ? fmt(g.seconds).c_str() : "-",
                  glpk_on ? mp::to_string(g.status) : "-",
                  cbc_on && glpk_on ? fmt(g.seconds / c.seconds, 2).c_str() : "-");
      std::fflush(stdout);
      if (cbc_on) {
        if (c.status == mp::Status::kOptimal)
          cbc_best = n;
        else
          cbc_on = false;
      }
      if (glpk_on) {
        if (g.status == mp::Status::kOptimal)
          glpk_best = n;
        else
          glpk_on = false;
      }
    }
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "- substrate %d routers / %d links: largest DC VNet proven optimal within %g s: "
                  "CBC %d%s, GLPK %d%s",
                  sub.size(), sub.links, plan.time_limit, cbc_best,
                  cbc_on ? " (every size tried)" : "", glpk_best,
                  glpk_on ? " (every size tried)" : "");
    summary.push_back(buf);
  }
  std::printf("\n");
  for (const auto& s : summary) std::printf("%s\n", s.c_str());

  std::printf("\n");
}

void experiment_f(const Graph& map, const Plan& plan, const Config& cfg) {
  std::printf(
      "## (f) DC feasibility sweep: runtime to the first feasible mapping vs VNet size "
      "(5.6.4, Fig. 5.9)\n\n");
  std::printf(
      "Nested BFS substrates of AS%s up to the full map (%d routers, %zu links); one DC VNet "
      "per size (BFS subset of the same map, all nodes CRs), the same VNets on every "
      "substrate; first feasible = gap 1.0; limit %g s per solve. \"-\" = not run: the "
      "backend had already failed at a smaller size on this substrate.\n\n",
      cfg.as.c_str(), map.size(), map.edges.size(), plan.time_limit);
  const std::vector<Substrate> subs =
      nested_substrates(map, plan.substrates_f, cfg.seed * 1000 + 300);
  std::printf(
      "| substrate | VNet size | VNet elements | vars | rows | integers | CBC [s] | CBC status | "
      "GLPK [s] | GLPK status | GLPK / CBC |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Substrate& sub : subs) {
    bool cbc_on = true, glpk_on = true;
    for (const int n : plan.sizes_feasible) {
      if (!cbc_on && !glpk_on) break;
      Rng rng(cfg.seed * 1000 + 450 + static_cast<std::uint64_t>(n));
      const int k = std::min(n, map.size());
      const VNet v = make_vnet(map, k, k, 1, rng);
      const mp::Problem p = request_problem(sub, {&v});
      const std::string what =
          "(f) substrate " + std::to_string(sub.size()) + " VNet " + std::to_string(k);
      Outcome c, g;
      if (cbc_on) c = run_mip(p, "cbc", 1.0, plan.time_limit, what);
      if (glpk_on) g = run_mip(p, "glpk", 1.0, plan.time_limit, what);
      const Outcome& any = cbc_on ? c : g;
      std::printf("| %d | %d | %zu | %d | %d | %d | %s | %s | %s | %s | %s |\n", sub.size(), k,
                  v.topo.edges.size() + at(k), any.vars, any.rows, any.integers,
                  cbc_on ? fmt(c.seconds).c_str() : "-", cbc_on ? mp::to_string(c.status) : "-",
                  glpk_on ? fmt(g.seconds).c_str() : "-", glpk_on ? mp::to_string(g.status) : "-",
                  cbc_on && glpk_on ? fmt(g.seconds / c.seconds, 2).c_str() : "-");
      std::fflush(stdout);
      cbc_on = cbc_on && c.solved();
      glpk_on = glpk_on && g.solved();
    }
  }
  std::printf("\n");
}

// ------------------------------------------------------------------ (x)

void experiment_x(const Graph& map, const Substrate& sub25, const Plan& plan, const Config& cfg) {
  std::printf("## (x) Baseline: exhaustive reference solver vs MIP (CBC, GLPK)\n\n");
  std::printf(
      "Smallest instances where the exhaustive solver (every placement, an LP per placement "
      "for the splittable flows) finishes; MIPs at gap 1e-9 so the optima must agree "
      "(relative 1e-6).\n\n");
  struct Case {
    std::string name;
    const Substrate* sub;
    int n, free;
    std::uint64_t seed;
  };
  const std::vector<Substrate> small = nested_substrates(map, {10}, cfg.seed * 1000 + 300);
  const std::vector<Case> cases = {
      {"VPN 5 APs", &sub25, 5, 0, 1},        {"OC 3 APs + 1 CR", &sub25, 4, 1, 2},
      {"OC 2 APs + 2 CRs", &sub25, 4, 2, 3}, {"DC 2 CRs", &small[0], 2, 2, 4},
      {"DC 3 CRs", &small[0], 3, 3, 5},
  };
  std::printf(
      "| instance | substrate | placements | exhaustive [s] | CBC [s] | GLPK [s] | CBC / exh. | "
      "GLPK / exh. | GLPK / CBC | objectives |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Case& c : cases) {
    if (c.n == 4 && c.free == 2 && !plan.exhaustive_large) continue;
    Rng rng(cfg.seed * 1000 + 510 + c.seed);
    const VNet v = make_vnet(map, c.n, c.free, c.sub->size(), rng);
    const mp::Problem p = request_problem(*c.sub, {&v});
    mp::ExhaustiveOptions eo;
    eo.time_limit_s = 120;
    const double t0 = now_s();
    const mp::MappingResult ex = mp::solve_exhaustive(p, eo);
    const double t_ex = now_s() - t0;
    if (ex.has_solution()) {
      const mp::CheckReport rep = mp::check(p, ex.solution);
      if (!rep.ok())
        die("CHECKER VIOLATION in the exhaustive solution of " + c.name + ": " + rep.format());
    }
    const Outcome cb = run_mip(p, "cbc", 1e-9, 120, "(x) " + c.name);
    const Outcome gl = run_mip(p, "glpk", 1e-9, 120, "(x) " + c.name);
    std::string verdict;
    if (ex.status != mp::Status::kOptimal) {
      verdict = std::string("exhaustive ") + mp::to_string(ex.status);
    } else if (cb.status != mp::Status::kOptimal || gl.status != mp::Status::kOptimal) {
      verdict = "MIP not optimal";
      ++g_suspicious;
    } else if (close(ex.objective, cb.objective) && close(ex.objective, gl.objective)) {
      verdict = "equal (" + fmt(ex.objective, 6) + ")";
    } else {
      verdict = "DIFFER: exh " + std::to_string(ex.objective) + " CBC " +
                std::to_string(cb.objective) + " GLPK " + std::to_string(gl.objective);
      ++g_suspicious;
    }
    double placements = 1;
    for (const int f : v.fixed) placements *= f < 0 ? c.sub->size() : 1;
    std::printf("| %s | %d | %.0f | %s | %s | %s | %s | %s | %s | %s |\n", c.name.c_str(),
                c.sub->size(), placements, fmt(t_ex).c_str(), fmt(cb.seconds).c_str(),
                fmt(gl.seconds).c_str(), fmt(cb.seconds / t_ex, 3).c_str(),
                fmt(gl.seconds / t_ex, 3).c_str(), fmt(gl.seconds / cb.seconds, 2).c_str(),
                verdict.c_str());
    std::fflush(stdout);
  }
  std::printf("\n");
}

// ------------------------------------------------------------------ (g)

// The LP relaxation of the model: every integer variable continuous.
double root_lp_bound(const mp::Formulation& f) {
  cloudnet::solver::Model m = f.model();
  for (int j = 0; j < m.num_vars(); ++j) {
    const cloudnet::solver::Var v{j};
    if (m.is_integer(v)) m.set_type(v, cloudnet::solver::VarType::kContinuous);
  }
  auto lp = cloudnet::solver::default_registry().create("cbc");
  if (!lp) die(lp.error().message);
  auto r = (*lp)->solve(m, {});
  if (!r || r->status != cloudnet::solver::SolveStatus::kOptimal) return NAN;
  return r->objective;
}

double geomean(const std::vector<double>& v) {
  if (v.empty()) return NAN;
  double s = 0;
  for (const double x : v) s += std::log(x);
  return std::exp(s / static_cast<double>(v.size()));
}

void experiment_g(const Graph& map, const Plan& plan, const Config& cfg) {
  std::printf(
      "## (g) Strengthening the exact path: LP bound and time to optimality per option\n\n");
  struct Variant {
    const char* name;
    mp::FormulationOptions options;
    bool fast_start = false;
  };
  mp::FormulationOptions plain;
  plain.distance_cuts = plain.load_cuts = plain.host_flow_cuts = plain.symmetry_breaking = false;
  std::vector<Variant> variants = {{"plain (Fig. 5.2)", plain}};
  auto with = [&](const char* name, auto set) {
    Variant v{name, plain};
    set(v.options);
    variants.push_back(v);
  };
  with("host_flow_cuts", [](mp::FormulationOptions& o) { o.host_flow_cuts = true; });
  with("distance_cuts", [](mp::FormulationOptions& o) { o.distance_cuts = true; });
  with("load_cuts", [](mp::FormulationOptions& o) { o.load_cuts = true; });
  with("symmetry_breaking", [](mp::FormulationOptions& o) { o.symmetry_breaking = true; });
  with("all four", [](mp::FormulationOptions& o) {
    o.host_flow_cuts = o.distance_cuts = o.load_cuts = o.symmetry_breaking = true;
  });
  variants.push_back({"default", mp::FormulationOptions{}});
  variants.push_back({"default + fast start", mp::FormulationOptions{}, true});

  const double limit = plan.time_limit;
  std::printf(
      "CBC, gap 1e-4, limit %g s (wall) per solve, 1 thread. LP = bound of the LP relaxation "
      "(CLP, no cuts), relative to the best optimum of the row group; wall and CPU seconds "
      "of solve_mip() (formulation included); ratio = CPU time / CPU time of the plain "
      "model (CBC is deterministic, its wall time on a shared machine is not; \">=\": this "
      "variant hit the limit). Settings: thesis = load balancing, co-location allowed, "
      "splittable flows; online = minimum cost, no co-location, one path per flow.\n\n",
      limit);
  std::printf(
      "| instance | variant | added rows | LP / opt | wall [s] | CPU [s] | status | CPU / plain "
      "|\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  struct Acc {
    std::vector<double> ratio, lp;
    int optimal = 0, n = 0;
  };
  std::vector<Acc> acc(variants.size());
  std::vector<int> sizes;
  for (const auto& c : plan.cases_g) sizes.push_back(c[0]);
  const std::vector<Substrate> subs = nested_substrates(map, sizes, cfg.seed * 1000 + 300);
  for (std::size_t ci = 0; ci < plan.cases_g.size(); ++ci) {
    const Substrate& sub = subs[ci];
    const int n = plan.cases_g[ci][1];
    const int crs = plan.cases_g[ci][2];
    {
      Rng rng(cfg.seed * 1000 + 700 + static_cast<std::uint64_t>(n * 10 + crs));
      const VNet v = make_vnet(map, n, crs, sub.size(), rng);
      for (const bool online : {false, true}) {
        mp::Problem p = request_problem(sub, {&v});
        if (online) {
          p.options.objective = mp::Objective::kMinCost;
          p.options.no_split = true;
          p.options.no_colocate = true;
        }
        char what[160];
        std::snprintf(what, sizeof what, "%s %d+%d on %d (%s)", crs == n ? "DC" : "OC", crs,
                      n - crs, sub.size(), online ? "online" : "thesis");
        std::vector<Outcome> out(variants.size());
        std::vector<double> lp(variants.size()), cpu(variants.size());
        std::vector<int> rows(variants.size());
        for (std::size_t k = 0; k < variants.size(); ++k) {
          {
            const mp::Formulation f(p, variants[k].options);
            rows[k] = f.strengthening_rows();
            lp[k] = root_lp_bound(f);
          }
          mp::SolveSettings s;
          s.formulation = variants[k].options;
          s.warm_start_fast = variants[k].fast_start;
          const std::clock_t c0 = std::clock();
          out[k] = run_mip(p, "cbc", 1e-4, limit, std::string("(g) ") + what, s);
          cpu[k] = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
        }
        double best = NAN;
        for (const Outcome& o : out) {
          if (o.status != mp::Status::kOptimal) continue;
          if (std::isnan(best)) best = o.objective;
          if (!close(o.objective, best, 2e-4)) {
            ++g_suspicious;
            std::printf("\nSUSPICIOUS: (g) %s: optima %.9g and %.9g differ\n\n", what, o.objective,
                        best);
          }
        }
        for (std::size_t k = 0; k < variants.size(); ++k) {
          // CPU seconds: the machine is shared, wall time swings with load.
          const bool limited = out[k].status != mp::Status::kOptimal;
          const double ratio = cpu[k] / std::max(cpu[0], 1e-3);
          const double lp_rel = std::isnan(best) ? NAN : lp[k] / best;
          std::printf("| %s | %s | %d | %s | %s | %s | %s | %s%s%s |\n", what, variants[k].name,
                      rows[k], fmt(lp_rel, 3).c_str(), fmt(out[k].seconds).c_str(),
                      fmt(cpu[k]).c_str(), mp::to_string(out[k].status), limited ? ">= " : "",
                      fmt(ratio, 2).c_str(),
                      out[0].status == mp::Status::kOptimal ? "" : " (plain hit the limit)");
          Acc& a = acc[k];
          ++a.n;
          if (out[k].status == mp::Status::kOptimal) ++a.optimal;
          a.ratio.push_back(ratio);
          if (!std::isnan(lp_rel)) a.lp.push_back(lp_rel);
        }
        std::fflush(stdout);
      }
    }
  }
  std::printf(
      "\n| variant | proven optimal | geo. mean CPU / plain | mean LP / opt | mean LP / opt "
      "of plain |\n");
  std::printf("|---|---|---|---|---|\n");
  for (std::size_t k = 0; k < variants.size(); ++k) {
    double lp_mean = 0;
    for (const double x : acc[k].lp) lp_mean += x / static_cast<double>(acc[k].lp.size());
    double lp_plain = 0;
    for (const double x : acc[0].lp) lp_plain += x / static_cast<double>(acc[0].lp.size());
    std::printf("| %s | %d/%d | %s | %s | %s |\n", variants[k].name, acc[k].optimal, acc[k].n,
                fmt(geomean(acc[k].ratio), 2).c_str(), fmt(lp_mean, 3).c_str(),
                fmt(lp_plain, 3).c_str());
  }
  std::printf("\n");
}

// ------------------------------------------------------------------ (t)

void experiment_t(const Plan& plan) {
  std::printf("## (t) Time limits on a 100-node substrate (virne WX100)\n\n");
  const std::string dir = std::string(CLOUDNET_SHARED_DIR) + "/benchmarks/virne-wx100-seed1";
  const Graph pnet = load_gml(dir + "/p_net.gml", false);
  mp::Problem base;
  std::vector<int> node;
  for (std::size_t i = 0; i < pnet.cpu.size(); ++i) {
    node.push_back(mp::add_substrate_node(base, "n" + std::to_string(i)));
    mp::add_substrate_resource(base, "n" + std::to_string(i) + "cpu", kCpu, pnet.cpu[i],
                               {node.back()});
  }
  for (std::size_t j = 0; j < pnet.edges.size(); ++j) {
    const int e =
        mp::add_substrate_link(base, "l" + std::to_string(j),
                               {node[at(pnet.edges[j].first)], node[at(pnet.edges[j].second)]});
    mp::add_bandwidth(base, "l" + std::to_string(j) + "bw", e, pnet.bw[j]);
  }
  mp::finalize(base);
  const double limit = plan.time_limit_t;
  std::printf(
      "Substrate %zu nodes, %zu links; requests v_net 0..%d in isolation (empty substrate); "
      "CBC, gap 1e-3, limit %g s for the whole solve_mip() call; overshoot = wall - limit "
      "(negative: finished early). The dive column runs with CBC's DiveCoefficient heuristic "
      "switched off (backend_params), to see whether the hard stop alone suffices.\n\n",
      pnet.cpu.size(), pnet.edges.size(), plan.requests_t - 1, limit);
  std::printf(
      "| v_net | nodes | links | vars | start | dive | wall [s] | overshoot [s] | status | "
      "objective |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  std::vector<double> overshoot;
  double worst = -1e9;
  for (int k = 0; k < plan.requests_t; ++k) {
    char file[64];
    std::snprintf(file, sizeof file, "/v_nets/v_net-%05d.gml", k);
    const Graph r = load_gml(dir + file, true);
    mp::Problem p = base;
    for (std::size_t i = 0; i < r.cpu.size(); ++i)
      mp::add_virtual_node(p, "v" + std::to_string(i), {mp::make_demand("cpu", kCpu, r.cpu[i])});
    for (std::size_t j = 0; j < r.edges.size(); ++j)
      mp::add_virtual_link(p, "e" + std::to_string(j), {r.edges[j].first, r.edges[j].second},
                           mp::make_demand("bw", kBw, r.bw[j]));
    p.options.objective = mp::Objective::kMinCost;
    p.options.no_split = true;
    p.options.no_colocate = true;
    mp::finalize(p);
    for (const bool warm : {false, true}) {
      for (const bool dive : {true, false}) {
        if (!dive && warm) continue;
        mp::SolveSettings s;
        s.warm_start_fast = warm;
        if (!dive) s.backend_params["cbc:DivingCoefficient"] = "off";
        const Outcome o = run_mip(p, "cbc", 1e-3, limit,
                                  "(t) v_net " + std::to_string(k) + (warm ? " warm" : ""), s);
        const double over = o.seconds - limit;
        worst = std::max(worst, over);
        if (o.status != mp::Status::kOptimal) overshoot.push_back(over);
        std::printf("| %d | %zu | %zu | %d | %s | %s | %s | %s | %s | %s |\n", k, r.cpu.size(),
                    r.edges.size(), o.vars, warm ? "fast" : "-", dive ? "on" : "off",
                    fmt(o.seconds).c_str(), fmt(over, 2).c_str(), mp::to_string(o.status),
                    o.solved() ? fmt(o.objective, 0).c_str() : "-");
        std::fflush(stdout);
      }
    }
  }
  std::sort(overshoot.begin(), overshoot.end());
  std::printf(
      "\n- solves stopped by the limit: %zu; overshoot median %s s, worst %s s (before the hard "
      "stop: +13.7 s and +773 s on v_net 0 and 1)\n\n",
      overshoot.size(), overshoot.empty() ? "-" : fmt(overshoot[overshoot.size() / 2], 2).c_str(),
      fmt(worst, 2).c_str());
}

void usage() {
  std::fprintf(stderr,
               "usage: mapping_bench [--quick | --full] [--time-limit S] [--seed N] "
               "[--rocketfuel DIR] [--as AS] [--only LETTERS from xabcdefgt] [--log-level N] "
               "[--g-cases S:N:C,...]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  cloudnet::bench::set_program_name("mapping_bench");
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--quick") {
      cfg.mode = Mode::kQuick;
    } else if (a == "--full") {
      cfg.mode = Mode::kFull;
    } else if (a == "--time-limit") {
      cfg.time_limit = std::atof(value().c_str());
      if (!(cfg.time_limit > 0)) usage();
    } else if (a == "--seed") {
      cfg.seed = std::strtoull(value().c_str(), nullptr, 10);
    } else if (a == "--rocketfuel") {
      cfg.rocketfuel = value();
    } else if (a == "--as") {
      cfg.as = value();
    } else if (a == "--log-level") {
      cfg.log_level = std::atoi(value().c_str());
    } else if (a == "--only") {
      cfg.only = value();
    } else if (a == "--g-cases") {
      // "S:N:C,...": substrate routers, VNet size, CRs
      const std::string list = value();
      std::size_t pos = 0;
      while (pos < list.size()) {
        std::size_t end = list.find(',', pos);
        if (end == std::string::npos) end = list.size();
        std::array<int, 3> c{};
        if (std::sscanf(list.substr(pos, end - pos).c_str(), "%d:%d:%d", &c[0], &c[1], &c[2]) !=
                3 ||
            c[0] < 2 || c[1] < 1 || c[2] < 0 || c[2] > c[1])
          usage();
        cfg.cases_g.push_back(c);
        pos = end + 1;
      }
    } else {
      usage();
    }
  }
  const Plan plan = plan_for(cfg);
  g_log_level = cfg.log_level;
  const double began = now_s();
  const Graph map = load_rocketfuel(cfg.rocketfuel, cfg.as);
  std::printf("# Mapping MIP runtime benchmark (thesis 5.6)\n\n");
  std::printf(
      "Mode %s, seed %llu, time limit %g s, Rocketfuel AS%s (%d routers, %zu links, from %s). "
      "Capacity 15 per substrate node (CPU) and link (bandwidth), demand 1 per virtual node "
      "and link; load-balancing objective; 1 solver thread.\n\n",
      cfg.mode == Mode::kQuick  ? "quick"
      : cfg.mode == Mode::kFull ? "full"
                                : "default",
      static_cast<unsigned long long>(cfg.seed), plan.time_limit, cfg.as.c_str(), map.size(),
      map.edges.size(), cfg.rocketfuel.c_str());
  Rng rng(cfg.seed * 1000 + 1);
  const Substrate sub25 = make_substrate(random_connected_subgraph(map, plan.substrate_oc, rng));
  if (cfg.runs('x')) experiment_x(map, sub25, plan, cfg);
  if (cfg.runs('a')) experiment_a(map, sub25, plan, cfg);
  if (cfg.runs('b')) experiment_b(map, sub25, plan, cfg);
  if (cfg.runs('c')) experiment_c(map, plan, cfg);
  if (cfg.runs('d') || cfg.runs('e')) experiment_de(map, plan, cfg);
  if (cfg.runs('f')) experiment_f(map, plan, cfg);
  if (cfg.runs('g')) experiment_g(map, plan, cfg);
  if (cfg.runs('t')) experiment_t(plan);
  std::printf(
      "%d MIP solves (%.1f s in solve_mip), every solution checked; %d suspicious; "
      "total %.1f s.\n",
      g_solves, g_solve_seconds, g_suspicious, now_s() - began);
  return g_suspicious > 0 ? 3 : 0;
}
