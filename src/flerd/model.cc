#include "flerd/model.h"

#include <string>

#include "flerd/type_path.h"

namespace cloudnet::flerd {

const char* to_string(GraphType t) {
  switch (t) {
    case GraphType::OL: return "OL";
    case GraphType::ML: return "ML";
    case GraphType::UL: return "UL";
  }
  return "?";
}

std::optional<GraphType> graph_type_from_string(std::string_view s) {
  if (s == "OL") return GraphType::OL;
  if (s == "ML") return GraphType::ML;
  if (s == "UL") return GraphType::UL;
  return std::nullopt;
}

std::string GraphLabel::short_name() const {
  return std::string(to_string(graph_type)) + std::to_string(graph_nr);
}

bool NetworkElement::is_link() const {
  return TypePath::parse_lenient(ne_type).category() == "link";
}
bool NetworkElement::is_node() const {
  return TypePath::parse_lenient(ne_type).category() == "node";
}

Document::Document(const Document& other)
    : namespaces(other.namespaces),
      root_attributes(other.root_attributes),
      consoleInterfaces(other.consoleInterfaces),
      topologies(other.topologies),
      resourceMappings(other.resourceMappings),
      source_name(other.source_name) {
  resolve();
}

Document& Document::operator=(const Document& other) {
  if (this != &other) {
    Document copy(other);
    *this = std::move(copy);
  }
  return *this;
}

bool operator==(const Document& a, const Document& b) {
  return a.namespaces == b.namespaces && a.root_attributes == b.root_attributes &&
         a.consoleInterfaces == b.consoleInterfaces && a.topologies == b.topologies &&
         a.resourceMappings == b.resourceMappings;
}

namespace {

enum class Kind { kConsole, kLabel, kElement, kInterface, kResource };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kConsole: return "ConsoleInterface";
    case Kind::kLabel: return "GraphLabel";
    case Kind::kElement: return "NetworkElement";
    case Kind::kInterface: return "NetworkInterface";
    case Kind::kResource: return "Resource";
  }
  return "?";
}

struct Seen {
  Kind kind;
  Pos pos;
};

}  // namespace

