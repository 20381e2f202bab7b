#include "mapping/builder.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "flerd/type_path.h"

namespace cloudnet::mapping {

namespace {

using flerd::TypePath;

bool ends_with_level(const TypePath& p, std::string_view level) {
  return !p.levels().empty() && p.levels().back() == level;
}
bool has_level(const TypePath& p, std::string_view level) {
  return std::find(p.levels().begin(), p.levels().end(), level) != p.levels().end();
}
bool is_abstract_service(const TypePath& p) {
  return p.category() == "service";
}

const flerd::Topology* pick_layer(const flerd::Document& doc, flerd::GraphType type,
                                  std::optional<std::int64_t> nr) {
  const flerd::Topology* best = nullptr;
  for (const auto& t : doc.topologies) {
    if (!t.graphLabel || t.graphLabel->graph_type != type) continue;
    if (nr) {
      if (t.graphLabel->graph_nr == *nr) return &t;
      continue;
    }
    if (!best || t.graphLabel->graph_nr > best->graphLabel->graph_nr) best = &t;
  }
  // A document with a single unlabelled topology is taken as it is.
  if (!best && !nr && doc.topologies.size() == 1 && !doc.topologies[0].graphLabel)
    return &doc.topologies[0];
  return best;
}

std::optional<ValueType> value_type_of(const flerd::Resource& r) {
  if (!r.value_type || *r.value_type == "minimum") return ValueType::kMinimum;
  if (*r.value_type == "maximum") return ValueType::kMaximum;
  if (*r.value_type == "constant" || *r.value_type == "exact") return ValueType::kConstant;
  return std::nullopt;
}

// White and black lists of one element (thesis 4.3.1): Features with the same
// attribute are alternatives; attributes under /not forbid their values.
struct FeatureRules {
  std::map<std::string, std::vector<const flerd::Feature*>> white;   // attribute -> options
  std::vector<std::pair<std::string, const flerd::Feature*>> black;  // attribute, feature
};

FeatureRules rules_of(const std::vector<flerd::Feature>& features) {
  FeatureRules r;
  for (const auto& f : features) {
    const TypePath p = TypePath::parse_lenient(f.attribute);
    if (p.is_negated())
      r.black.emplace_back(p.negated().str(), &f);
    else
      r.white[p.str()].push_back(&f);
  }
  return r;
}

// The values an element offers for an attribute. Usually one; an aggregate
// such as a VNP's /node/host/pip element (CloudNet paper 5.2) states every
// value found among the PIP's hosts, one Feature each.
std::vector<const flerd::Feature*> offered(const std::vector<flerd::Feature>& features,
                                           const std::string& attribute) {
  std::vector<const flerd::Feature*> out;
  for (const auto& f : features) {
    if (TypePath::parse_lenient(f.attribute).str() == attribute) out.push_back(&f);
  }
  return out;
}

// Checks an element's Features against rules. `strict`: a white-listed
// attribute the element does not describe excludes it (nodes); otherwise it
// does not (elements a link merely crosses). Returns "" or the reason; sets
// `rank` to the best matching priority position (0 = most preferred).
std::string check_features(const FeatureRules& rules, const std::vector<flerd::Feature>& offer,
                           bool strict, int* rank) {
  if (rank) *rank = 0;
  for (const auto& [attr, options] : rules.white) {
    const std::vector<const flerd::Feature*> have = offered(offer, attr);
    if (have.empty()) {
      if (strict) return "does not state " + attr + " (white list)";
      continue;
    }
    std::vector<std::int64_t> priorities;
    for (const auto* o : options) priorities.push_back(o->priority);
    std::sort(priorities.begin(), priorities.end());
    // With several values offered (an aggregate), the best match counts.
    int best = -1;
    for (const auto* h : have) {
      for (const auto* o : options) {
        if (!flerd::feature_value_matches(o->value, h->value)) continue;
        const auto pos =
            std::find(priorities.begin(), priorities.end(), o->priority) - priorities.begin();
        if (best < 0 || pos < best) best = static_cast<int>(pos);
        break;
      }
    }
    if (best < 0) {
      std::string allowed, values;
      for (const auto* o : options) allowed += (allowed.empty() ? "" : " or ") + o->value;
      for (const auto* h : have) values += (values.empty() ? "" : ", ") + h->value;
      return "has " + attr + " = " + values + ", white list allows " + allowed;
    }
    if (rank) *rank = std::max(*rank, best);
  }
  for (const auto& [attr, f] : rules.black) {
    // Excluded only if every value offered is black-listed: an aggregate
    // that also offers others can still avoid it.
    const std::vector<const flerd::Feature*> have = offered(offer, attr);
    if (!have.empty() && std::all_of(have.begin(), have.end(), [&](const flerd::Feature* h) {
          return flerd::feature_value_matches(f->value, h->value);
        }))
      return "has " + attr + " = " + have.front()->value + ", which is black-listed";
  }
  return {};
}

class Builder {
 public:
  Builder(const BuildInput& in, BuildNotes* notes) : in_(in), notes_(notes) {}

