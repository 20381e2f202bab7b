// The migration planner (plan.h): hand-built substrates with known answers,
// unreachable targets explained, the cost model, input errors, and random
// instances on which every new mapping passes the independent checker with
// all other VNets' allocations and nothing of an unmoved VNet changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "flerd/io.h"
#include "mapping/builder.h"
#include "mapping/checker.h"
#include "mapping/fast.h"
#include "mapping/objective.h"
#include "mapping/output.h"
#include "mapping/usage.h"
#include "plan/plan.h"

namespace cloudnet::plan {
namespace {

// --- Documents ---------------------------------------------------------------

struct SubSpec {
  struct Node {
    std::string name;
    double cpu = 0, ram = 0;  // 0, 0: a router
    std::string country;
  };
  struct Link {
    int a = 0, b = 0;
    double bw = 1000;
  };
  std::vector<Node> nodes;
  std::vector<Link> links;
};

// prefix + i (GCC 12 warns falsely about cat("literal", static_cast<std::size_t>())).
std::string cat(const std::string& prefix, std::size_t i) {
  std::ostringstream s;
  s << prefix << i;
  return s.str();
}

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string substrate_yaml(const SubSpec& spec) {
  std::ostringstream y;
  y << "namespaces: {s: /test/substrate}\nTopology:\n"
    << "  - GraphLabel: {id: s:ul0, role_identifier: PIP, graph_type: UL, graph_nr: 0, "
       "net_identifier: substrate}\n    NetworkElement:\n";
  std::vector<std::vector<std::string>> ifaces(spec.nodes.size());
  for (std::size_t k = 0; k < spec.links.size(); ++k) {
    const auto& l = spec.links[k];
    ifaces[static_cast<std::size_t>(l.a)].push_back(cat("s:l", static_cast<std::size_t>(k)) + "a");
    ifaces[static_cast<std::size_t>(l.b)].push_back(cat("s:l", static_cast<std::size_t>(k)) + "b");
  }
  std::ostringstream res;
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    const auto& n = spec.nodes[i];
    const bool router = n.cpu == 0 && n.ram == 0;
    y << "      - id: s:" << n.name << "\n        identifier: " << n.name
      << "\n        ne_type: " << (router ? "/node/switch/router" : "/node/host/server")
      << "\n        graphLabel: s:ul0\n";
    if (!router) {
      y << "        resource: [s:" << n.name << "cpu, s:" << n.name << "ram]\n";
      res << "      - {id: s:" << n.name
          << "cpu, attribute: /host/generic/CPU/amount, value: " << num(n.cpu)
          << ", request_flag: false}\n";
      res << "      - {id: s:" << n.name
          << "ram, attribute: /host/generic/RAM/real/amount, value: " << num(n.ram)
          << ", request_flag: false}\n";
    }
    if (!n.country.empty())
      y << "        features:\n          - {attribute: /position/continent/country, value: "
        << n.country << ", priority: 0, request_flag: false}\n";
    y << "        networkInterfaces:\n";
    for (std::size_t k = 0; k < ifaces[i].size(); ++k)
      y << "          - {id: s:" << n.name << "e" << k << ", identifier: e" << k
        << ", ni_type: /interface/ethernet, connectedInterface: " << ifaces[i][k] << "}\n";
  }
  std::vector<std::size_t> pos(spec.nodes.size(), 0);
  for (std::size_t k = 0; k < spec.links.size(); ++k) {
    const auto& l = spec.links[k];
    const std::string id = cat("s:l", static_cast<std::size_t>(k));
    const auto ia = pos[static_cast<std::size_t>(l.a)]++;
    const auto ib = pos[static_cast<std::size_t>(l.b)]++;
    y << "      - {id: " << id << ", identifier: L" << k
      << ", ne_type: /link/ethernet, graphLabel: s:ul0, resource: [" << id << "bw],\n"
      << "         networkInterfaces: [{id: " << id << "a, identifier: a, ni_type: "
      << "/interface/ethernet, connectedInterface: s:"
      << spec.nodes[static_cast<std::size_t>(l.a)].name << "e" << ia
      << "},\n                             {id: " << id
      << "b, identifier: b, ni_type: /interface/ethernet, connectedInterface: s:"
      << spec.nodes[static_cast<std::size_t>(l.b)].name << "e" << ib << "}]}\n";
    res << "      - {id: " << id << "bw, attribute: /link/symmetric/bandwidth, value: " << num(l.bw)
        << ", request_flag: false}\n";
  }
  y << "    Resource:\n" << res.str();
  return y.str();
}

struct ReqSpec {
  std::string ns;  // namespace prefix, one per VNet
  struct Node {
    double cpu = 1, ram = 1;
    std::string country;  // white list
  };
  struct Link {
    int a = 0, b = 1;
    double bw = 10;
  };
  std::vector<Node> nodes;
  std::vector<Link> links;
};

std::string request_yaml(const ReqSpec& spec) {
  const std::string& p = spec.ns;
  std::ostringstream y, res;
  y << "namespaces: {" << p << ": /test/" << p << "}\nTopology:\n"
    << "  - GraphLabel: {id: " << p << ":ol0, role_identifier: customer, graph_type: OL, "
    << "graph_nr: 0, net_identifier: " << p << "}\n    NetworkElement:\n";
  std::vector<std::vector<std::string>> ifaces(spec.nodes.size());
  for (std::size_t k = 0; k < spec.links.size(); ++k) {
    ifaces[static_cast<std::size_t>(spec.links[k].a)].push_back(
        p + cat(":l", static_cast<std::size_t>(k)) + "a");
    ifaces[static_cast<std::size_t>(spec.links[k].b)].push_back(
        p + cat(":l", static_cast<std::size_t>(k)) + "b");
  }
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    const auto& n = spec.nodes[i];
    const std::string id = p + cat(":n", static_cast<std::size_t>(i));
    y << "      - id: " << id << "\n        identifier: " << p << "n" << i
      << "\n        ne_type: /node/host/generic\n        graphLabel: " << p << ":ol0\n"
      << "        resource: [" << id << "cpu, " << id << "ram]\n";
    res << "      - {id: " << id
        << "cpu, attribute: /host/generic/CPU/amount, value: " << num(n.cpu)
        << ", value_type: minimum, request_flag: true}\n";
    res << "      - {id: " << id
        << "ram, attribute: /host/generic/RAM/real/amount, value: " << num(n.ram)
        << ", value_type: minimum, request_flag: true}\n";
    if (!n.country.empty())
      y << "        features:\n          - {attribute: /position/continent/country, value: "
        << n.country << ", priority: 1, request_flag: true}\n";
    y << "        networkInterfaces:\n";
    for (std::size_t k = 0; k < ifaces[i].size(); ++k)
      y << "          - {id: " << id << "e" << k << ", identifier: e" << k
        << ", ni_type: /interface/generic, connectedInterface: " << ifaces[i][k] << "}\n";
    // A node without links still has an interface (the schema asks for one).
    if (ifaces[i].empty())
      y << "          - {id: " << id << "e0, identifier: e0, ni_type: /interface/generic}\n";
  }
  std::vector<std::size_t> pos(spec.nodes.size(), 0);
  for (std::size_t k = 0; k < spec.links.size(); ++k) {
    const auto& l = spec.links[k];
    const std::string id = p + cat(":l", static_cast<std::size_t>(k));
    const std::string na = p + cat(":n", static_cast<std::size_t>(l.a)),
                      nb = p + cat(":n", static_cast<std::size_t>(l.b));
    y << "      - id: " << id << "\n        identifier: " << p << "l" << k
      << "\n        ne_type: /link/generic\n        graphLabel: " << p << ":ol0\n"
      << "        resource: [" << id << "bw]\n        networkInterfaces:\n"
      << "          - {id: " << id << "a, identifier: a, ni_type: /interface/generic, "
      << "connectedInterface: " << na << "e" << pos[static_cast<std::size_t>(l.a)]++ << "}\n"
      << "          - {id: " << id << "b, identifier: b, ni_type: /interface/generic, "
      << "connectedInterface: " << nb << "e" << pos[static_cast<std::size_t>(l.b)]++ << "}\n";
    res << "      - {id: " << id << "bw, attribute: /link/symmetric/bandwidth, value: " << num(l.bw)
        << ", value_type: minimum, request_flag: true}\n";
  }
  y << "    Resource:\n" << res.str();
  return y.str();
}

