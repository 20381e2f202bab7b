#include "flerd/validate.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "flerd/type_path.h"

namespace cloudnet::flerd {

namespace {

class Validator {
 public:
  explicit Validator(const Document& doc) : doc_(doc) {}

  Diagnostics run() {
    for (const auto& ci : doc_.consoleInterfaces) {
      if (ci.port < 0 || ci.port > 65535)
        error(ci.pos, ci.id, "port", "port " + std::to_string(ci.port) + " is outside 0..65535");
    }
    for (const auto& topo : doc_.topologies) topology(topo);
    for (const auto& rm : doc_.resourceMappings) mapping(rm);
    hosting_cycles();
    return std::move(diags_);
  }

 private:
  SourceLocation loc(Pos p) const { return {doc_.source_name, p.line, p.column, {}}; }
  void error(Pos p, const std::string& id, const std::string& field, std::string msg) {
    diags_.error(loc(p), id, field, std::move(msg));
  }
  void warning(Pos p, const std::string& id, const std::string& field, std::string msg) {
    diags_.warning(loc(p), id, field, std::move(msg));
  }

  void path(Pos p, const std::string& id, const char* field, const std::string& value) {
    std::string why;
    if (!TypePath::parse(value, &why))
      error(p, id, field, "'" + value + "' is not a type path: " + why);
  }

  void features(const std::string& id, const std::vector<Feature>& fs) {
    for (const auto& f : fs) path(f.pos, id, "Feature.attribute", f.attribute);
  }

  void topology(const Topology& topo) {
    const GraphLabel* own = topo.graphLabel ? &*topo.graphLabel : nullptr;
    for (const auto& ne : topo.networkElements) {
      path(ne.pos, ne.id, "ne_type", ne.ne_type);
      const auto cat = TypePath::parse_lenient(ne.ne_type).category();
      if (!cat.empty() && cat != "node" && cat != "link")
        warning(ne.pos, ne.id, "ne_type",
                "ne_type '" + ne.ne_type + "' is neither under /node nor under /link");
      if (ne.graphLabel && ne.graphLabel->target && ne.graphLabel->target != own)
        warning(ne.graphLabel->pos, ne.id, "graphLabel",
                "graphLabel '" + ne.graphLabel->id +
                    "' labels another Topology than the one this element is in");
      if (ne.networkInterfaces.empty())
        warning(ne.pos, ne.id, "networkInterfaces",
                "NetworkElement has no NetworkInterface; the schema asks for at least one");
      features(ne.id, ne.features);
      mirrored(ne);
      for (const auto& ni : ne.networkInterfaces) interface(ni);
    }
    for (const auto& r : topo.resources) resource(r);
    for (const auto& cg : topo.constraintGroups) {
      std::set<std::string> seen;
      for (const auto& r : cg.networkElement) {
        if (!seen.insert(r.id).second)
          warning(r.pos, r.id, "networkElement", "ConstraintGroup names '" + r.id + "' twice");
      }
      for (const auto& c : cg.constraints) path(c.pos, "ConstraintGroup", "attribute", c.attribute);
    }
  }

  void interface(const NetworkInterface& ni) {
    path(ni.pos, ni.id, "ni_type", ni.ni_type);
    features(ni.id, ni.features);
    if (ni.connectedInterface && ni.connectedInterface->target) {
      const NetworkInterface* peer = ni.connectedInterface->target;
      if (peer == &ni) {
        error(ni.connectedInterface->pos, ni.id, "connectedInterface",
              "interface is connected to itself");
      } else if (!peer->connectedInterface || peer->connectedInterface->target != &ni) {
        warning(ni.connectedInterface->pos, ni.id, "connectedInterface",
                "'" + peer->id + "' does not name '" + ni.id +
                    "' as its connectedInterface (connections are symmetric)");
      }
    }
    for (const auto& h : ni.hostingNetworkInterface) {
      if (h.target &&
          std::none_of(h.target->hostedNetworkInterface.begin(),
                       h.target->hostedNetworkInterface.end(),
                       [&](const auto& r) { return r.target == &ni; }) &&
          !h.target->hostedNetworkInterface.empty())
        warning(h.pos, ni.id, "hostingNetworkInterface",
                "'" + h.id + "' hosts other interfaces but does not list '" + ni.id +
                    "' as hostedNetworkInterface");
    }
  }