  Result<Problem> run() {
    if (!in_.substrate || !in_.request) return Error::invalid("no substrate or no request given");
    const flerd::Topology* ul =
        pick_layer(*in_.substrate, flerd::GraphType::UL, in_.substrate_layer);
    if (!ul) {
      return Error::invalid(in_.substrate->source_name + ": no underlay (UL" +
                            (in_.substrate_layer ? std::to_string(*in_.substrate_layer) : "") +
                            ") topology; a substrate is a Topology with graph_type UL");
    }
    const flerd::Topology* ol = pick_layer(*in_.request, flerd::GraphType::OL, in_.request_layer);
    if (!ol) {
      return Error::invalid(in_.request->source_name + ": no overlay (OL" +
                            (in_.request_layer ? std::to_string(*in_.request_layer) : "") +
                            ") topology; a request is a Topology with graph_type OL");
    }
    p_.options = in_.options;
    if (auto st = substrate(*ul); !st) return st.error();
    if (auto st = request(*ol); !st) return st.error();
    if (auto st = suitability(); !st) return st.error();
    if (auto st = groups(*ol); !st) return st.error();
    if (auto st = existing(); !st) return st.error();
    return std::move(p_);
  }

 private:
  void note(std::string s) {
    if (notes_) notes_->notes.push_back(std::move(s));
  }
  std::string where(const flerd::Document& d, const std::string& id) const {
    return d.source_name + ": " + id;
  }
  // req(u, r_V, s) from a requested Resource.
  Result<Demand> demand(const flerd::Document& doc, const flerd::Resource& r) const {
    auto vt = value_type_of(r);
    if (!vt)
      return Error::invalid(where(doc, r.id) + ": value_type '" + *r.value_type +
                            "' cannot be mapped; expected minimum, maximum or constant");
    if (r.value < 0)
      return Error::invalid(where(doc, r.id) + ": negative demand " + std::to_string(r.value) +
                            " for " + r.attribute);
    return Demand{r.id, TypePath::parse_lenient(r.attribute), *vt, r.value};
  }