flerd::Document parse(const std::string& yaml, const std::string& name) {
  auto l = flerd::read_string(yaml, flerd::Format::kYaml, name);
  std::string errors;
  for (const auto& d : l.diagnostics.items()) errors += d.format() + "\n";
  EXPECT_TRUE(l.ok()) << errors << yaml;
  return std::move(l.document);
}

// Embeds `req` on `sub` next to the `earlier` embeddings (their
// ResourceMappings are used), node i on hosts[i] when given, else where the
// fast embedder puts it; the result as it comes back from a YAML file.
std::optional<flerd::Document> embed(const flerd::Document& sub, const flerd::Document& req,
                                     const std::vector<std::string>& hosts,
                                     const std::vector<const flerd::Document*>& earlier,
                                     const std::string& name) {
  mapping::BuildInput in;
  in.substrate = &sub;
  in.request = &req;
  auto p = mapping::build_problem(in);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  if (!p) return std::nullopt;
  for (const auto* d : earlier)
    for (const auto& rm : d->resourceMappings)
      for (auto& r : p->substrate_resources)
        if (r.id == rm.hostingResource.id) r.used += rm.value.value_or(0);
  for (std::size_t u = 0; u < hosts.size() && u < p->nodes.size(); ++u) {
    if (hosts[u].empty()) continue;
    const int h = p->substrate_index(hosts[u]);
    EXPECT_GE(h, 0) << hosts[u];
    for (std::size_t e = 0; e < p->substrate.size(); ++e)
      p->node_suitable[u][e] = static_cast<int>(e) == h ? 1 : 0;
  }
  const mapping::MappingResult r = mapping::solve_fast(*p);
  if (!r.has_solution()) return std::nullopt;
  const flerd::Document doc = mapping::mapping_document(req, sub, *p, r);
  return parse(flerd::write_string(doc, flerd::Format::kYaml), name);
}

