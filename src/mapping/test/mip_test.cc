// The MIP (formulation.cc) against the exhaustive reference solver and the
// independent checker, which share no code with it; the thesis's webservice
// use case; errors and infeasibility explanations.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "flerd/io.h"
#include "mapping/builder.h"
#include "mapping/checker.h"
#include "mapping/engine.h"
#include "mapping/exhaustive.h"
#include "mapping/formulation.h"
#include "mapping/objective.h"
#include "mapping/output.h"
#include "mapping/random_instance.h"
#include "solver/io.h"

namespace cloudnet::mapping {
namespace {

bool close(double a, double b) {
  return std::abs(a - b) <= 1e-5 * std::max(1.0, std::abs(b));
}

// Hundreds of small random instances (both objectives, migration, shared
// media, value types, white/black lists via suitability, no-split,
// latency, groups): the MIP's optimum equals the exhaustive optimum, every
// MIP solution passes the checker, and evaluate() agrees with the solver's
// objective. CBC and GLPK agree.
class RandomAgainstExhaustive : public ::testing::TestWithParam<int> {};

TEST_P(RandomAgainstExhaustive, MipEqualsExhaustiveOptimum) {
  const int block = GetParam();
  int compared = 0, infeasible = 0;
  for (int i = 0; i < 50; ++i) {
    const std::uint64_t seed = static_cast<std::uint64_t>(block * 1000 + i);
    const Problem p = random_problem(seed);
    const MappingResult ref = solve_exhaustive(p);
    if (ref.status == Status::kNoSolution || ref.status == Status::kError) continue;
    for (const char* backend : {"cbc", "glpk"}) {
      SolveSettings s;
      s.solver = backend;
      s.time_limit_s = 60;
      s.relative_gap = 1e-9;
      const MappingResult mip = solve_mip(p, s);
      SCOPED_TRACE(std::string("seed ") + std::to_string(seed) + " " + backend + " objective " +
                   to_string(p.options.objective));
      if (ref.status == Status::kInfeasible) {
        EXPECT_EQ(mip.status, Status::kInfeasible);
        EXPECT_FALSE(mip.explanation.empty());
        ++infeasible;
        continue;
      }
      ASSERT_EQ(ref.status, Status::kOptimal);
      ASSERT_EQ(mip.status, Status::kOptimal)
          << (mip.explanation.empty() ? "" : mip.explanation[0]);
      const CheckReport rep = check(p, mip.solution);
      EXPECT_TRUE(rep.ok()) << rep.format();
      EXPECT_TRUE(close(evaluate(p, mip.solution), mip.objective))
          << "evaluate " << evaluate(p, mip.solution) << " vs solver " << mip.objective;
      EXPECT_TRUE(close(mip.objective, ref.objective))
          << "MIP " << mip.objective << " vs exhaustive " << ref.objective;
      ++compared;
    }
  }
  EXPECT_GT(compared, 40);
  RecordProperty("compared", compared);
  RecordProperty("infeasible", infeasible);
}

INSTANTIATE_TEST_SUITE_P(Blocks, RandomAgainstExhaustive, ::testing::Range(0, 6));

// Both objectives explicitly, so neither is left to chance; energy needs
// paths for the exhaustive solver (random_problem sets no_split for it).
int compare_fixed_objective(Objective objective, std::uint64_t first, std::uint64_t last) {
  RandomSpec spec;
  spec.objective = objective;
  int compared = 0;
  for (std::uint64_t seed = first; seed < last; ++seed) {
    const Problem p = random_problem(seed, spec);
    const MappingResult ref = solve_exhaustive(p);
    if (ref.status != Status::kOptimal) continue;
    SolveSettings s;
    s.relative_gap = 1e-9;
    const MappingResult mip = solve_mip(p, s);
    EXPECT_EQ(mip.status, Status::kOptimal) << seed;
    if (!mip.has_solution()) continue;
    EXPECT_TRUE(check(p, mip.solution).ok()) << seed;
    EXPECT_TRUE(close(mip.objective, ref.objective))
        << seed << ": " << mip.objective << " vs " << ref.objective;
    ++compared;
  }
  return compared;
}

TEST(MipVsExhaustive, LoadBalanceObjective) {
  EXPECT_GT(compare_fixed_objective(Objective::kLoadBalance, 9000, 9040), 20);
}

TEST(MipVsExhaustive, EnergyObjectiveWithPaths) {
  EXPECT_GT(compare_fixed_objective(Objective::kEnergy, 7000, 7030), 10);
}

// ------------------------------------------------------------ from FleRD

flerd::Document load(const std::string& rel) {
  auto l = flerd::read_file(std::string(CLOUDNET_SOURCE_DIR) + "/" + rel);
  EXPECT_TRUE(l.ok()) << l.diagnostics.format();
  return std::move(l.document);
}

Result<Problem> build(const flerd::Document& ul, const flerd::Document& ol, Options options = {}) {
  BuildInput in;
  in.substrate = &ul;
  in.request = &ol;
  in.options = std::move(options);
  return build_problem(in);
}

// Thesis 4.4: VHost1 only in the USA or Canada, the VHost1-VHost2 connection
// redundant over two disjoint paths and never via Afghanistan.
TEST(UseCase, WebserviceOnThesisLikeUnderlay) {
  const flerd::Document ul = load("tests/fixtures/usecase/webservice-ul1.yaml");
  const flerd::Document ol = load("tests/fixtures/usecase/webservice-ol1.yaml");
  auto p = build(ul, ol);
  ASSERT_TRUE(p.ok()) << p.error().message;
  for (const char* backend : {"cbc", "glpk"}) {
    SolveSettings s;
    s.solver = backend;
    const MappingResult r = solve_mip(*p, s);
    ASSERT_EQ(r.status, Status::kOptimal) << backend;
    const CheckReport rep = check(*p, r.solution);
    EXPECT_TRUE(rep.ok()) << rep.format();
    auto host = [&](const char* id) {
      return p
          ->substrate[static_cast<std::size_t>(
              r.solution.node_host[static_cast<std::size_t>(p->node_index(id))])]
          .identifier;
    };
    EXPECT_EQ(host("w:vhost1"), "SHost1");  // USA preferred; SHost3 has no second way out
    EXPECT_EQ(host("w:vhost2"), "SHost2");
    EXPECT_EQ(host("w:split1"), host("w:vhost1"));
    EXPECT_EQ(host("w:split2"), host("w:vhost2"));
    // Paths: disjoint apart from the hosts, none through Kabul.
    std::map<std::string, std::set<std::string>> used;  // path link id -> elements
    for (std::size_t fi = 0; fi < p->flows.size(); ++fi) {
      const std::string l = p->links[static_cast<std::size_t>(p->flows[fi].link)].id;
      for (const auto& [a, y] : r.solution.flow_arcs[fi]) {
        for (int w :
             {p->arcs[static_cast<std::size_t>(a)].from, p->arcs[static_cast<std::size_t>(a)].to}) {
          const std::string id = p->substrate[static_cast<std::size_t>(w)].identifier;
          EXPECT_NE(id, "KabulRelay");
          EXPECT_NE(id, "L6 SH1-Kabul");
          if (id != "SHost1" && id != "SHost2") used[l].insert(id);
        }
      }
    }
    EXPECT_FALSE(used["w:path1"].empty());
    EXPECT_FALSE(used["w:path2"].empty());
    for (const auto& e : used["w:path1"])
      EXPECT_EQ(used["w:path2"].count(e), 0u) << e << " on both paths";
  }
}

TEST(UseCase, WithoutTheBlackListKabulIsCheaper) {
  // The black list matters: dropping it lets the cheaper route win.
  const flerd::Document ul = load("tests/fixtures/usecase/webservice-ul1.yaml");
  flerd::Document ol = load("tests/fixtures/usecase/webservice-ol1.yaml");
  for (auto& ne : ol.topologies[0].networkElements)
    ne.features.erase(
        std::remove_if(ne.features.begin(), ne.features.end(),
                       [](const flerd::Feature& f) { return f.attribute.rfind("/not", 0) == 0; }),
        ne.features.end());
  ol.resolve();
  auto p = build(ul, ol);
  ASSERT_TRUE(p.ok());
  const MappingResult r = solve_mip(*p, {});
  ASSERT_EQ(r.status, Status::kOptimal);
  bool via_kabul = false;
  for (const auto& fl : r.solution.flow_arcs)
    for (const auto& [a, y] : fl)
      via_kabul = via_kabul ||
                  p->substrate[static_cast<std::size_t>(p->arcs[static_cast<std::size_t>(a)].to)]
                          .identifier == "KabulRelay";
  EXPECT_TRUE(via_kabul);
}

TEST(Output, MappingDocumentIsValidFleRD) {
  const flerd::Document ul = load("examples/substrate-pip1.yaml");
  const flerd::Document ol = load("examples/request-webservice.yaml");
  auto p = build(ul, ol);
  ASSERT_TRUE(p.ok()) << p.error().message;
  const MappingResult r = solve_mip(*p, {});
  ASSERT_TRUE(r.has_solution());
  const flerd::Document out = mapping_document(ol, ul, *p, r);
  for (auto f : {flerd::Format::kXml, flerd::Format::kYaml, flerd::Format::kJson}) {
    const auto back = flerd::read_string(flerd::write_string(out, f), f, "mapped");
    EXPECT_TRUE(back.ok()) << back.diagnostics.format();
    EXPECT_TRUE(back.document == out);
  }
  // OL -> ML0 -> UL hosting chain and ResourceMappings that resolve.
  const auto* vhost1 = out.element("c:vhost1");
  ASSERT_NE(vhost1, nullptr);
  ASSERT_FALSE(vhost1->hostingNetworkElement.empty());
  const auto* ml = vhost1->hostingNetworkElement.back().target;
  ASSERT_NE(ml, nullptr);
  EXPECT_EQ(ml->graphLabel->target->short_name(), "ML0");
  EXPECT_EQ(ml->hostingNetworkElement[0].target->identifier, "SHost1");
  EXPECT_FALSE(out.resourceMappings.empty());
  double cpu_on_host1 = 0;
  for (const auto& rm : out.resourceMappings)
    if (rm.hostingResource.id == "s:h1cpu") cpu_on_host1 += *rm.value;
  EXPECT_DOUBLE_EQ(cpu_on_host1, 2);  // VHost1 asks for 2 cores
}

TEST(Errors, MissingSubstrateResourceType) {
  const flerd::Document ul = load("examples/substrate-pip1.yaml");
  flerd::Document ol = load("examples/request-webservice.yaml");
  ol.topologies[0].resources[0].attribute = "/host/generic/FPGA/amount";
  ol.resolve();
  auto p = build(ul, ol);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("requests /host/generic/FPGA/amount"), std::string::npos);
  EXPECT_NE(p.error().message.find("the substrate offers: /host/generic/CPU/amount"),
            std::string::npos)
      << p.error().message;
}

TEST(Errors, NegativeDemand) {
  const flerd::Document ul = load("examples/substrate-pip1.yaml");
  flerd::Document ol = load("examples/request-webservice.yaml");
  ol.topologies[0].resources[0].value = -2;
  ol.resolve();
  auto p = build(ul, ol);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("negative demand"), std::string::npos) << p.error().message;
}