  Status substrate(const flerd::Topology& ul) {
    const flerd::Document& doc = *in_.substrate;
    std::unordered_map<const flerd::NetworkElement*, int> index;
    std::unordered_map<const flerd::Resource*, int> res_index;
    bool any_interface = false;
    for (const auto& ne : ul.networkElements) {
      SubstrateElement e;
      e.id = ne.id;
      e.identifier = ne.identifier;
      e.type = TypePath::parse_lenient(ne.ne_type);
      e.is_link = ne.is_link();
      e.features = ne.features;
      index.emplace(&ne, static_cast<int>(p_.substrate.size()));
      if (!ne.networkInterfaces.empty()) any_interface = true;
      for (const auto& ref : ne.resource) {
        const flerd::Resource* r = ref.target;
        if (!r) return Error::invalid(where(doc, ne.id) + " references unknown resource " + ref.id);
        const TypePath attr = TypePath::parse_lenient(r->attribute);
        if (ends_with_level(attr, "latency")) {
          e.latency += r->value;  // a property of the path, not a capacity (5.5.5)
          continue;
        }
        if (r->value < 0)
          return Error::invalid(where(doc, r->id) + ": negative capacity " +
                                std::to_string(r->value));
        auto [it, fresh] = res_index.emplace(r, static_cast<int>(p_.substrate_resources.size()));
        if (fresh) {
          SubstrateResource sr;
          sr.id = r->id;
          sr.attribute = attr;
          sr.capacity = r->value;
          sr.is_bandwidth = ends_with_level(attr, "bandwidth");
          if (has_level(attr, "upstream")) sr.direction = SubstrateResource::Direction::kUp;
          if (has_level(attr, "downstream")) sr.direction = SubstrateResource::Direction::kDown;
          p_.substrate_resources.push_back(std::move(sr));
        }
        p_.substrate_resources[static_cast<std::size_t>(it->second)].elements.push_back(
            static_cast<int>(p_.substrate.size()));
        e.resources.push_back(it->second);
      }
      p_.substrate.push_back(std::move(e));
    }
    if (p_.substrate.empty())
      return Error::invalid(doc.source_name + ": the substrate has no elements");
    if (!any_interface)
      return Error::invalid(doc.source_name +
                            ": the substrate has no NetworkInterfaces, so nothing is connected; "
                            "links need interfaces connected to the nodes they join");
    // Directional bandwidth only means something on two-interface links.
    for (auto& sr : p_.substrate_resources) {
      if (sr.direction == SubstrateResource::Direction::kBoth) continue;
      for (int el : sr.elements) {
        const auto& ne = ul.networkElements[static_cast<std::size_t>(el)];
        if (!ne.is_link() || ne.networkInterfaces.size() != 2) {
          note("substrate resource " + sr.id + " is directional but " + ne.id +
               " is not a two-interface link; it counts both directions");
          sr.direction = SubstrateResource::Direction::kBoth;
        }
      }
    }
    // Interface bottleneck resources (5.5.2).
    auto iface_res = [&](const flerd::NetworkInterface& ni, bool outgoing) -> int {
      for (const auto& ref : ni.resource) {
        const flerd::Resource* r = ref.target;
        if (!r) continue;
        const TypePath attr = TypePath::parse_lenient(r->attribute);
        if (!ends_with_level(attr, "bandwidth")) continue;
        const bool to_ne = has_level(attr, "connection_to_ne");
        const bool from_ne = has_level(attr, "ne_to_connection");
        if ((outgoing && to_ne) || (!outgoing && from_ne)) continue;
        auto [it, fresh] = res_index.emplace(r, static_cast<int>(p_.substrate_resources.size()));
        if (fresh) {
          SubstrateResource sr;
          sr.id = r->id;
          sr.attribute = attr;
          sr.capacity = r->value;
          sr.is_bandwidth = true;
          sr.is_interface = true;
          p_.substrate_resources.push_back(std::move(sr));
        }
        return it->second;
      }
      return -1;
    };
    // Arcs: both directions of every connection inside the layer.
    std::set<std::pair<const flerd::NetworkInterface*, const flerd::NetworkInterface*>> done;
    for (std::size_t v = 0; v < ul.networkElements.size(); ++v) {
      const auto& ne = ul.networkElements[v];
      for (std::size_t k = 0; k < ne.networkInterfaces.size(); ++k) {
        const auto& ni = ne.networkInterfaces[k];
        if (!ni.connectedInterface || !ni.connectedInterface->target) continue;
        const flerd::NetworkInterface* peer = ni.connectedInterface->target;
        const flerd::NetworkElement* owner = doc.owner_of(*peer);
        auto it = index.find(owner);
        if (it == index.end()) continue;
        // (std::minmax would return references to the temporary &ni.)
        const std::pair<const flerd::NetworkInterface*, const flerd::NetworkInterface*> key =
            &ni < peer ? std::make_pair(&ni, peer) : std::make_pair(peer, &ni);
        if (!done.insert(key).second) continue;
        const int a = static_cast<int>(v);
        const int b = it->second;
        if (a == b) continue;
        const auto& bne = ul.networkElements[static_cast<std::size_t>(b)];
        const std::size_t kb = static_cast<std::size_t>(peer - bne.networkInterfaces.data());
        auto dir = [](const flerd::NetworkElement& e, std::size_t pos) {
          if (!e.is_link() || e.networkInterfaces.size() != 2)
            return SubstrateResource::Direction::kBoth;
          return pos == 0 ? SubstrateResource::Direction::kUp : SubstrateResource::Direction::kDown;
        };
        SubstrateArc ab{a, b, -1, iface_res(ni, true), iface_res(*peer, false), dir(bne, kb)};
        SubstrateArc ba{b, a, -1, iface_res(*peer, true), iface_res(ni, false), dir(ne, k)};
        const int ia = static_cast<int>(p_.arcs.size());
        ab.reverse = ia + 1;
        ba.reverse = ia;
        p_.arcs.push_back(ab);
        p_.arcs.push_back(ba);
      }
    }
    p_.out_arcs.assign(p_.substrate.size(), {});
    p_.in_arcs.assign(p_.substrate.size(), {});
    for (std::size_t a = 0; a < p_.arcs.size(); ++a) {
      p_.out_arcs[static_cast<std::size_t>(p_.arcs[a].from)].push_back(static_cast<int>(a));
      p_.in_arcs[static_cast<std::size_t>(p_.arcs[a].to)].push_back(static_cast<int>(a));
    }
    // Resources already allocated to embedded VNets: the ResourceMappings of
    // the substrate document (minus this VNet's own, see existing()).
    for (const auto& rm : doc.resourceMappings) {
      if (!rm.hostingResource.target || !rm.value) continue;
      auto it = res_index.find(rm.hostingResource.target);
      if (it != res_index.end())
        p_.substrate_resources[static_cast<std::size_t>(it->second)].used += *rm.value;
    }
    substrate_res_index_ = std::move(res_index);
    return Status::Ok();
  }