// A substrate with its embeddings, owning the documents.
struct Scenario {
  flerd::Document substrate;
  std::vector<std::unique_ptr<flerd::Document>> docs;
  std::vector<std::string> names;

  void add(const ReqSpec& spec, const std::vector<std::string>& hosts) {
    const flerd::Document req = parse(request_yaml(spec), spec.ns + "-request.yaml");
    std::vector<const flerd::Document*> earlier;
    for (const auto& d : docs) earlier.push_back(d.get());
    auto d = embed(substrate, req, hosts, earlier, spec.ns + ".yaml");
    ASSERT_TRUE(d.has_value()) << "cannot embed " << spec.ns;
    docs.push_back(std::make_unique<flerd::Document>(std::move(*d)));
    names.push_back(spec.ns + ".yaml");
  }
  // Adds it if it fits anywhere; false if not.
  bool try_add(const ReqSpec& spec) {
    const flerd::Document req = parse(request_yaml(spec), spec.ns + "-request.yaml");
    std::vector<const flerd::Document*> earlier;
    for (const auto& d : docs) earlier.push_back(d.get());
    auto d = embed(substrate, req, {}, earlier, spec.ns + ".yaml");
    if (!d) return false;
    docs.push_back(std::make_unique<flerd::Document>(std::move(*d)));
    names.push_back(spec.ns + ".yaml");
    return true;
  }
  PlanInput input() const {
    PlanInput in;
    in.substrate = &substrate;
    for (std::size_t i = 0; i < docs.size(); ++i)
      in.embeddings.push_back({names[i], docs[i].get()});
    return in;
  }
};

// Star: hosts h0..h{n-1} around router r.
SubSpec star(int n, double cpu, double ram, double bw = 1000) {
  SubSpec s;
  for (int i = 0; i < n; ++i)
    s.nodes.push_back({cat("h", static_cast<std::size_t>(i)), cpu, ram, ""});
  s.nodes.push_back({"r", 0, 0, ""});
  for (int i = 0; i < n; ++i) s.links.push_back({i, n, bw});
  return s;
}

ReqSpec single(const std::string& ns, double cpu, double ram) {
  ReqSpec r;
  r.ns = ns;
  r.nodes.push_back({cpu, ram, ""});
  return r;
}

// The invariants every plan must satisfy (plan.h, "Rules of a plan").
void expect_valid(const Plan& plan, const PlanInput& in) {
  std::set<std::string> freed(plan.hosts_freed.begin(), plan.hosts_freed.end());
  double cost = 0;
  for (std::size_t i = 0; i < plan.vnets.size(); ++i) {
    const VNetPlan& v = plan.vnets[i];
    SCOPED_TRACE(v.name);
    if (!v.moved) {
      // Nothing of an unmoved VNet changes.
      EXPECT_FALSE(v.document.has_value());
      EXPECT_EQ(v.after.node_host, v.before.node_host);
      EXPECT_EQ(v.after.flow_arcs, v.before.flow_arcs);
      continue;
    }
    ASSERT_TRUE(v.document.has_value());
    const mapping::CheckReport rep = mapping::check(v.problem, v.after);
    EXPECT_TRUE(rep.ok()) << rep.format();
    for (const int h : v.after.node_host)
      EXPECT_FALSE(freed.count(v.problem.substrate[static_cast<std::size_t>(h)].id));
    const mapping::Usage usage = mapping::compute_usage(v.problem, v.after);
    for (const auto& els : usage.link_elements)
      for (const int e : els)
        EXPECT_FALSE(freed.count(v.problem.substrate[static_cast<std::size_t>(e)].id));
    // Nodes that stay keep their allocations exactly.
    for (std::size_t u = 0; u < v.after.node_host.size(); ++u) {
      if (v.after.node_host[u] != v.before.node_host[u]) continue;
      ASSERT_EQ(v.after.node_alloc[u].size(), v.before.node_alloc[u].size());
      for (std::size_t k = 0; k < v.after.node_alloc[u].size(); ++k) {
        ASSERT_EQ(v.after.node_alloc[u][k].size(), v.before.node_alloc[u][k].size());
        for (std::size_t a = 0; a < v.after.node_alloc[u][k].size(); ++a) {
          EXPECT_EQ(v.after.node_alloc[u][k][a].resource, v.before.node_alloc[u][k][a].resource);
          EXPECT_NEAR(v.after.node_alloc[u][k][a].amount, v.before.node_alloc[u][k][a].amount,
                      1e-9);
        }
      }
    }
    cost += mapping::migration_cost(v.problem, v.after);
  }
  // The cost is the thesis 5.3.5 migration cost of the new solutions.
  double sum = 0;
  for (const auto& m : plan.moves) sum += m.cost;
  EXPECT_NEAR(plan.migration_cost, sum, 1e-9);
  EXPECT_NEAR(plan.migration_cost, cost, 1e-6);
  EXPECT_EQ(plan.reached, plan.achieved + 1e-6 >= plan.target);
  for (const auto& f : plan.attributes) EXPECT_LE(f.fraction, f.bound + 1e-9) << f.attribute;
  // The new state is a valid input again: re-reading the plan's documents
  // (nothing overbooked, every element known) with a target of 0.
  std::vector<flerd::Document> reread;
  reread.reserve(plan.vnets.size());
  PlanInput again;
  again.substrate = in.substrate;
  again.options = in.options;
  for (std::size_t i = 0; i < plan.vnets.size(); ++i) {
    if (plan.vnets[i].moved)
      reread.push_back(parse(flerd::write_string(*plan.vnets[i].document, flerd::Format::kYaml),
                             plan.vnets[i].name));
    else
      reread.push_back(*in.embeddings[i].document);
  }
  for (std::size_t i = 0; i < reread.size(); ++i)
    again.embeddings.push_back({plan.vnets[i].name, &reread[i]});
  PlanOptions zero;
  zero.target = 0;
  auto p2 = plan_repacking(again, zero);
  ASSERT_TRUE(p2.ok()) << p2.error().message;
  EXPECT_TRUE(p2->moves.empty());
  for (std::size_t i = 0; i < reread.size(); ++i)
    EXPECT_EQ(p2->vnets[i].before.node_host, plan.vnets[i].after.node_host) << plan.vnets[i].name;
  // Freed hosts are not in use any more (hosts that only forward flows are
  // not "in use" either).
  EXPECT_LE(p2->hosts_in_use.size(), plan.hosts_in_use.size() - plan.hosts_freed.size());
  for (const auto& h : plan.hosts_freed)
    EXPECT_EQ(std::count(p2->hosts_in_use.begin(), p2->hosts_in_use.end(), h), 0) << h;
}

