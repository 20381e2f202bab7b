#include "flerd/summary.h"

#include <map>
#include <sstream>

#include "flerd/codec.h"
#include "flerd/graph.h"

namespace cloudnet::flerd {

std::string summarize(const Document& doc) {
  std::ostringstream out;
  out << (doc.source_name.empty() ? "<document>" : doc.source_name) << ": " << doc.topologies.size()
      << " topolog" << (doc.topologies.size() == 1 ? "y" : "ies") << ", "
      << doc.consoleInterfaces.size() << " console interface(s), " << doc.resourceMappings.size()
      << " resource mapping(s)\n";
  for (std::size_t t = 0; t < doc.topologies.size(); ++t) {
    const auto& topo = doc.topologies[t];
    out << "\nTopology " << t;
    if (topo.graphLabel) {
      const auto& gl = *topo.graphLabel;
      out << "  " << gl.short_name() << "  (label " << gl.id << ", role " << gl.role_identifier;
      if (gl.net_identifier) out << ", net " << *gl.net_identifier;
      if (gl.tag) out << ", tag " << *gl.tag;
      out << ")";
    } else {
      out << "  (no GraphLabel)";
    }
    out << "\n";
    std::map<std::string, int> by_type;
    std::size_t interfaces = 0, features = 0, connected = 0;
    for (const auto& ne : topo.networkElements) {
      ++by_type[ne.ne_type];
      interfaces += ne.networkInterfaces.size();
      features += ne.features.size();
      for (const auto& ni : ne.networkInterfaces) {
        features += ni.features.size();
        if (ni.connectedInterface) ++connected;
      }
    }
    out << "  network elements: " << topo.networkElements.size() << "\n";
    for (const auto& [type, n] : by_type) out << "    " << type << ": " << n << "\n";
    const GraphView g = GraphView::of(doc, topo);
    const auto [comp, ncomp] = g.components();
    out << "  interfaces: " << interfaces << " (" << connected
        << " connected), graph edges: " << g.edges().size() << ", components: " << ncomp << "\n";
    out << "  features: " << features << "\n";
    std::map<std::string, std::pair<int, double>> by_attr;
    for (const auto& r : topo.resources) {
      auto& [n, total] = by_attr[r.attribute];
      ++n;
      total += r.value;
    }
    out << "  resources: " << topo.resources.size() << "\n";
    for (const auto& [attr, nt] : by_attr)
      out << "    " << attr << ": " << nt.first << " (total " << format_double(nt.second) << ")\n";
    out << "  constraint groups: " << topo.constraintGroups.size() << "\n";
  }
  if (!doc.resourceMappings.empty()) {
    double total = 0;
    for (const auto& rm : doc.resourceMappings) total += rm.value.value_or(0);
    out << "\nresource mappings: " << doc.resourceMappings.size() << " (mapped amount total "
        << format_double(total) << ")\n";
  }
  return out.str();
}

}  // namespace cloudnet::flerd