Diagnostics Document::resolve() {
  Diagnostics diags;
  elements_.clear();
  interfaces_.clear();
  resources_.clear();
  labels_.clear();
  consoles_.clear();
  owners_.clear();

  std::map<std::string, Seen, std::less<>> all;  // every id, for duplicates and kind errors
  auto loc = [&](Pos p, std::string path = {}) {
    return SourceLocation{source_name, p.line, p.column, std::move(path)};
  };
  auto declare = [&](const std::string& id, Kind kind, Pos pos, const std::string& path) {
    if (id.empty()) return false;  // the decoder already reported the missing id
    auto [it, inserted] = all.emplace(id, Seen{kind, pos});
    if (!inserted) {
      diags.error(loc(pos, path), id, "id",
                  "duplicate id '" + id + "' (a " + kind_name(it->second.kind) +
                      " with this id is declared at line " + std::to_string(it->second.pos.line) +
                      "); ids are unique within a document");
    }
    return inserted;
  };

  for (std::size_t c = 0; c < consoleInterfaces.size(); ++c) {
    const auto& ci = consoleInterfaces[c];
    if (declare(ci.id, Kind::kConsole, ci.pos, "ConsoleInterface[" + std::to_string(c) + "]"))
      consoles_.emplace(ci.id, &ci);
  }
  for (std::size_t t = 0; t < topologies.size(); ++t) {
    const auto& topo = topologies[t];
    const std::string tpath = "Topology[" + std::to_string(t) + "]";
    if (topo.graphLabel) {
      if (declare(topo.graphLabel->id, Kind::kLabel, topo.graphLabel->pos, tpath + "/GraphLabel"))
        labels_.emplace(topo.graphLabel->id, &*topo.graphLabel);
    }
    for (std::size_t e = 0; e < topo.networkElements.size(); ++e) {
      const auto& ne = topo.networkElements[e];
      const std::string epath = tpath + "/NetworkElement[" + std::to_string(e) + "]";
      if (declare(ne.id, Kind::kElement, ne.pos, epath)) elements_.emplace(ne.id, &ne);
      for (std::size_t i = 0; i < ne.networkInterfaces.size(); ++i) {
        const auto& ni = ne.networkInterfaces[i];
        const std::string ipath = epath + "/NetworkInterface[" + std::to_string(i) + "]";
        owners_.emplace(&ni, &ne);
        if (declare(ni.id, Kind::kInterface, ni.pos, ipath)) interfaces_.emplace(ni.id, &ni);
        for (const auto& extra : ni.extra_ids) {
          if (declare(extra, Kind::kInterface, ni.pos, ipath)) interfaces_.emplace(extra, &ni);
        }
      }
    }
    for (std::size_t r = 0; r < topo.resources.size(); ++r) {
      const auto& res = topo.resources[r];
      if (declare(res.id, Kind::kResource, res.pos, tpath + "/Resource[" + std::to_string(r) + "]"))
        resources_.emplace(res.id, &res);
    }
  }

  // Points one reference at its target or reports why it cannot.
  auto bind = [&]<class T>(Ref<T>& ref, Kind want, const auto& table, const std::string& owner,
                           const char* field) {
    ref.target = nullptr;
    auto it = table.find(ref.id);
    if (it != table.end()) {
      ref.target = it->second;
      return;
    }
    auto seen = all.find(ref.id);
    if (seen != all.end()) {
      diags.error(loc(ref.pos), owner, field,
                  "'" + ref.id + "' is a " + kind_name(seen->second.kind) + " (line " +
                      std::to_string(seen->second.pos.line) + "), expected a " + kind_name(want));
    } else {
      diags.error(loc(ref.pos), owner, field,
                  "dangling reference '" + ref.id + "': no " + kind_name(want) +
                      " with this id in the document");
    }
  };

  for (auto& topo : topologies) {
    for (auto& ne : topo.networkElements) {
      if (ne.graphLabel) bind(*ne.graphLabel, Kind::kLabel, labels_, ne.id, "graphLabel");
      for (auto& r : ne.hostedNetworkElement)
        bind(r, Kind::kElement, elements_, ne.id, "hostedNetworkElement");
      for (auto& r : ne.hostingNetworkElement)
        bind(r, Kind::kElement, elements_, ne.id, "hostingNetworkElement");
      for (auto& r : ne.resource) bind(r, Kind::kResource, resources_, ne.id, "resource");
      if (ne.customerConsoleInterface)
        bind(*ne.customerConsoleInterface, Kind::kConsole, consoles_, ne.id,
             "customerConsoleInterface");
      if (ne.providerConsoleInterface)
        bind(*ne.providerConsoleInterface, Kind::kConsole, consoles_, ne.id,
             "providerConsoleInterface");
      for (auto& ni : ne.networkInterfaces) {
        if (ni.connectedInterface)
          bind(*ni.connectedInterface, Kind::kInterface, interfaces_, ni.id, "connectedInterface");
        for (auto& r : ni.hostedNetworkInterface)
          bind(r, Kind::kInterface, interfaces_, ni.id, "hostedNetworkInterface");
        for (auto& r : ni.hostingNetworkInterface)
          bind(r, Kind::kInterface, interfaces_, ni.id, "hostingNetworkInterface");
        for (auto& r : ni.resource) bind(r, Kind::kResource, resources_, ni.id, "resource");
      }
    }
    for (auto& cg : topo.constraintGroups) {
      for (auto& r : cg.networkElement)
        bind(r, Kind::kElement, elements_, "ConstraintGroup", "networkElement");
    }
  }
  for (auto& rm : resourceMappings) {
    bind(rm.hostedResource, Kind::kResource, resources_, "ResourceMapping", "hostedResource");
    bind(rm.hostingResource, Kind::kResource, resources_, "ResourceMapping", "hostingResource");
  }
  return diags;
}

namespace {
template <class Map>
auto lookup(const Map& m, std::string_view id) -> typename Map::mapped_type {
  auto it = m.find(id);
  return it == m.end() ? nullptr : it->second;
}
}  // namespace

const NetworkElement* Document::element(std::string_view id) const {
  return lookup(elements_, id);
}
const NetworkInterface* Document::interface(std::string_view id) const {
  return lookup(interfaces_, id);
}
const Resource* Document::resource(std::string_view id) const {
  return lookup(resources_, id);
}
const GraphLabel* Document::graph_label(std::string_view id) const {
  return lookup(labels_, id);
}
const ConsoleInterface* Document::console_interface(std::string_view id) const {
  return lookup(consoles_, id);
}
const NetworkElement* Document::owner_of(const NetworkInterface& ni) const {
  auto it = owners_.find(&ni);
  return it == owners_.end() ? nullptr : it->second;
}

const Topology* Document::find_topology(GraphType type, std::int64_t nr) const {
  for (const auto& t : topologies) {
    if (t.graphLabel && t.graphLabel->graph_type == type && t.graphLabel->graph_nr == nr) return &t;
  }
  return nullptr;
}

std::size_t Document::object_count() const {
  std::size_t n = consoleInterfaces.size() + resourceMappings.size();
  for (const auto& t : topologies) {
    n += (t.graphLabel ? 1 : 0) + t.networkElements.size() + t.resources.size() +
         t.constraintGroups.size();
    for (const auto& ne : t.networkElements) n += ne.networkInterfaces.size();
  }
  return n;
}

}  // namespace cloudnet::flerd