// --- Known answers -------------------------------------------------------------

// Four hosts, each half full with one single-node VNet: half of the capacity
// can be freed by moving exactly two VNets (cost 2 with the default model).
Scenario half_full() {
  Scenario sc;
  sc.substrate = parse(substrate_yaml(star(4, 4, 8)), "star4.yaml");
  for (int i = 0; i < 4; ++i)
    sc.add(single(cat("v", static_cast<std::size_t>(i)), 2, 4),
           {cat("s:h", static_cast<std::size_t>(i))});
  return sc;
}

TEST(Plan, HalfFullHostsFreeHalfAtTwoMoves) {
  const Scenario sc = half_full();
  const PlanInput in = sc.input();
  PlanOptions o;
  o.target = 0.5;
  auto plan = plan_repacking(in, o);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->reached) << format_plan(*plan);
  EXPECT_EQ(plan->nodes_moved, 2);
  EXPECT_EQ(plan->links_rerouted, 0);
  EXPECT_DOUBLE_EQ(plan->migration_cost, 2.0);
  EXPECT_EQ(plan->hosts_freed.size(), 2u);
  EXPECT_EQ(plan->hosts_in_use.size(), 4u);
  ASSERT_EQ(plan->attributes.size(), 2u);
  for (const auto& a : plan->attributes) {
    EXPECT_DOUBLE_EQ(a.fraction, 0.5) << a.attribute;
    EXPECT_DOUBLE_EQ(a.bound, 0.5) << a.attribute;
    EXPECT_TRUE(a.measured);
  }
  int moved = 0;
  for (const auto& v : plan->vnets) moved += v.moved ? 1 : 0;
  EXPECT_EQ(moved, 2);
  expect_valid(*plan, in);
  // The text and JSON forms carry the answer.
  const std::string text = format_plan(*plan);
  EXPECT_NE(text.find("answer:  yes"), std::string::npos) << text;
  EXPECT_NE(plan_json(*plan).find("\"migration_cost\": 2.0"), std::string::npos);
}

TEST(Plan, TargetAboveTheCapacityBoundIsExplained) {
  const Scenario sc = half_full();
  PlanOptions o;
  o.target = 0.6;
  auto plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_FALSE(plan->reached);
  EXPECT_DOUBLE_EQ(plan->achieved, 0.5);  // the best achievable
  ASSERT_FALSE(plan->reasons.empty());
  EXPECT_NE(plan->reasons[0].find("at most 50.0%"), std::string::npos) << plan->reasons[0];
  EXPECT_NE(format_plan(*plan).find("answer:  no"), std::string::npos);
  expect_valid(*plan, sc.input());
}

TEST(Plan, NothingToDoForZeroTarget) {
  const Scenario sc = half_full();
  PlanOptions o;
  o.target = 0;
  auto plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->reached);
  EXPECT_TRUE(plan->moves.empty());
  EXPECT_EQ(plan->migration_cost, 0);
  for (const auto& v : plan->vnets) EXPECT_FALSE(v.moved);
}

TEST(Plan, MeasuredByHostsAndByOneAttribute) {
  const Scenario sc = half_full();
  PlanOptions o;
  o.target = 0.25;
  o.measure = "hosts";
  auto plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->reached);
  EXPECT_EQ(plan->nodes_moved, 1);
  EXPECT_EQ(plan->hosts_freed.size(), 1u);
  o.measure = "CPU";
  plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->nodes_moved, 1);
  for (const auto& a : plan->attributes)
    EXPECT_EQ(a.measured, a.attribute == "/host/generic/CPU/amount") << a.attribute;
  o.measure = "GPU";
  plan = plan_repacking(sc.input(), o);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().message.find("/host/generic/CPU/amount"), std::string::npos)
      << plan.error().message;
}