  Status request(const flerd::Topology& ol) {
    const flerd::Document& doc = *in_.request;
    std::unordered_map<const flerd::NetworkElement*, int> node_of;
    std::unordered_map<const flerd::Resource*, int> refcount;
    for (const auto& ne : ol.networkElements)
      for (const auto& r : ne.resource)
        if (r.target) ++refcount[r.target];
    for (const auto& ne : ol.networkElements) {
      if (!ne.is_node()) continue;
      VirtualNode n;
      n.id = ne.id;
      n.identifier = ne.identifier;
      n.type = TypePath::parse_lenient(ne.ne_type);
      n.features = ne.features;
      for (const auto& ref : ne.resource) {
        const flerd::Resource* r = ref.target;
        if (!r) return Error::invalid(where(doc, ne.id) + " references unknown resource " + ref.id);
        const TypePath attr = TypePath::parse_lenient(r->attribute);
        if (is_abstract_service(attr)) {
          note(ne.id + ": service resource " + r->id + " (" + r->attribute +
               ") is abstract; the completion of the request translates it, the mapping skips it");
          continue;
        }
        if (ends_with_level(attr, "latency")) {
          note(ne.id + ": node latency " + r->id + " is not a capacity; the mapping skips it");
          continue;
        }
        if (refcount[r] > 1)
          return Error::invalid(where(doc, r->id) + " is shared by " + std::to_string(refcount[r]) +
                                " virtual elements; the mapping needs a demand per element "
                                "(complete the request first)");
        auto d = demand(doc, *r);
        if (!d) return d.error();
        n.demands.push_back(std::move(*d));
      }
      node_of.emplace(&ne, static_cast<int>(p_.nodes.size()));
      p_.nodes.push_back(std::move(n));
    }
    if (p_.nodes.empty())
      return Error::invalid(doc.source_name + ": the request has no virtual nodes");
    for (const auto& ne : ol.networkElements) {
      if (ne.is_node()) {
        // Direct node-node connections (thesis appendix B OL0): implicit links.
        for (const auto& ni : ne.networkInterfaces) {
          if (!ni.connectedInterface || !ni.connectedInterface->target) continue;
          const auto* peer_owner = doc.owner_of(*ni.connectedInterface->target);
          auto it = node_of.find(peer_owner);
          if (it == node_of.end() || peer_owner <= &ne) continue;
          VirtualLink l;
          l.id = ne.id + "~" + peer_owner->id;
          l.identifier = ne.identifier + "-" + peer_owner->identifier;
          l.type = TypePath::parse_lenient("/link/generic");
          l.endpoints = {node_of.at(&ne), it->second};
          l.implicit = true;
          p_.links.push_back(std::move(l));
        }
        continue;
      }
      if (!ne.is_link())
        return Error::invalid(where(doc, ne.id) + ": ne_type " + ne.ne_type +
                              " is neither a node nor a link; the mapping places /node/... and "
                              "routes /link/... elements");
      VirtualLink l;
      l.id = ne.id;
      l.identifier = ne.identifier;
      l.type = TypePath::parse_lenient(ne.ne_type);
      l.features = ne.features;
      for (const auto& ni : ne.networkInterfaces) {
        if (!ni.connectedInterface || !ni.connectedInterface->target) continue;
        const auto* owner = doc.owner_of(*ni.connectedInterface->target);
        auto it = node_of.find(owner);
        if (it == node_of.end())
          return Error::invalid(where(doc, ne.id) + ": interface " + ni.id + " connects to " +
                                (owner ? owner->id : std::string("nothing")) +
                                ", expected a virtual node of the same request");
        l.endpoints.push_back(it->second);
      }
      if (l.endpoints.size() < 2)
        return Error::invalid(where(doc, ne.id) +
                              ": a virtual link needs at least two connected "
                              "interfaces, found " +
                              std::to_string(l.endpoints.size()));
      for (const auto& ref : ne.resource) {
        const flerd::Resource* r = ref.target;
        if (!r) return Error::invalid(where(doc, ne.id) + " references unknown resource " + ref.id);
        auto dr = demand(doc, *r);
        if (!dr) return dr.error();
        const Demand d = std::move(*dr);
        const TypePath& attr = d.attribute;
        if (ends_with_level(attr, "latency")) {
          if (d.value_type == ValueType::kMinimum)
            l.min_latency = r->value;
          else
            l.max_latency = r->value;  // maximum or constant: a bound
          continue;
        }
        if (!ends_with_level(attr, "bandwidth")) {
          if (is_abstract_service(attr)) continue;
          return Error::invalid(where(doc, r->id) + ": link resource " + r->attribute +
                                " cannot be mapped; links carry .../bandwidth and .../latency");
        }
        if (has_level(attr, "upstream"))
          l.upstream = d;
        else if (has_level(attr, "downstream"))
          l.downstream = d;
        else
          l.bandwidth = d;
      }
      p_.links.push_back(std::move(l));
    }
    // Flows (thesis 5.3.3, Fl(u)).
    for (std::size_t li = 0; li < p_.links.size(); ++li) {
      const VirtualLink& l = p_.links[li];
      const int link = static_cast<int>(li);
      if (l.bandwidth) {
        for (std::size_t i = 0; i < l.endpoints.size(); ++i)
          for (std::size_t j = i + 1; j < l.endpoints.size(); ++j)
            p_.flows.push_back(Flow{link, l.endpoints[i], l.endpoints[j], l.bandwidth->amount,
                                    Flow::Kind::kSymmetric});
      }
      if (l.upstream || l.downstream) {
        if (l.endpoints.size() != 2)
          return Error::invalid(where(doc, l.id) +
                                ": upstream/downstream bandwidth needs exactly "
                                "two endpoints; use /link/symmetric/bandwidth "
                                "for a shared medium");
        if (l.upstream)
          p_.flows.push_back(Flow{link, l.endpoints[0], l.endpoints[1], l.upstream->amount,
                                  Flow::Kind::kUpstream});
        if (l.downstream)
          p_.flows.push_back(Flow{link, l.endpoints[1], l.endpoints[0], l.downstream->amount,
                                  Flow::Kind::kDownstream});
      }
    }
    return Status::Ok();
  }

