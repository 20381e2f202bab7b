// The graph view of a FleRD topology for algorithms (thesis 5.3.1, Figure
// 5.1): every NetworkElement, node or link, is a vertex, and every pair of
// connected NetworkInterfaces is an edge. A link with three interfaces (a
// shared medium) is one vertex of degree three, so nothing is flattened.
#pragma once

#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flerd/model.h"

namespace cloudnet::flerd {

class GraphView {
 public:
  struct Edge {
    int a = -1;  // vertex indices
    int b = -1;
    const NetworkInterface* ia = nullptr;  // interface of a
    const NetworkInterface* ib = nullptr;  // interface of b
  };

  // The elements of one topology of a resolved document. Connections to
  // interfaces outside the topology are not edges.
  static GraphView of(const Document& doc, const Topology& topology);
  // Every element of the document.
  static GraphView of(const Document& doc);

  std::size_t vertex_count() const { return vertices_.size(); }
  const NetworkElement& vertex(int v) const { return *vertices_[static_cast<std::size_t>(v)]; }
  std::optional<int> index_of(std::string_view element_id) const;
  std::optional<int> index_of(const NetworkElement* ne) const;

  const std::vector<Edge>& edges() const { return edges_; }
  // Edge indices incident to v.
  const std::vector<int>& incident(int v) const { return incident_[static_cast<std::size_t>(v)]; }
  std::vector<int> neighbors(int v) const;
  int degree(int v) const { return static_cast<int>(incident(v).size()); }

  // Component number per vertex and the number of components.
  std::pair<std::vector<int>, int> components() const;

  // For a link vertex, the node vertices it joins (its neighbours that are
  // nodes); for a shared medium more than two.
  std::vector<int> link_endpoints(int link) const;

 private:
  void build(const Document& doc, const std::vector<const NetworkElement*>& members);

  std::vector<const NetworkElement*> vertices_;
  std::unordered_map<const NetworkElement*, int> index_;
  std::vector<Edge> edges_;
  std::vector<std::vector<int>> incident_;
};

}  // namespace cloudnet::flerd