// Penalty per unit of state (RAM): the planner moves the small VMs.
TEST(Plan, StateCostPrefersSmallVms) {
  Scenario sc;
  sc.substrate = parse(substrate_yaml(star(4, 4, 16)), "star4.yaml");
  sc.add(single("big0", 2, 6), {"s:h0"});
  sc.add(single("small1", 2, 1), {"s:h1"});
  sc.add(single("big2", 2, 6), {"s:h2"});
  sc.add(single("small3", 2, 1), {"s:h3"});
  PlanOptions o;
  o.target = 0.5;
  o.measure = "CPU";
  o.cost.state_cost = 1;
  auto plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->reached) << format_plan(*plan);
  EXPECT_EQ(plan->nodes_moved, 2);
  EXPECT_DOUBLE_EQ(plan->state_moved, 2);
  EXPECT_DOUBLE_EQ(plan->migration_cost, 2 * (1 + 1));
  std::set<std::string> freed(plan->hosts_freed.begin(), plan->hosts_freed.end());
  EXPECT_EQ(freed, (std::set<std::string>{"s:h1", "s:h3"}));
  expect_valid(*plan, sc.input());
}

// transit(u, v) per substrate link: on a line h0 - h1 - h2 - h3, the node on
// h0 goes to h1 (two links away) rather than farther.
TEST(Plan, HopCostIsTransit) {
  Scenario sc;
  SubSpec line;
  for (int i = 0; i < 4; ++i)
    line.nodes.push_back({cat("h", static_cast<std::size_t>(i)), 4, 8, ""});
  for (int i = 0; i < 3; ++i) line.links.push_back({i, i + 1, 1000});
  sc.substrate = parse(substrate_yaml(line), "line4.yaml");
  sc.add(single("a", 1, 1), {"s:h0"});
  sc.add(single("b", 3, 6), {"s:h1"});
  sc.add(single("c", 2, 2), {"s:h2"});
  sc.add(single("d", 3, 2), {"s:h3"});
  PlanOptions o;
  o.target = 0.25;
  o.measure = "hosts";
  o.cost.hop_cost = 0.5;
  auto plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(plan->reached) << format_plan(*plan);
  ASSERT_EQ(plan->nodes_moved, 1);
  EXPECT_EQ(plan->moves[0].element, "a:n0");
  EXPECT_EQ(plan->moves[0].to, std::vector<std::string>{"s:h1"});
  EXPECT_DOUBLE_EQ(plan->migration_cost, 1 + 0.5 * 1);
  expect_valid(*plan, sc.input());
}

// VNets with links: moving an endpoint re-routes its link (epsilon each);
// a VNet that does not touch the vacated host stays exactly as it was,
// and in a re-embedded VNet the node that stays keeps host and allocations.
TEST(Plan, LinksAreReroutedAndOthersStay) {
  Scenario sc;
  sc.substrate = parse(substrate_yaml(star(4, 8, 16)), "star4.yaml");
  ReqSpec two;
  two.ns = "w";
  two.nodes = {{4, 4, ""}, {1, 1, ""}};
  two.links = {{0, 1, 100}};
  sc.add(two, {"s:h0", "s:h1"});
  ReqSpec other = two;
  other.ns = "x";
  other.nodes = {{4, 4, ""}, {4, 4, ""}};
  sc.add(other, {"s:h2", "s:h3"});
  PlanOptions o;
  o.target = 0.25;
  o.measure = "hosts";
  auto plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(plan->reached) << format_plan(*plan);
  EXPECT_EQ(plan->hosts_freed, std::vector<std::string>{"s:h1"});
  EXPECT_EQ(plan->nodes_moved, 1);
  EXPECT_EQ(plan->links_rerouted, 1);
  EXPECT_NEAR(plan->migration_cost, 1.001, 1e-9);
  EXPECT_TRUE(plan->vnets[0].moved);
  EXPECT_FALSE(plan->vnets[1].moved);
  EXPECT_EQ(plan->vnets[0].after.node_host[0], plan->vnets[0].before.node_host[0]);
  // w's nodes now share h0: its link leaves the substrate links.
  EXPECT_EQ(plan->vnets[0].after.node_host[1], plan->vnets[0].after.node_host[0]);
  EXPECT_EQ(plan->links_freed, (std::vector<std::string>{"s:l0", "s:l1"}));
  EXPECT_NEAR(plan->bandwidth_before - plan->bandwidth_after, 200, 1e-9);
  expect_valid(*plan, sc.input());
}

// A node white-listed to the one host in a country pins that host: the
// planner says which host cannot be vacated and why.
TEST(Plan, PinnedHostIsExplained) {
  Scenario sc;
  SubSpec s = star(2, 4, 8);
  s.nodes[0].country = "/Europe/Germany";
  s.nodes[1].country = "/NA/USA";
  sc.substrate = parse(substrate_yaml(s), "star2.yaml");
  ReqSpec de = single("de", 1, 1);
  de.nodes[0].country = "/Europe/Germany";
  sc.add(de, {"s:h0"});
  ReqSpec us = single("us", 2, 4);
  us.nodes[0].country = "/NA/USA";
  sc.add(us, {"s:h1"});
  PlanOptions o;
  o.target = 0.5;
  o.measure = "hosts";
  auto plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->reached);
  EXPECT_DOUBLE_EQ(plan->achieved, 0);
  std::string all;
  for (const auto& r : plan->reasons) all += r + "\n";
  EXPECT_NE(all.find("s:h0 (h0) could not be vacated"), std::string::npos) << all;
  EXPECT_NE(all.find("white list"), std::string::npos) << all;
  EXPECT_TRUE(plan->moves.empty());
}

