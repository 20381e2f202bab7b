// Topology Zoo GraphML -> FleRD (see import.h).
#include <pugixml.hpp>

#include <algorithm>

#include <map>
#include <unordered_map>

#include "flerd/codec.h"
#include "flerd/import/builder.h"
#include "flerd/io.h"
#include "flerd/vocabulary.h"

namespace cloudnet::flerd {

using namespace import_detail;

namespace {

std::string_view local_name(const char* name) {
  std::string_view s(name);
  const auto colon = s.find(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

struct Key {
  std::string name;    // attr.name (the key id if it has none)
  std::string domain;  // node, edge, graph, all, ...
  std::optional<std::string> def;
};

struct Coordinates {
  double lat = 0;
  double lon = 0;
};

class GraphmlReader {
 public:
  GraphmlReader(std::string_view text, const std::string& name) : lines_(text), name_(name) {}

  int line_of(const pugi::xml_node& n) const {
    const std::ptrdiff_t off = n.offset_debug();
    return off < 0 ? 0 : lines_.at(static_cast<std::size_t>(off)).line;
  }
  std::string at(const pugi::xml_node& n) const { return where(name_, line_of(n)); }

  Status read_keys(const pugi::xml_node& root) {
    for (const auto& k : root.children()) {
      if (k.type() != pugi::node_element || local_name(k.name()) != "key") continue;
      const std::string id = k.attribute("id").value();
      if (id.empty()) return Error::parse(at(k) + "<key> without an id attribute");
      Key key;
      key.name = k.attribute("attr.name") ? k.attribute("attr.name").value() : id;
      key.domain = k.attribute("for") ? k.attribute("for").value() : "all";
      if (auto d = k.child("default")) key.def = d.child_value();
      if (!keys_.emplace(id, std::move(key)).second)
        return Error::parse(at(k) + "duplicate <key id=\"" + id + "\">");
    }
    return Status::Ok();
  }

  // attr.name -> (text, line) of the <data> children of `el`, with the
  // keys' defaults for `domain`.
  Result<std::map<std::string, std::pair<std::string, int>>> data_of(const pugi::xml_node& el,
                                                                     std::string_view domain) {
    std::map<std::string, std::pair<std::string, int>> out;
    for (const auto& d : el.children()) {
      if (d.type() != pugi::node_element || local_name(d.name()) != "data") continue;
      const std::string key = d.attribute("key").value();
      auto it = keys_.find(key);
      if (it == keys_.end()) {
        return Error::parse(at(d) + "<data key=\"" + clean_text(key) +
                            "\"> refers to no <key> declared in the file");
      }
      out[it->second.name] = {d.child_value(), line_of(d)};
    }
    for (const auto& [id, key] : keys_) {
      if (key.def && (key.domain == domain || key.domain == "all") && !out.contains(key.name))
        out[key.name] = {*key.def, 0};
    }
    return out;
  }

  Result<double> number(const std::pair<std::string, int>& v, const char* what,
                        const std::string& owner) const {
    auto x = parse_number(clean_text(v.first));
    if (!x) {
      return Error::parse(where(name_, v.second) + what + " '" + clean_text(v.first) + "' of " +
                          owner + " is not a number");
    }
    return *x;
  }

  const std::string& name() const { return name_; }

 private:
  LineIndex lines_;
  const std::string& name_;
  std::unordered_map<std::string, Key> keys_;
};

}  // namespace

Result<Document> import_graphml_text(std::string_view text, const std::string& source_name,
                                     const ImportOptions& opts) {
  if (auto st = check_options(opts); !st) return st.error();
  GraphmlReader rd(text, source_name);
  pugi::xml_document xml;
  const pugi::xml_parse_result pr =
      xml.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_auto);
  if (!pr) {
    const Pos p =
        LineIndex(text).at(static_cast<std::size_t>(std::max<std::ptrdiff_t>(pr.offset, 0)));
    return Error::parse(source_name + ":" + std::to_string(p.line) + ":" +
                        std::to_string(p.column) +
                        ": GraphML is not well-formed XML: " + pr.description());
  }
  const pugi::xml_node root = xml.document_element();
  if (!root || local_name(root.name()) != "graphml") {
    return Error::parse(rd.at(root) + "not GraphML: the root element is <" +
                        clean_text(root ? root.name() : "") + ">, expected <graphml>");
  }
  if (auto st = rd.read_keys(root); !st) return st.error();
  pugi::xml_node graph;
  for (const auto& g : root.children()) {
    if (g.type() != pugi::node_element || local_name(g.name()) != "graph") continue;
    if (graph) return Error::parse(rd.at(g) + "more than one <graph>; import one graph per file");
    graph = g;
  }
  if (!graph) return Error::parse(source_name + ": no <graph> element in the GraphML file");

  auto gdata = rd.data_of(graph, "graph");
  if (!gdata) return gdata.error();

  Builder b(opts, ImportFormat::kGraphml);
  std::unordered_map<std::string, int> node_of;
  std::vector<std::optional<Coordinates>> coords;
  std::vector<pugi::xml_node> edges;
  for (const auto& el : graph.children()) {
    if (el.type() != pugi::node_element) continue;
    const std::string_view kind = local_name(el.name());
    if (kind == "edge") {
      edges.push_back(el);
      continue;
    }
    if (kind == "hyperedge")
      return Error::parse(rd.at(el) + "GraphML <hyperedge> elements are not supported");
    if (kind != "node") continue;  // <data>, <desc>
    const std::string id = el.attribute("id").value();
    if (id.empty()) return Error::parse(rd.at(el) + "<node> without an id attribute");
    if (el.child("graph")) return Error::parse(rd.at(el) + "nested graphs are not supported");
    if (node_of.contains(id))
      return Error::parse(rd.at(el) + "duplicate node id '" + clean_text(id) + "'");
    auto data = rd.data_of(el, "node");
    if (!data) return data.error();
    const std::string owner = "node '" + clean_text(id) + "'";
    std::string label = data->contains("label") ? clean_text(data->at("label").first) : "";
    const int n = b.add_node(label.empty() ? id : label, id);
    node_of.emplace(id, n);
    std::string country;
    if (data->contains("Country")) country = place_component(data->at("Country").first);
    if (!country.empty()) b.node_feature(n, vocab::kCountry, "/" + country);
    if (!country.empty() && !label.empty())
      b.node_feature(n, vocab::kCity, "/" + country + "/" + place_component(label));
    std::optional<Coordinates> c;
    if (data->contains("Latitude") && data->contains("Longitude")) {
      auto lat = rd.number(data->at("Latitude"), "Latitude", owner);
      if (!lat) return lat.error();
      auto lon = rd.number(data->at("Longitude"), "Longitude", owner);
      if (!lon) return lon.error();
      if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
        return Error::parse(rd.at(el) + "coordinates (" + clean_text(data->at("Latitude").first) +
                            ", " + clean_text(data->at("Longitude").first) + ") of " + owner +
                            " are out of range");
      }
      c = Coordinates{*lat, *lon};
      b.node_feature(n, vocab::kLatitude, format_double(*lat));
      b.node_feature(n, vocab::kLongitude, format_double(*lon));
    }
    coords.push_back(c);
    b.node_defaults(n);
  }
  for (const auto& el : edges) {
    const std::string src = el.attribute("source").value();
    const std::string dst = el.attribute("target").value();
    auto s = node_of.find(src);
    auto t = node_of.find(dst);
    if (src.empty() || dst.empty())
      return Error::parse(rd.at(el) + "<edge> needs source and target attributes");
    if (s == node_of.end())
      return Error::parse(rd.at(el) + "edge source '" + clean_text(src) + "' is not a node id");
    if (t == node_of.end())
      return Error::parse(rd.at(el) + "edge target '" + clean_text(dst) + "' is not a node id");
    if (s->second == t->second)
      return Error::parse(rd.at(el) + "self-loop at node '" + clean_text(src) +
                          "'; a link joins two different nodes");
    auto data = rd.data_of(el, "edge");
    if (!data) return data.error();
    std::string ident = el.attribute("id") ? std::string(el.attribute("id").value()) : "";
    if (ident.empty()) {
      ident = src + "-" + dst;
      if (data->contains("key")) {
        const std::string k = clean_text(data->at("key").first);
        if (!k.empty() && k != "0") ident += "#" + k;
      }
    }
    std::optional<std::string> alias;
    if (data->contains("LinkLabel")) alias = data->at("LinkLabel").first;
    const int l = b.add_link(s->second, t->second, ident, alias);
    const std::string owner = "edge " + clean_text(src) + "-" + clean_text(dst);
    if (data->contains("LinkSpeedRaw")) {
      auto raw = rd.number(data->at("LinkSpeedRaw"), "LinkSpeedRaw", owner);
      if (!raw) return raw.error();
      if (*raw < 0) {
        return Error::parse(where(source_name, data->at("LinkSpeedRaw").second) +
                            "negative LinkSpeedRaw of " + owner);
      }
      if (*raw > 0) {
        const double mbps = *raw / 1e6;
        b.link_resource(l, vocab::kBandwidth, "bw", mbps, "Mbps");
      }
    }
    const auto& ca = coords[static_cast<std::size_t>(s->second)];
    const auto& cb = coords[static_cast<std::size_t>(t->second)];
    if (ca && cb && !b.request()) {
      b.link_resource(l, vocab::kLatency, "lat",
                      great_circle_latency_ms(ca->lat, ca->lon, cb->lat, cb->lon), "ms");
    }
    b.link_defaults(l);
  }
  std::string net;
  if (gdata->contains("Network")) net = clean_text(gdata->at("Network").first);
  if (net.empty() && gdata->contains("label")) net = clean_text(gdata->at("label").first);
  if (net.empty()) net = file_stem(source_name);
  return b.finish(net, std::nullopt);
}

Result<Document> import_graphml(const std::string& path, const ImportOptions& opts) {
  auto text = read_text_file(path, "GraphML file");
  if (!text) return text.error();
  return import_graphml_text(*text, path, opts);
}

}  // namespace cloudnet::flerd
