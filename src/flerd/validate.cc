#include "flerd/validate.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

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
      // category() views into the TypePath, which must outlive it.
      const TypePath type = TypePath::parse_lenient(ne.ne_type);
      const std::string_view cat = type.category();
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
      if (h.target == &ni) {
        error(h.pos, ni.id, "hostingNetworkInterface", "interface lists itself as its host");
        continue;
      }
      if (h.target && !names(h.target->hostedNetworkInterface, &ni) &&
          !h.target->hostedNetworkInterface.empty())
        warning(h.pos, ni.id, "hostingNetworkInterface",
                "'" + h.id + "' hosts other interfaces but does not list '" + ni.id +
                    "' as hostedNetworkInterface");
    }
    for (const auto& h : ni.hostedNetworkInterface) {
      if (h.target == &ni)
        error(h.pos, ni.id, "hostedNetworkInterface", "interface lists itself as hosted by itself");
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
      if (!back.empty() && !names(back, &ne))
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
      if (!back.empty() && !names(back, &ne))
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

  // Hosting must be a hierarchy: nothing can (indirectly) host itself. Both
  // directions count: A hosting B is written as B.hosting... = A or as
  // A.hosted... = B. Elements and interfaces are two separate hierarchies.
  template <class T>
  struct Hierarchy {
    std::vector<const T*> all;
    std::unordered_map<const T*, std::vector<const T*>> up;  // hosted -> hosts

    void add(const T* x, const std::vector<Ref<T>>& hosting, const std::vector<Ref<T>>& hosted) {
      all.push_back(x);
      for (const auto& h : hosting)
        if (h.target && h.target != x) up[x].push_back(h.target);
      for (const auto& h : hosted)
        if (h.target && h.target != x) up[h.target].push_back(x);
    }
  };

  void hosting_cycles() {
    Hierarchy<NetworkElement> elements;
    Hierarchy<NetworkInterface> interfaces;
    for (const auto& t : doc_.topologies) {
      for (const auto& ne : t.networkElements) {
        elements.add(&ne, ne.hostingNetworkElement, ne.hostedNetworkElement);
        for (const auto& ni : ne.networkInterfaces)
          interfaces.add(&ni, ni.hostingNetworkInterface, ni.hostedNetworkInterface);
      }
    }
    cycles(elements, "hostingNetworkElement", "an element cannot host itself");
    cycles(interfaces, "hostingNetworkInterface", "an interface cannot host itself");
  }

  template <class T>
  void cycles(Hierarchy<T>& h, const char* field, const char* why) {
    enum class Mark { kNew, kActive, kDone };
    std::unordered_map<const T*, Mark> mark;
    std::unordered_map<const T*, std::size_t> depth;  // position on the stack while active
    std::set<const T*> reported;
    // Iterative DFS: hostile documents may have long hosting chains.
    for (const T* start : h.all) {
      if (mark[start] != Mark::kNew) continue;
      std::vector<std::pair<const T*, std::size_t>> stack{{start, 0}};
      mark[start] = Mark::kActive;
      depth[start] = 0;
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        auto& succ = h.up[node];
        if (next < succ.size()) {
          const T* s = succ[next++];
          if (mark[s] == Mark::kActive) {
            if (reported.insert(s).second) {
              // The cycle is the stack from s on; long ones are shortened so
              // a hostile document cannot make the message quadratic.
              const std::size_t from = depth[s];
              const std::size_t len = stack.size() - from;
              std::string cycle;
              for (std::size_t k = from; k < stack.size(); ++k) {
                if (len > 8 && k == from + 4) {
                  cycle += "... (" + std::to_string(len - 6) + " more) -> ";
                  k = stack.size() - 3;
                  continue;
                }
                cycle += stack[k].first->id + " -> ";
              }
              cycle += s->id;
              error(s->pos, s->id, field,
                    "hosting relation has a cycle: " + cycle + " (" + why + ")");
            }
          } else if (mark[s] == Mark::kNew) {
            mark[s] = Mark::kActive;
            depth[s] = stack.size();
            stack.emplace_back(s, 0);
          }
        } else {
          mark[node] = Mark::kDone;
          stack.pop_back();
        }
      }
    }
  }

  // Whether a reference list names `x`. Long lists are looked up in a set
  // built once: a host listing 40,000 guests that each list it back would
  // otherwise cost 40,000 scans of 40,000 entries.
  template <class T>
  bool names(const std::vector<Ref<T>>& list, const T* x) {
    if (list.size() < 16)
      return std::any_of(list.begin(), list.end(), [&](const auto& r) { return r.target == x; });
    auto& set = index_[&list];
    if (set.empty())
      for (const auto& r : list) set.insert(r.target);
    return set.contains(x);
  }

  const Document& doc_;
  Diagnostics diags_;
  std::unordered_map<const void*, std::unordered_set<const void*>> index_;
};

}  // namespace

Diagnostics validate(const Document& doc) {
  return Validator(doc).run();
}

}  // namespace cloudnet::flerd
