#include "flerd/graph.h"

#include <algorithm>

namespace cloudnet::flerd {

GraphView GraphView::of(const Document& doc, const Topology& topology) {
  GraphView g;
  std::vector<const NetworkElement*> members;
  members.reserve(topology.networkElements.size());
  for (const auto& ne : topology.networkElements) members.push_back(&ne);
  g.build(doc, members);
  return g;
}

GraphView GraphView::of(const Document& doc) {
  GraphView g;
  std::vector<const NetworkElement*> members;
  for (const auto& t : doc.topologies)
    for (const auto& ne : t.networkElements) members.push_back(&ne);
  g.build(doc, members);
  return g;
}

void GraphView::build(const Document& doc, const std::vector<const NetworkElement*>& members) {
  vertices_ = members;
  index_.reserve(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) index_.emplace(members[i], static_cast<int>(i));
  incident_.assign(members.size(), {});
  for (std::size_t i = 0; i < members.size(); ++i) {
    for (const auto& ni : members[i]->networkInterfaces) {
      if (!ni.connectedInterface || !ni.connectedInterface->target) continue;
      const NetworkInterface* peer = ni.connectedInterface->target;
      const NetworkElement* owner = doc.owner_of(*peer);
      if (!owner) continue;
      auto it = index_.find(owner);
      if (it == index_.end()) continue;
      // Each connection once: from the side with the smaller interface
      // address, or from this side if the peer does not point back.
      const bool symmetric = peer->connectedInterface && peer->connectedInterface->target == &ni;
      if (symmetric && peer < &ni) continue;
      const int e = static_cast<int>(edges_.size());
      edges_.push_back(Edge{static_cast<int>(i), it->second, &ni, peer});
      incident_[i].push_back(e);
      if (it->second != static_cast<int>(i))
        incident_[static_cast<std::size_t>(it->second)].push_back(e);
    }
  }
}

std::optional<int> GraphView::index_of(std::string_view element_id) const {
  for (std::size_t i = 0; i < vertices_.size(); ++i) {
    if (vertices_[i]->id == element_id) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::optional<int> GraphView::index_of(const NetworkElement* ne) const {
  auto it = index_.find(ne);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::vector<int> GraphView::neighbors(int v) const {
  std::vector<int> out;
  for (int e : incident(v)) {
    const Edge& ed = edges_[static_cast<std::size_t>(e)];
    out.push_back(ed.a == v ? ed.b : ed.a);
  }
  return out;
}

std::pair<std::vector<int>, int> GraphView::components() const {
  std::vector<int> comp(vertices_.size(), -1);
  int n = 0;
  for (std::size_t s = 0; s < vertices_.size(); ++s) {
    if (comp[s] >= 0) continue;
    std::vector<int> stack{static_cast<int>(s)};
    comp[s] = n;
    while (!stack.empty()) {
      const int v = stack.back();
      stack.pop_back();
      for (int w : neighbors(v)) {
        if (comp[static_cast<std::size_t>(w)] < 0) {
          comp[static_cast<std::size_t>(w)] = n;
          stack.push_back(w);
        }
      }
    }
    ++n;
  }
  return {comp, n};
}

std::vector<int> GraphView::link_endpoints(int link) const {
  std::vector<int> out;
  for (int w : neighbors(link)) {
    if (!vertex(w).is_link()) out.push_back(w);
  }
  return out;
}

}  // namespace cloudnet::flerd