  Status suitability() {
    const std::size_t S = p_.substrate.size();
    p_.node_suitable.assign(p_.nodes.size(), std::vector<char>(S, 0));
    p_.node_weight.assign(p_.nodes.size(), std::vector<double>(S, 1.0));
    p_.demand_hosts.assign(p_.nodes.size(), {});
    for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
      const VirtualNode& n = p_.nodes[u];
      const FeatureRules rules = rules_of(n.features);
      p_.demand_hosts[u].assign(n.demands.size(), {});
      for (std::size_t k = 0; k < n.demands.size(); ++k) {
        bool any = false;
        for (const auto& sr : p_.substrate_resources) any = any || hosts(n.demands[k], sr) > 0;
        if (!any) {
          std::set<std::string> kinds;
          for (const auto& sr : p_.substrate_resources)
            if (!sr.is_interface) kinds.insert(sr.attribute.str());
          std::string list;
          for (const auto& k2 : kinds) list += (list.empty() ? "" : ", ") + k2;
          return Error::invalid(
              in_.request->source_name + ": " + n.id + " requests " + n.demands[k].attribute.str() +
              " (" + n.demands[k].resource_id +
              "), which no substrate resource can host; the substrate offers: " + list);
        }
      }
      for (std::size_t v = 0; v < S; ++v) {
        const SubstrateElement& e = p_.substrate[v];
        if (e.is_link || !type_hostable(p_.options, n.type, e.type)) continue;
        int rank = 0;
        if (!check_features(rules, e.features, true, &rank).empty()) continue;
        bool ok = true;
        for (std::size_t k = 0; k < n.demands.size() && ok; ++k) {
          auto& hosts_k = p_.demand_hosts[u][k];
          double capacity = 0;
          for (int r : e.resources) {
            const double f =
                hosts(n.demands[k], p_.substrate_resources[static_cast<std::size_t>(r)]);
            if (f <= 0) continue;
            hosts_k.push_back(Problem::Host{r, f});
            const auto& sr = p_.substrate_resources[static_cast<std::size_t>(r)];
            capacity += f * std::max(0.0, sr.capacity - sr.used);
          }
          const bool needs =
              n.demands[k].value_type != ValueType::kMaximum && n.demands[k].amount > 0;
          if (needs && capacity + 1e-9 < n.demands[k].amount) ok = false;
        }
        if (!ok) continue;
        p_.node_suitable[u][v] = 1;
        // Preferences: a white-list match of lower priority costs more
        // (thesis 4.3.2: priorities order the alternatives).
        p_.node_weight[u][v] = 1.0 + 0.1 * rank;
      }
    }
    // Drop demand hosts on elements that ended up unsuitable.
    for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
      for (auto& hk : p_.demand_hosts[u]) {
        std::erase_if(hk, [&](const Problem::Host& h) {
          const auto& els = p_.substrate_resources[static_cast<std::size_t>(h.resource)].elements;
          return std::none_of(els.begin(), els.end(), [&](int el) {
            return p_.node_suitable[u][static_cast<std::size_t>(el)] != 0;
          });
        });
      }
    }
    // Elements a virtual link may cross: substrate links of a hostable type
    // and any substrate node, minus black-listed ones.
    p_.link_allowed.assign(p_.links.size(), std::vector<char>(S, 0));
    for (std::size_t l = 0; l < p_.links.size(); ++l) {
      const FeatureRules rules = rules_of(p_.links[l].features);
      for (std::size_t v = 0; v < S; ++v) {
        const SubstrateElement& e = p_.substrate[v];
        if (e.is_link && !p_.links[l].type.hostable_by(e.type) && !p_.links[l].implicit) continue;
        if (!check_features(rules, e.features, false, nullptr).empty()) continue;
        p_.link_allowed[l][v] = 1;
      }
    }
    return Status::Ok();
  }