TEST(Errors, SubstrateWithoutInterfaces) {
  flerd::Document ul = load("examples/substrate-pip1.yaml");
  for (auto& ne : ul.topologies[0].networkElements) ne.networkInterfaces.clear();
  ul.resolve();
  const flerd::Document ol = load("examples/request-webservice.yaml");
  auto p = build(ul, ol);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("no NetworkInterfaces"), std::string::npos) << p.error().message;
}

TEST(Explain, WhiteListNobodyOffers) {
  const flerd::Document ul = load("examples/substrate-pip1.yaml");
  flerd::Document ol = load("examples/request-webservice.yaml");
  for (auto& f : ol.topologies[0].networkElements[0].features) f.value = "/Oceania/Australia";
  ol.resolve();
  auto p = build(ul, ol);
  ASSERT_TRUE(p.ok());
  const MappingResult r = solve_mip(*p, {});
  ASSERT_EQ(r.status, Status::kInfeasible);
  ASSERT_FALSE(r.explanation.empty());
  EXPECT_NE(r.explanation[0].find("no suitable substrate node for VHost1"), std::string::npos);
  EXPECT_NE(r.explanation[0].find("white list allows /Oceania/Australia"), std::string::npos)
      << r.explanation[0];
}

// An element may state several values for one attribute: a VNP's
// /node/host/pip aggregate lists every country its PIP has hosts in
// (CloudNet paper 5.2). A white list is met if any value matches; a black
// list excludes it only if every value is black-listed.
TEST(Features, SeveralValuesOfOneAttribute) {
  flerd::Document ul = load("examples/substrate-pip1.yaml");
  const flerd::Document ol = load("examples/request-webservice.yaml");
  for (auto& ne : ul.topologies[0].networkElements) {
    if (ne.id == "s:host1") {  // Germany first, then USA
      flerd::Feature de = ne.features.at(0);
      de.value = "/Europe/Germany";
      ne.features.insert(ne.features.begin(), de);
    }
    if (ne.id == "s:link3") {  // Afghanistan and Germany: avoidable
      flerd::Feature de = ne.features.at(0);
      de.value = "/Europe/Germany";
      ne.features.push_back(de);
    }
  }
  ul.resolve();
  auto p = build(ul, ol);
  ASSERT_TRUE(p.ok()) << p.error().message;
  const auto u = static_cast<std::size_t>(p->node_index("c:vhost1"));
  EXPECT_TRUE(p->node_suitable[u][static_cast<std::size_t>(p->substrate_index("s:host1"))]);
  EXPECT_TRUE(p->node_suitable[u][static_cast<std::size_t>(p->substrate_index("s:host2"))]);
  EXPECT_FALSE(p->node_suitable[u][static_cast<std::size_t>(p->substrate_index("s:host3"))]);
  ASSERT_EQ(p->links.size(), 1u);
  EXPECT_TRUE(p->link_allowed[0][static_cast<std::size_t>(p->substrate_index("s:link3"))]);
  EXPECT_TRUE(p->link_allowed[0][static_cast<std::size_t>(p->substrate_index("s:link1"))]);
}