  // hosted/hosting lists should mirror each other; many documents list only
  // one side (the thesis's example lists hosting in OL and hosted in ML), so
  // only contradictions where the other side lists some but not this one are
  // reported.
  void mirrored(const NetworkElement& ne) {
    for (const auto& h : ne.hostingNetworkElement) {
      if (!h.target) continue;
      if (h.target == &ne) {
        error(h.pos, ne.id, "hostingNetworkElement", "element lists itself as its host");
        continue;
      }
      const auto& back = h.target->hostedNetworkElement;
      if (!back.empty() &&
          std::none_of(back.begin(), back.end(), [&](const auto& r) { return r.target == &ne; }))
        warning(h.pos, ne.id, "hostingNetworkElement",
                "'" + h.id + "' lists hosted elements but not '" + ne.id + "'");
    }
    for (const auto& h : ne.hostedNetworkElement) {
      if (!h.target) continue;
      if (h.target == &ne) {
        error(h.pos, ne.id, "hostedNetworkElement", "element lists itself as hosted by itself");
        continue;
      }
      const auto& back = h.target->hostingNetworkElement;
      if (!back.empty() &&
          std::none_of(back.begin(), back.end(), [&](const auto& r) { return r.target == &ne; }))
        warning(h.pos, ne.id, "hostedNetworkElement",
                "'" + h.id + "' lists hosting elements but not '" + ne.id + "'");
    }
  }

  void resource(const Resource& r) {
    path(r.pos, r.id, "attribute", r.attribute);
    if (r.value < 0)
      error(r.pos, r.id, "value",
            "negative amount " + std::to_string(r.value) + "; resource amounts are >= 0");
    if (r.confidence && (*r.confidence < 0 || *r.confidence > 1))
      error(r.pos, r.id, "confidence", "confidence must lie in [0, 1]");
    if (r.confidence_interval && *r.confidence_interval < 0)
      error(r.pos, r.id, "confidence_interval", "confidence_interval must not be negative");
    static const std::set<std::string> kValueTypes = {"minimum", "maximum", "constant", "exact",
                                                      "average"};
    if (r.value_type && !kValueTypes.contains(*r.value_type))
      warning(r.pos, r.id, "value_type",
              "unknown value_type '" + *r.value_type +
                  "'; known: minimum, maximum, constant, exact, average");
    static const std::set<std::string> kCompose = {"sum", "minimum", "maximum", "product",
                                                   "average"};
    if (r.composing_operation && !kCompose.contains(*r.composing_operation))
      warning(r.pos, r.id, "composing_operation",
              "unknown composing_operation '" + *r.composing_operation +
                  "'; known: sum, minimum, maximum, product, average");
  }

  void mapping(const ResourceMapping& rm) {
    if (rm.value && *rm.value < 0)
      error(rm.pos, "ResourceMapping", "value", "negative mapped amount");
    if (rm.hostedResource.target && rm.hostedResource.target == rm.hostingResource.target)
      error(rm.pos, "ResourceMapping", "hostingResource",
            "Resource '" + rm.hostedResource.id + "' is mapped onto itself");
  }

  // Hosting must be a hierarchy: an element cannot (indirectly) host itself.
  // Both directions count: A hosting B is written as B.hostingNetworkElement
  // = A or as A.hostedNetworkElement = B.
  void hosting_cycles() {
    std::unordered_map<const NetworkElement*, std::vector<const NetworkElement*>> up;
    std::vector<const NetworkElement*> all;
    for (const auto& t : doc_.topologies) {
      for (const auto& ne : t.networkElements) {
        all.push_back(&ne);
        for (const auto& h : ne.hostingNetworkElement)
          if (h.target && h.target != &ne) up[&ne].push_back(h.target);
        for (const auto& h : ne.hostedNetworkElement)
          if (h.target && h.target != &ne) up[h.target].push_back(&ne);
      }
    }
    enum class Mark { kNew, kActive, kDone };
    std::unordered_map<const NetworkElement*, Mark> mark;
    std::set<const NetworkElement*> reported;
    // Iterative DFS: hostile documents may have long hosting chains.
    for (const auto* start : all) {
      if (mark[start] != Mark::kNew) continue;
      std::vector<std::pair<const NetworkElement*, std::size_t>> stack{{start, 0}};
      mark[start] = Mark::kActive;
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        auto& succ = up[node];
        if (next < succ.size()) {
          const NetworkElement* s = succ[next++];
          if (mark[s] == Mark::kActive) {
            if (reported.insert(s).second) {
              std::string cycle;
              bool in = false;
              for (const auto& [n, _] : stack) {
                if (n == s) in = true;
                if (in) cycle += n->id + " -> ";
              }
              cycle += s->id;
              error(s->pos, s->id, "hostingNetworkElement",
                    "hosting relation has a cycle: " + cycle + " (an element cannot host itself)");
            }
          } else if (mark[s] == Mark::kNew) {
            mark[s] = Mark::kActive;
            stack.emplace_back(s, 0);
          }
        } else {
          mark[node] = Mark::kDone;
          stack.pop_back();
        }
      }
    }
  }

  const Document& doc_;
  Diagnostics diags_;
};

}  // namespace

Diagnostics validate(const Document& doc) {
  return Validator(doc).run();
}

}  // namespace cloudnet::flerd