  // prop(r_V, r_S) of a node demand on a substrate resource; 0 if it cannot
  // host it. Same attribute (with generic levels matching) counts 1; prop
  // rules add cross-type hosting such as disk on RAM (thesis 5.3.3).
  double hosts(const Demand& d, const SubstrateResource& sr) const {
    if (sr.is_interface || sr.is_bandwidth) return 0;
    if (d.attribute.hostable_by(sr.attribute) || sr.attribute.hostable_by(d.attribute)) return 1;
    for (const auto& rule : p_.options.prop_rules) {
      if ((rule.hosted.hostable_by(d.attribute) || d.attribute.hostable_by(rule.hosted)) &&
          (rule.host.hostable_by(sr.attribute) || sr.attribute.hostable_by(rule.host)))
        return rule.factor;
    }
    return 0;
  }

  Status groups(const flerd::Topology& ol) {
    const flerd::Document& doc = *in_.request;
    for (const auto& cg : ol.constraintGroups) {
      for (const auto& c : cg.constraints) {
        GroupConstraint g;
        g.attribute = TypePath::parse_lenient(c.attribute);
        g.relation = c.relation;
        const bool device = ends_with_level(g.attribute, "device");
        if (c.relation == "distinct" || c.relation == "different" || c.relation == "disjoint") {
          g.kind = GroupConstraint::Kind::kDistinct;
        } else if (c.relation == "equals" || c.relation == "equal" || c.relation == "same") {
          g.kind = device ? GroupConstraint::Kind::kColocate : GroupConstraint::Kind::kEquals;
        } else {
          return Error::invalid(doc.source_name + ": ConstraintGroup relation '" + c.relation +
                                "' is not supported; use distinct or equals");
        }
        for (const auto& ref : cg.networkElement) {
          const int n = p_.node_index(ref.id);
          if (n >= 0) {
            g.nodes.push_back(n);
            continue;
          }
          auto it = std::find_if(p_.links.begin(), p_.links.end(),
                                 [&](const VirtualLink& l) { return l.id == ref.id; });
          if (it == p_.links.end())
            return Error::invalid(doc.source_name + ": ConstraintGroup names " + ref.id +
                                  ", which is not an element of the request layer");
          g.links.push_back(static_cast<int>(it - p_.links.begin()));
        }
        if (!g.links.empty() && g.kind != GroupConstraint::Kind::kDistinct)
          return Error::invalid(doc.source_name + ": ConstraintGroup relation '" + c.relation +
                                "' on links is not supported; links can only be 'distinct'");
        p_.groups.push_back(std::move(g));
      }
    }
    return Status::Ok();
  }