TEST(Explain, BandwidthAboveEveryPath) {
  const flerd::Document ul = load("examples/substrate-pip1.yaml");
  flerd::Document ol = load("examples/request-webservice.yaml");
  for (auto& res : ol.topologies[0].resources)
    if (res.attribute == "/link/symmetric/bandwidth") res.value = 4000;
  ol.resolve();
  Options opts;
  opts.no_split = true;
  auto p = build(ul, ol, opts);
  ASSERT_TRUE(p.ok());
  const MappingResult r = solve_mip(*p, {});
  ASSERT_EQ(r.status, Status::kInfeasible);
  std::string all;
  for (const auto& e : r.explanation) all += e + "\n";
  EXPECT_NE(all.find("bandwidth demand 4000"), std::string::npos) << all;
}

TEST(Export, ModelWritesAsMpsAndLp) {
  const flerd::Document ul = load("examples/substrate-pip1.yaml");
  const flerd::Document ol = load("examples/request-webservice.yaml");
  auto p = build(ul, ol);
  ASSERT_TRUE(p.ok());
  Formulation f(*p);
  EXPECT_GT(f.model().num_vars(), 0);
  EXPECT_GT(f.node_binaries(), 0);
  // encode/decode are inverse on a solution.
  const MappingResult r = solve_mip(*p, {});
  ASSERT_TRUE(r.has_solution());
  const Solution again = f.decode(f.encode(r.solution));
  EXPECT_EQ(again.node_host, r.solution.node_host);
  EXPECT_TRUE(check(*p, again).ok());
}

}  // namespace
}  // namespace cloudnet::mapping

