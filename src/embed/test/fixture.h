// Shared test helpers: a real mapping document (examples/substrate-pip1.yaml
// + examples/request-webservice.yaml through the mapping library), a registry
// with a simulation plugin, and a console round trip.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "console/client.h"
#include "embed/embedder.h"
#include "embed/registry.h"
#include "embed/sim_plugin.h"
#include "flerd/io.h"
#include "mapping/builder.h"
#include "mapping/fast.h"
#include "mapping/output.h"

namespace cloudnet::embed::testing {

// The webservice request mapped onto PIP1's substrate with the fast embedder
// (the same document `cloudnet map` writes). Mapped once per test binary.
inline const flerd::Document& webservice_mapping() {
  static const flerd::Document doc = [] {
    auto sub = flerd::read_file(CLOUDNET_SOURCE_DIR "/examples/substrate-pip1.yaml");
    auto req = flerd::read_file(CLOUDNET_SOURCE_DIR "/examples/request-webservice.yaml");
    EXPECT_TRUE(sub.ok() && req.ok());
    mapping::BuildInput in;
    in.substrate = &sub.document;
    in.request = &req.document;
    auto problem = mapping::build_problem(in);
    EXPECT_TRUE(problem.ok()) << (problem.ok() ? "" : problem.error().message);
    if (!problem.ok()) return flerd::Document{};
    auto result = mapping::solve_fast(*problem);
    EXPECT_TRUE(result.has_solution());
    return mapping::mapping_document(req.document, sub.document, *problem, result);
  }();
  return doc;
}

// The ML0 topology of a mapping document.
inline const flerd::Topology& ml0(const flerd::Document& doc) {
  for (const auto& t : doc.topologies)
    if (t.graphLabel && t.graphLabel->graph_type == flerd::GraphType::ML) return t;
  ADD_FAILURE() << "no ML graph";
  static const flerd::Topology none;
  return none;
}

struct SimSetup {
  std::shared_ptr<SimPlugin> sim;
  std::shared_ptr<PluginRegistry> registry;
  std::unique_ptr<Embedder> embedder;
};

inline SimSetup sim_setup(std::size_t parallelism = 1, SimOptions options = {}) {
  SimSetup s;
  s.sim = std::make_shared<SimPlugin>(std::move(options));
  s.registry = std::make_shared<PluginRegistry>();
  EXPECT_TRUE(s.registry->add(s.sim).ok());
  EmbedderOptions eo;
  eo.parallelism = parallelism;
  s.embedder = std::make_unique<Embedder>(s.registry, eo);
  return s;
}

// Records of one operation, in journal order.
inline std::vector<SimRecord> records(const SimPlugin& sim, SimOp op) {
  std::vector<SimRecord> out;
  for (const auto& r : sim.journal())
    if (r.op == op) out.push_back(r);
  return out;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Sends one line through a console connector and returns the echoed line.
inline std::string console_roundtrip(const console::Connector& connect, const std::string& line) {
  auto ch = connect();
  if (!ch) return "<connect failed: " + ch.error().message + ">";
  console::Stream s(std::move(ch->read));
  if (!s.write(line + "\n", console::Millis(5000))) return "<write failed>";
  std::string out;
  char c = 0;
  for (;;) {
    auto r = s.read(&c, 1, console::Millis(5000));
    if (!r || *r == 0) return out + "<incomplete>";
    if (c == '\n') return out;
    out.push_back(c);
  }
}

}  // namespace cloudnet::embed::testing