  // Follows hosting references from an element down to a substrate element.
  void hosts_of(const flerd::NetworkElement* ne, std::set<int>& out, int depth) const {
    if (!ne || depth > 16) return;
    const int s = p_.substrate_index(ne->id);
    if (s >= 0) {
      out.insert(s);
      return;
    }
    for (const auto& h : ne->hostingNetworkElement) hosts_of(h.target, out, depth + 1);
  }

  Status existing() {
    if (in_.existing.empty()) return Status::Ok();
    Existing ex;
    ex.node_host.assign(p_.nodes.size(), -1);
    ex.link_elements.assign(p_.links.size(), {});
    ex.node_penalty.assign(p_.nodes.size(), in_.node_penalty);
    ex.link_penalty.assign(p_.links.size(), in_.link_penalty);
    bool any = false;
    for (const flerd::Document* doc : in_.existing) {
      for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
        std::set<int> h;
        hosts_of(doc->element(p_.nodes[u].id), h, 0);
        if (h.size() == 1) {
          ex.node_host[u] = *h.begin();
          any = true;
        }
      }
      for (std::size_t l = 0; l < p_.links.size(); ++l) {
        std::set<int> h;
        hosts_of(doc->element(p_.links[l].id), h, 0);
        if (!h.empty()) {
          ex.link_elements[l].assign(h.begin(), h.end());
          any = true;
        }
      }
      // This VNet's own allocations are not "used by others".
      for (const auto& rm : doc->resourceMappings) {
        if (!rm.value || !rm.hostingResource.target) continue;
        auto it = substrate_res_index_.find(in_.substrate->resource(rm.hostingResource.id));
        if (it != substrate_res_index_.end()) {
          auto& sr = p_.substrate_resources[static_cast<std::size_t>(it->second)];
          sr.used = std::max(0.0, sr.used - *rm.value);
        }
      }
    }
    if (!any) {
      note("the existing mappings name none of the request's elements; mapping as new");
      return Status::Ok();
    }
    if (in_.transit_per_hop > 0) {
      // transit(u, v): hops between the old and a new host (BFS over arcs).
      ex.node_transit.assign(p_.nodes.size(), std::vector<double>(p_.substrate.size(), 0));
      for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
        if (ex.node_host[u] < 0) continue;
        std::vector<int> dist(p_.substrate.size(), -1);
        std::vector<int> queue{ex.node_host[u]};
        dist[static_cast<std::size_t>(ex.node_host[u])] = 0;
        for (std::size_t q = 0; q < queue.size(); ++q) {
          const int v = queue[q];
          for (int a : p_.out_arcs[static_cast<std::size_t>(v)]) {
            const int w = p_.arcs[static_cast<std::size_t>(a)].to;
            if (dist[static_cast<std::size_t>(w)] < 0) {
              dist[static_cast<std::size_t>(w)] = dist[static_cast<std::size_t>(v)] + 1;
              queue.push_back(w);
            }
          }
        }
        for (std::size_t v = 0; v < p_.substrate.size(); ++v)
          ex.node_transit[u][v] = dist[v] < 0 ? 0 : in_.transit_per_hop * dist[v];
      }
    }
    p_.existing = std::move(ex);
    return Status::Ok();
  }

  const BuildInput& in_;
  BuildNotes* notes_;
  Problem p_;
  std::unordered_map<const flerd::Resource*, int> substrate_res_index_;
};

}  // namespace