// A VNet must be able to move more than the node on the vacated host: a
// chain a - b - c of VNet "ch" whose link b - c would have to cross the
// vacated host h1 is re-routed; in a ring, the other way round.
TEST(Plan, FlowsThroughVacatedHostsAreRerouted) {
  Scenario sc;
  SubSpec ring;
  for (int i = 0; i < 4; ++i)
    ring.nodes.push_back({cat("h", static_cast<std::size_t>(i)), 4, 8, ""});
  for (int i = 0; i < 4; ++i) ring.links.push_back({i, (i + 1) % 4, 1000});
  sc.substrate = parse(substrate_yaml(ring), "ring4.yaml");
  ReqSpec ch;
  ch.ns = "ch";
  ch.nodes = {{1, 1, ""}, {1, 1, ""}};
  ch.links = {{0, 1, 50}};
  sc.add(ch, {"s:h0", "s:h2"});
  sc.add(single("m", 1, 1), {"s:h1"});
  sc.add(single("n", 1, 1), {"s:h3"});
  PlanOptions o;
  o.target = 0.25;
  o.measure = "hosts";
  auto plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(plan->reached) << format_plan(*plan);
  expect_valid(*plan, sc.input());
}

// --- Input errors ----------------------------------------------------------------

TEST(Plan, InputErrorsNameTheDocument) {
  Scenario sc = half_full();
  PlanOptions o;
  // Overbooked: a fifth VNet embedded on h0 as if the others were not there.
  const flerd::Document req = parse(request_yaml(single("extra", 3, 1)), "extra-request.yaml");
  auto extra = embed(sc.substrate, req, {"s:h0"}, {}, "extra.yaml");
  ASSERT_TRUE(extra.has_value());
  PlanInput in = sc.input();
  in.embeddings.push_back({"extra.yaml", &*extra});
  auto plan = plan_repacking(in, o);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().message.find("overbook s:h0cpu"), std::string::npos)
      << plan.error().message;
  EXPECT_NE(plan.error().message.find("extra.yaml: 3"), std::string::npos) << plan.error().message;

  // A request instead of an embedding.
  in = sc.input();
  in.embeddings.push_back({"extra-request.yaml", &req});
  plan = plan_repacking(in, o);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().message.find("extra-request.yaml: no mapping layer"), std::string::npos)
      << plan.error().message;

  // Another substrate.
  const flerd::Document other = parse(substrate_yaml(star(2, 4, 8)), "star2.yaml");
  in = sc.input();
  in.substrate = &other;
  plan = plan_repacking(in, o);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().message.find("another substrate"), std::string::npos)
      << plan.error().message;

  // The same document twice; a target out of range; nothing to plan.
  in = sc.input();
  in.embeddings.push_back(in.embeddings[0]);
  EXPECT_FALSE(plan_repacking(in, o).ok());
  o.target = 1.5;
  EXPECT_FALSE(plan_repacking(sc.input(), o).ok());
  o.target = 0.5;
  in = sc.input();
  in.embeddings.clear();
  EXPECT_FALSE(plan_repacking(in, o).ok());
}

// Reservations in the substrate document stay: a host with one is never
// freed. A substrate document that already records an embedding's
// allocations is refused (they would count twice).
TEST(Plan, SubstrateReservations) {
  Scenario sc;
  std::string text = substrate_yaml(star(4, 4, 8));
  // Something outside the plan holds 1 core of h0 and h1.
  text +=
      "      - {id: s:other, attribute: /host/generic/CPU/amount, value: 1, request_flag: false}\n"
      "ResourceMapping:\n"
      "  - {value: 1, hostedResource: s:other, hostingResource: s:h0cpu}\n"
      "  - {value: 1, hostedResource: s:other, hostingResource: s:h1cpu}\n";
  sc.substrate = parse(text, "reserved.yaml");
  for (int i = 0; i < 4; ++i)
    sc.add(single(cat("v", static_cast<std::size_t>(i)), 1, 1),
           {cat("s:h", static_cast<std::size_t>(i))});
  PlanOptions o;
  o.target = 0.5;
  auto plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_TRUE(plan->reached) << format_plan(*plan);
  EXPECT_EQ(plan->hosts_freed, (std::vector<std::string>{"s:h2", "s:h3"}));
  expect_valid(*plan, sc.input());
  // An embedding passed as the substrate.
  PlanInput in = sc.input();
  in.substrate = sc.docs[0].get();
  auto refused = plan_repacking(in, o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("already records the allocations of v0.yaml"),
            std::string::npos)
      << refused.error().message;
}

