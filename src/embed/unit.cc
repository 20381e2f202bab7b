#include "embed/unit.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace cloudnet::embed {

namespace {

const flerd::Topology* find_ml(const flerd::Document& doc, const UnitOptions& options,
                               std::string* why) {
  std::vector<const flerd::Topology*> mls;
  for (const auto& t : doc.topologies)
    if (t.graphLabel && t.graphLabel->graph_type == flerd::GraphType::ML) mls.push_back(&t);
  if (mls.empty()) {
    *why =
        "the mapping document has no ML graph (mapping layer, thesis 4.4); embed a document "
        "written by mapping::mapping_document";
    return nullptr;
  }
  const std::int64_t want = options.ml_layer.value_or(0);
  if (!options.ml_layer && mls.size() == 1) return mls.front();
  for (const auto* t : mls)
    if (t->graphLabel->graph_nr == want) return t;
  *why = "the mapping document has no ML" + std::to_string(want) + " graph";
  return nullptr;
}

std::string net_of(const flerd::Document& doc, const flerd::Topology& ml,
                   const UnitOptions& options) {
  if (!options.net.empty()) return options.net;
  if (ml.graphLabel->net_identifier) return *ml.graphLabel->net_identifier;
  for (const auto& t : doc.topologies)
    if (t.graphLabel && t.graphLabel->graph_type == flerd::GraphType::OL &&
        t.graphLabel->net_identifier)
      return *t.graphLabel->net_identifier;
  return {};
}

bool owns_resource(const flerd::NetworkElement& e, const std::string& resource) {
  auto has = [&](const std::vector<flerd::Ref<flerd::Resource>>& refs) {
    return std::any_of(refs.begin(), refs.end(), [&](const auto& r) { return r.id == resource; });
  };
  if (has(e.resource)) return true;
  return std::any_of(e.networkInterfaces.begin(), e.networkInterfaces.end(),
                     [&](const auto& ni) { return has(ni.resource); });
}

// Substrate elements connected to `e` by an interface connection.
std::set<std::string> neighbours(const flerd::Document& doc, const flerd::NetworkElement& e) {
  std::set<std::string> out;
  for (const auto& ni : e.networkInterfaces) {
    if (!ni.connectedInterface || !ni.connectedInterface->target) continue;
    if (const auto* owner = doc.owner_of(*ni.connectedInterface->target)) out.insert(owner->id);
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

const UnitNode* EmbeddingUnit::node(std::string_view id) const {
  for (const auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

Result<std::vector<EmbeddingUnit>> build_units(const flerd::Document& mapping,
                                               const UnitOptions& options) {
  // A private copy: copying re-resolves, so lookups work whatever the
  // caller did to its document, and plugins may keep the pointer.
  auto doc = std::make_shared<const flerd::Document>(mapping);
  std::string why;
  const flerd::Topology* ml = find_ml(*doc, options, &why);
  if (!ml) return Error::invalid(why);
  const std::string net = net_of(*doc, *ml, options);
  if (net.empty())
    return Error::invalid(
        "the mapping document names no VNet (no net_identifier on its ML or OL label); pass "
        "UnitOptions::net");

  // hosted ML resource -> ResourceMappings onto substrate resources
  std::multimap<std::string, const flerd::ResourceMapping*> rms;
  for (const auto& rm : doc->resourceMappings) rms.emplace(rm.hostedResource.id, &rm);

  auto allocations_of = [&](const flerd::NetworkElement& e) {
    std::vector<Allocation> out;
    for (const auto& ref : e.resource) {
      const flerd::Resource* r = doc->resource(ref.id);
      if (!r) continue;
      Allocation base;
      base.attribute = r->attribute;
      base.amount = r->value;
      base.unit = r->resource_unit.value_or("");
      base.ml_resource = r->id;
      auto [lo, hi] = rms.equal_range(r->id);
      if (lo == hi) out.push_back(base);
      for (auto it = lo; it != hi; ++it) {
        Allocation a = base;
        a.substrate_resource = it->second->hostingResource.id;
        a.substrate_amount = it->second->value.value_or(r->value);
        out.push_back(std::move(a));
      }
    }
    return out;
  };

  std::map<std::string, EmbeddingUnit> units;  // substrate id -> unit
  auto unit_for = [&](const flerd::NetworkElement& s) -> EmbeddingUnit& {
    auto [it, fresh] = units.try_emplace(s.id);
    if (fresh) {
      it->second.net = net;
      it->second.substrate = s.id;
      it->second.substrate_identifier = s.identifier;
      it->second.substrate_type = flerd::TypePath::parse_lenient(s.ne_type);
      it->second.mapping = doc;
    }
    return it->second;
  };

  struct Resolved {
    const flerd::NetworkElement* ml = nullptr;
    const flerd::NetworkElement* overlay = nullptr;
    std::vector<const flerd::NetworkElement*> hosts;
  };
  std::vector<Resolved> resolved;
  for (const auto& m : ml->networkElements) {
    Resolved r;
    r.ml = &m;
    if (m.hostedNetworkElement.empty())
      return Error::invalid("ML element '" + m.id + "' hosts no overlay element");
    r.overlay = doc->element(m.hostedNetworkElement.front().id);
    if (!r.overlay)
      return Error::invalid("ML element '" + m.id + "' hosts '" +
                            m.hostedNetworkElement.front().id +
                            "', which is not in the mapping document");
    if (m.hostingNetworkElement.empty())
      return Error::invalid("ML element '" + m.id + "' (for '" + r.overlay->id +
                            "') is hosted on no substrate element");
    for (const auto& h : m.hostingNetworkElement) {
      const flerd::NetworkElement* s = doc->element(h.id);
      if (!s)
        return Error::invalid("ML element '" + m.id + "' is hosted on '" + h.id +
                              "', which is not in the mapping document (the substrate layer "
                              "must be included)");
      r.hosts.push_back(s);
    }
    resolved.push_back(std::move(r));
  }

  // Virtual nodes first: link segments need to know where their ends live.
  std::map<std::string, std::string> host_of;  // overlay node id -> substrate id
  for (const auto& r : resolved) {
    if (r.overlay->is_link()) continue;
    if (r.hosts.size() != 1)
      return Error::invalid("virtual node '" + r.overlay->id + "' is hosted on " +
                            std::to_string(r.hosts.size()) +
                            " substrate elements in its ML element '" + r.ml->id +
                            "'; a virtual node lives on exactly one");
    UnitNode n;
    n.id = r.overlay->id;
    n.identifier = r.overlay->identifier;
    n.ml_id = r.ml->id;
    n.type = r.overlay->ne_type;
    n.allocations = allocations_of(*r.ml);
    for (const auto& ni : r.overlay->networkInterfaces) n.interfaces.push_back(ni.identifier);
    host_of[n.id] = r.hosts.front()->id;
    unit_for(*r.hosts.front()).nodes.push_back(std::move(n));
  }

  for (const auto& r : resolved) {
    if (!r.overlay->is_link()) continue;
    std::set<std::string> carried;
    for (const auto* h : r.hosts) carried.insert(h->id);
    // Every link resource goes to the first hosting element that owns the
    // substrate resource, so a shared resource is not charged twice.
    std::map<std::string, std::vector<Allocation>> per_host;
    for (auto& a : allocations_of(*r.ml)) {
      const flerd::NetworkElement* owner = r.hosts.front();
      for (const auto* h : r.hosts)
        if (!a.substrate_resource.empty() && owns_resource(*h, a.substrate_resource)) {
          owner = h;
          break;
        }
      per_host[owner->id].push_back(std::move(a));
    }
    std::vector<std::pair<std::string, LinkEnd>> ends;  // substrate host, end
    for (const auto& ni : r.overlay->networkInterfaces) {
      if (!ni.connectedInterface || !ni.connectedInterface->target) continue;
      const flerd::NetworkInterface* peer = ni.connectedInterface->target;
      const flerd::NetworkElement* node = doc->owner_of(*peer);
      if (!node) continue;
      auto it = host_of.find(node->id);
      if (it == host_of.end()) continue;
      ends.push_back({it->second, LinkEnd{node->id, peer->identifier}});
    }
    std::set<std::string> done;  // a hosting reference listed twice is one segment
    for (const auto* h : r.hosts) {
      if (!done.insert(h->id).second) continue;
      UnitSegment seg;
      seg.link = r.overlay->id;
      seg.identifier = r.overlay->identifier;
      seg.ml_id = r.ml->id;
      seg.type = r.overlay->ne_type;
      seg.allocations = per_host[h->id];
      for (const auto& [host, end] : ends)
        if (host == h->id) seg.ends.push_back(end);
      for (const auto& n : neighbours(*doc, *h))
        if (n != h->id && carried.count(n)) seg.adjacent.push_back(n);
      unit_for(*h).segments.push_back(std::move(seg));
    }
  }

  // Substrate nodes before substrate links, each in document order: virtual
  // nodes exist before the segments that attach to them.
  std::vector<EmbeddingUnit> out;
  for (bool links : {false, true})
    for (const auto& t : doc->topologies)
      for (const auto& e : t.networkElements) {
        if (e.is_link() != links) continue;
        auto it = units.find(e.id);
        if (it == units.end()) continue;
        out.push_back(std::move(it->second));
        units.erase(it);
      }
  for (auto& [id, u] : units) out.push_back(std::move(u));  // none in practice
  return out;
}

namespace {

// What equality looks at in an allocation (not the ML resource id).
auto allocation_key(const Allocation& a) {
  return std::tie(a.attribute, a.amount, a.unit, a.substrate_resource, a.substrate_amount);
}

bool same_allocations(const std::vector<Allocation>& a, const std::vector<Allocation>& b) {
  if (a.size() != b.size()) return false;
  std::vector<const Allocation*> x, y;
  for (const auto& v : a) x.push_back(&v);
  for (const auto& v : b) y.push_back(&v);
  auto less = [](const Allocation* l, const Allocation* r) {
    return allocation_key(*l) < allocation_key(*r);
  };
  std::sort(x.begin(), x.end(), less);
  std::sort(y.begin(), y.end(), less);
  for (std::size_t i = 0; i < x.size(); ++i)
    if (allocation_key(*x[i]) != allocation_key(*y[i])) return false;
  return true;
}

bool same_node(const UnitNode& a, const UnitNode& b) {
  return a.id == b.id && a.identifier == b.identifier && a.type == b.type &&
         a.interfaces == b.interfaces && same_allocations(a.allocations, b.allocations);
}

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

bool same_segment(const UnitSegment& a, const UnitSegment& b) {
  auto ends = [](const std::vector<LinkEnd>& es) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : es) out.emplace_back(e.node, e.interface);
    return sorted(std::move(out));
  };
  return a.link == b.link && a.identifier == b.identifier && a.type == b.type &&
         same_allocations(a.allocations, b.allocations) && ends(a.ends) == ends(b.ends) &&
         sorted(a.adjacent) == sorted(b.adjacent);
}

// Matches the elements of two lists by key, whatever their order; each key
// may appear once per list (build_units makes one node per id and one
// segment per link and element).
template <class T, class Key, class Same>
bool same_by_key(const std::vector<T>& a, const std::vector<T>& b, Key key, Same same) {
  if (a.size() != b.size()) return false;
  std::map<std::string, const T*> index;
  for (const auto& v : a)
    if (!index.emplace(key(v), &v).second) return false;
  for (const auto& v : b) {
    auto it = index.find(key(v));
    if (it == index.end() || !same(*it->second, v)) return false;
    index.erase(it);
  }
  return index.empty();
}

}  // namespace

bool same_embedding(const EmbeddingUnit& a, const EmbeddingUnit& b) {
  return a.net == b.net && a.substrate == b.substrate &&
         a.substrate_identifier == b.substrate_identifier && a.substrate_type == b.substrate_type &&
         same_by_key(
             a.nodes, b.nodes, [](const UnitNode& n) { return n.id; }, same_node) &&
         same_by_key(
             a.segments, b.segments, [](const UnitSegment& s) { return s.link; }, same_segment);
}

std::string describe(const Allocation& a) {
  const auto path = flerd::TypePath::parse_lenient(a.attribute);
  std::string name;
  const auto& lv = path.levels();
  for (std::size_t i = 1; i < lv.size(); ++i) {
    if (lv[i] == "generic" || (i + 1 == lv.size() && lv[i] == "amount")) continue;
    if (!name.empty()) name += '/';
    name += lv[i];
  }
  if (name.empty()) name = a.attribute;
  std::string out = name + " " + number(a.amount);
  if (!a.unit.empty()) out += " " + a.unit;
  return out;
}

std::string describe(const EmbeddingUnit& u) {
  std::string out = u.substrate + " (" + u.substrate_type.str() + "):";
  auto join_allocs = [](const std::vector<Allocation>& as) {
    std::string s;
    for (const auto& a : as) s += (s.empty() ? "" : ", ") + describe(a);
    return s;
  };
  bool first = true;
  for (const auto& n : u.nodes) {
    out += first ? " " : "; ";
    first = false;
    out += "node " + n.id + " [" + join_allocs(n.allocations) + "]";
  }
  for (const auto& s : u.segments) {
    out += first ? " " : "; ";
    first = false;
    std::string detail = join_allocs(s.allocations);
    if (!s.ends.empty()) {
      detail += detail.empty() ? "ends " : "; ends ";
      for (std::size_t i = 0; i < s.ends.size(); ++i)
        detail += (i ? ", " : "") + s.ends[i].node + "/" + s.ends[i].interface;
    }
    if (!s.adjacent.empty()) {
      detail += detail.empty() ? "next " : "; next ";
      for (std::size_t i = 0; i < s.adjacent.size(); ++i) detail += (i ? ", " : "") + s.adjacent[i];
    }
    out += "segment " + s.link + " [" + detail + "]";
  }
  if (first) out += " nothing";
  return out;
}

}  // namespace cloudnet::embed