Result<Problem> build_problem(const BuildInput& input, BuildNotes* notes) {
  return Builder(input, notes).run();
}

std::string unsuitability_reason(const Problem& p, int u, int v) {
  const VirtualNode& n = p.nodes[static_cast<std::size_t>(u)];
  const SubstrateElement& e = p.substrate[static_cast<std::size_t>(v)];
  if (e.is_link) return e.id + " is a link";
  if (!type_hostable(p.options, n.type, e.type))
    return e.id + " of type " + e.type.str() + " cannot host " + n.type.str();
  const std::string f = check_features(rules_of(n.features), e.features, true, nullptr);
  if (!f.empty()) return e.id + " " + f;
  for (const auto& d : n.demands) {
    if (d.value_type == ValueType::kMaximum || d.amount <= 0) continue;
    double capacity = 0;
    for (int r : e.resources) {
      const auto& sr = p.substrate_resources[static_cast<std::size_t>(r)];
      if (sr.is_bandwidth || sr.is_interface) continue;
      if (d.attribute.hostable_by(sr.attribute) || sr.attribute.hostable_by(d.attribute))
        capacity += std::max(0.0, sr.capacity - sr.used);
    }
    if (capacity + 1e-9 < d.amount)
      return e.id + " has " + std::to_string(capacity) + " free of " + d.attribute.str() + ", " +
             n.id + " needs " + std::to_string(d.amount);
  }
  if (p.node_suitable[static_cast<std::size_t>(u)][static_cast<std::size_t>(v)]) return {};
  return e.id + " is unsuitable";
}

}  // namespace cloudnet::mapping