// A link whose recorded allocations are not one path per flow (split by a
// MIP, or edited) is noted, kept as it is while its VNet stays, and
// re-routed when its VNet moves.
TEST(Plan, SplitLinksAreReroutedWhenTheirVNetMoves) {
  Scenario sc;
  sc.substrate = parse(substrate_yaml(star(3, 8, 16)), "star3.yaml");
  ReqSpec w{"w", {{2, 2, ""}, {2, 2, ""}}, {{0, 1, 100}}};
  sc.add(w, {"s:h0", "s:h1"});
  sc.add(single("x", 2, 2), {"s:h2"});
  // Record 60 on l0 and 40 on l2 instead of 100 on l0, as if split.
  flerd::Document& d = *sc.docs[0];
  bool edited = false;
  for (auto& rm : d.resourceMappings)
    if (rm.hostingResource.id == "s:l0bw" && !edited) {
      rm.value = 60;
      flerd::ResourceMapping extra = rm;
      extra.value = 40;
      extra.hostingResource.id = "s:l2bw";
      d.resourceMappings.push_back(extra);
      edited = true;
      break;
    }
  ASSERT_TRUE(edited);
  d.resolve();
  PlanOptions o;
  o.target = 0;
  auto plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  std::string notes;
  for (const auto& n : plan->notes) notes += n + "\n";
  EXPECT_NE(notes.find("w.yaml: the recorded allocations of virtual link w:l0 are not one path"),
            std::string::npos)
      << notes;
  o.target = 1.0 / 3;
  o.measure = "hosts";
  plan = plan_repacking(sc.input(), o);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(plan->reached) << format_plan(*plan);
  expect_valid(*plan, sc.input());
}

// --- Random instances ------------------------------------------------------------

struct Random {
  std::mt19937_64 rng;
  explicit Random(std::uint64_t seed) : rng(seed) {}
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  double real(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
};

// Hosts on a ring with chords; VNets of 1-4 nodes (trees with bandwidth),
// embedded one after the other by the fast embedder until `vnets` fit.
Scenario random_scenario(std::uint64_t seed, int hosts, int vnets) {
  Random r(seed);
  Scenario sc;
  SubSpec s;
  for (int i = 0; i < hosts; ++i)
    s.nodes.push_back({cat("h", static_cast<std::size_t>(i)), static_cast<double>(r.uniform(4, 16)),
                       static_cast<double>(r.uniform(8, 32)), ""});
  for (int i = 0; i < hosts; ++i) s.links.push_back({i, (i + 1) % hosts, 1000});
  for (int k = 0; k < hosts / 3; ++k) {
    const int a = r.uniform(0, hosts - 1), b = r.uniform(0, hosts - 1);
    if (a != b && (a + 1) % hosts != b && (b + 1) % hosts != a) s.links.push_back({a, b, 1000});
  }
  sc.substrate = parse(substrate_yaml(s), "random.yaml");
  for (int v = 0, tries = 0; v < vnets && tries < 4 * vnets; ++tries) {
    ReqSpec q;
    q.ns = cat("v", static_cast<std::size_t>(v));
    const int n = r.uniform(1, 4);
    for (int i = 0; i < n; ++i)
      q.nodes.push_back(
          {static_cast<double>(r.uniform(1, 4)), static_cast<double>(r.uniform(1, 8)), ""});
    for (int i = 1; i < n; ++i)
      q.links.push_back({r.uniform(0, i - 1), i, static_cast<double>(r.uniform(10, 200))});
    if (sc.try_add(q)) ++v;
  }
  return sc;
}

TEST(Plan, RandomInstancesKeepEveryRule) {
  int reached = 0, total = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const Scenario sc =
        random_scenario(seed, 6 + static_cast<int>(seed % 5), 5 + static_cast<int>(seed % 6));
    const PlanInput in = sc.input();
    PlanOptions o;
    o.target = 0.1 * static_cast<double>(1 + seed % 5);
    o.measure = seed % 3 == 0 ? "" : seed % 3 == 1 ? "CPU" : "hosts";
    o.cost.state_cost = seed % 2 ? 0.1 : 0;
    o.cost.hop_cost = seed % 4 == 0 ? 0.2 : 0;
    o.method = seed % 3 == 0 ? PlanOptions::Method::kAuto : PlanOptions::Method::kFast;
    SCOPED_TRACE(cat("seed ", static_cast<std::size_t>(seed)));
    auto plan = plan_repacking(in, o);
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    if (std::getenv("PLAN_TEST_VERBOSE")) std::cout << format_plan(*plan) << "\n";
    ++total;
    reached += plan->reached ? 1 : 0;
    expect_valid(*plan, in);
  }
  std::cout << "random instances: " << reached << " of " << total << " targets reached\n";
  EXPECT_GT(reached, 0);
}

// --- The MIP -------------------------------------------------------------------