namespace cloudnet::mapping {
namespace {

// A solution computed elsewhere comes back through a solution file: write
// "name value" lines for the model's variables, read them, decode.
TEST(Export, SolutionFileRoundTrip) {
  const flerd::Document ul = load("examples/substrate-pip1.yaml");
  const flerd::Document ol = load("examples/request-webservice.yaml");
  auto p = build(ul, ol);
  ASSERT_TRUE(p.ok());
  const MappingResult r = solve_mip(*p, {});
  ASSERT_TRUE(r.has_solution());
  Formulation f(*p);
  const std::vector<double> values = f.encode(r.solution);
  std::string text;
  for (int j = 0; j < f.model().num_vars(); ++j)
    if (values[static_cast<std::size_t>(j)] != 0)
      text += f.model().var_name(solver::Var{j}) + " " +
              std::to_string(values[static_cast<std::size_t>(j)]) + "\n";
  auto file = solver::parse_solution(text, "outside.sol");
  ASSERT_TRUE(file.ok()) << file.error().message;
  auto sol = solver::solution_for_model(f.model(), *file);
  ASSERT_TRUE(sol.ok()) << sol.error().message;
  ASSERT_TRUE(sol->has_values()) << sol->message;
  const Solution back = f.decode(sol->values);
  EXPECT_EQ(back.node_host, r.solution.node_host);
  EXPECT_TRUE(check(*p, back).ok());
  EXPECT_NEAR(sol->objective, r.objective, 1e-6);
}

// Solver outcomes are results: a time limit too short to find anything.
TEST(Outcomes, TimeLimitWithoutSolutionIsAResult) {
  RandomSpec spec;
  spec.min_substrate_nodes = spec.max_substrate_nodes = 6;
  spec.min_virtual_nodes = spec.max_virtual_nodes = 4;
  spec.max_virtual_links = 4;
  const Problem p = random_problem(4242, spec);
  SolveSettings s;
  s.time_limit_s = 1e-6;
  const MappingResult r = solve_mip(p, s);
  EXPECT_TRUE(r.status == Status::kNoSolution || r.status == Status::kFeasible ||
              r.status == Status::kOptimal || r.status == Status::kInfeasible)
      << to_string(r.status);
  if (r.status == Status::kNoSolution) {
    EXPECT_FALSE(r.explanation.empty());
  }
  if (r.has_solution()) {
    EXPECT_TRUE(check(p, r.solution).ok());
  }
}

TEST(Output, ReportNamesPlacementFlowsAndLoads) {
  const flerd::Document ul = load("examples/substrate-pip1.yaml");
  const flerd::Document ol = load("examples/request-webservice.yaml");
  auto p = build(ul, ol);
  ASSERT_TRUE(p.ok());
  const MappingResult r = solve_mip(*p, {});
  ReportExtras extras;
  extras.quality_q = quality_q(*p, r.solution);
  const std::string json = report_json(*p, r, extras);
  for (const char* key : {"\"status\": \"optimal\"", "\"placement\"", "\"c:vhost1\": \"s:host1\"",
                          "\"arcs\"", "\"load\"", "\"quality_q\"", "\"bound\""})
    EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;
}

}  // namespace
}  // namespace cloudnet::mapping