TEST(Plan, ExactIsNoWorseThanFast) {
  const char* more = std::getenv("PLAN_TEST_SEEDS");
  const std::uint64_t last = 100 + (more ? std::strtoull(more, nullptr, 10) : 6);
  int better = 0;
  for (std::uint64_t seed = 101; seed <= last; ++seed) {
    const Scenario sc =
        random_scenario(seed, 5 + static_cast<int>(seed % 3), 4 + static_cast<int>(seed % 3));
    const PlanInput in = sc.input();
    PlanOptions o;
    o.target = 0.2;
    o.measure = "hosts";
    o.time_limit_s = 60;
    SCOPED_TRACE(cat("seed ", static_cast<std::size_t>(seed)));
    o.method = PlanOptions::Method::kFast;
    auto fast = plan_repacking(in, o);
    ASSERT_TRUE(fast.ok()) << fast.error().message;
    EXPECT_FALSE(fast->mip_used);
    o.method = PlanOptions::Method::kExact;
    auto exact = plan_repacking(in, o);
    ASSERT_TRUE(exact.ok()) << exact.error().message;
    EXPECT_TRUE(exact->mip_used);
    expect_valid(*exact, in);
    if (std::getenv("PLAN_TEST_VERBOSE"))
      std::cout << "fast: " << format_plan(*fast) << "exact: " << format_plan(*exact) << "\n";
    if (fast->reached) {
      EXPECT_TRUE(exact->reached);
      EXPECT_LE(exact->migration_cost, fast->migration_cost + 1e-6);
    }
    if (exact->reached && (!fast->reached || exact->migration_cost < fast->migration_cost - 1e-6))
      ++better;
  }
  std::cout << "the MIP improved on the fast planner in " << better << " instances\n";
}

// --- The CLI fixtures ------------------------------------------------------------

// tests/fixtures/plan: four servers, four VNets (web and db with links,
// batch and cache single nodes), written as `cloudnet map --output` writes
// embeddings. PLAN_WRITE_FIXTURES=<dir> regenerates them; otherwise the
// committed files are planned: 50% can be freed, 70% cannot (the bound).
TEST(Plan, CliFixtures) {
  const std::string dir = std::string(CLOUDNET_SOURCE_DIR) + "/tests/fixtures/plan";
  const char* write = std::getenv("PLAN_WRITE_FIXTURES");
  const std::vector<std::string> names = {"web", "db", "batch", "cache"};
  if (write) {
    Scenario sc;
    const std::string text = substrate_yaml(star(4, 8, 16));
    sc.substrate = parse(text, "substrate.yaml");
    ReqSpec web{"web", {{2, 4, ""}, {2, 4, ""}}, {{0, 1, 100}}};
    ReqSpec db{"db", {{4, 8, ""}, {2, 4, ""}}, {{0, 1, 200}}};
    sc.add(web, {"s:h0", "s:h1"});
    sc.add(db, {"s:h1", "s:h2"});
    sc.add(single("batch", 2, 2), {"s:h3"});
    sc.add(single("cache", 1, 2), {"s:h0"});
    std::ofstream(std::string(write) + "/substrate.yaml")
        << "# Four servers (8 cores, 16 GB) around a router; the substrate of the `cloudnet "
           "plan` CLI test.\n"
        << text;
    for (std::size_t i = 0; i < names.size(); ++i)
      ASSERT_TRUE(flerd::write_file(*sc.docs[i], std::string(write) + "/" + names[i] + ".yaml",
                                    std::nullopt)
                      .ok());
    return;
  }
  auto sub = flerd::read_file(dir + "/substrate.yaml");
  ASSERT_TRUE(sub.ok());
  std::vector<flerd::Loaded> docs;
  for (const auto& n : names) {
    docs.push_back(flerd::read_file(dir + "/" + n + ".yaml"));
    ASSERT_TRUE(docs.back().ok()) << n;
  }
  PlanInput in;
  in.substrate = &sub.document;
  for (std::size_t i = 0; i < names.size(); ++i)
    in.embeddings.push_back({names[i] + ".yaml", &docs[i].document});
  PlanOptions o;
  o.target = 0.5;
  auto plan = plan_repacking(in, o);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->reached) << format_plan(*plan);
  expect_valid(*plan, in);
  o.target = 0.7;
  plan = plan_repacking(in, o);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->reached);
}

// --- Scale ---------------------------------------------------------------------

TEST(Plan, HundredHostsFiftyVNets) {
  const Scenario sc = random_scenario(7, 100, 50);
  ASSERT_EQ(sc.docs.size(), 50u);
  const PlanInput in = sc.input();
  PlanOptions o;
  o.target = 0.2;
  // For figures: PLAN_TEST_TARGET=0.4 PLAN_TEST_EXACT=1.
  if (const char* t = std::getenv("PLAN_TEST_TARGET")) o.target = std::strtod(t, nullptr);
  o.method =
      std::getenv("PLAN_TEST_EXACT") ? PlanOptions::Method::kExact : PlanOptions::Method::kAuto;
  const auto t0 = std::chrono::steady_clock::now();
  auto plan = plan_repacking(in, o);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  std::cout << "100 hosts, 50 VNets, target " << 100 * o.target << "%"
            << (plan->mip_used ? " (with the MIP)" : "") << ": "
            << (plan->reached ? "reached" : "not reached") << ", " << plan->nodes_moved
            << " nodes moved, cost " << plan->migration_cost << ", " << plan->host_sets_tried
            << " host sets, " << s << " s\n";
  if (std::getenv("PLAN_TEST_VERBOSE")) std::cout << format_plan(*plan);
  if (o.target <= 0.2) {
    EXPECT_TRUE(plan->reached) << format_plan(*plan);
  }
  expect_valid(*plan, in);
}

}  // namespace
}  // namespace cloudnet::plan
