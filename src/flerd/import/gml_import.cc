// GML (virne, networkx, Topology Zoo) -> FleRD (see import.h).
#include <cmath>
#include <map>
#include <unordered_map>

#include "flerd/codec.h"
#include "flerd/import/builder.h"
#include "flerd/import/gml.h"
#include "flerd/vocabulary.h"

namespace cloudnet::flerd {

using namespace import_detail;

namespace {

class GmlReader {
 public:
  explicit GmlReader(const std::string& name) : name_(name) {}

  std::string at(const gml::Value& v) const { return where(name_, v.line); }

  // A number attribute used once at most; nullopt if absent.
  Result<std::optional<double>> amount(const gml::Value& list, std::string_view key,
                                       const std::string& owner) const {
    auto all = list.all(key);
    if (all.empty()) return std::optional<double>{};
    if (all.size() > 1) {
      return Error::parse(at(*all[1]) + "'" + std::string(key) + "' given twice for " + owner);
    }
    const gml::Value& v = *all.front();
    if (!v.is_number()) {
      const std::string found =
          v.kind == gml::Value::Kind::kList ? std::string("a list") : quoted(v.text, '"');
      return Error::parse(at(v) + "'" + std::string(key) + "' of " + owner +
                          " must be a number, found " + found);
    }
    if (!std::isfinite(v.number) || v.number < 0) {
      return Error::parse(at(v) + "'" + std::string(key) + "' of " + owner + " is " + v.text +
                          "; expected a finite number >= 0");
    }
    return std::optional<double>{v.number};
  }

  // A number attribute that may be any finite value (coordinates).
  Result<std::optional<double>> coordinate(const gml::Value& list, std::string_view key,
                                           const std::string& owner) const {
    const gml::Value* v = list.find(key);
    if (!v) return std::optional<double>{};
    if (!v->is_number() || !std::isfinite(v->number)) {
      return Error::parse(at(*v) + "'" + std::string(key) + "' of " + owner +
                          " must be a finite number");
    }
    return std::optional<double>{v->number};
  }

 private:
  const std::string& name_;
};

// Text of a scalar (strings as decoded, numbers as written); "" for lists.
std::string scalar_text(const gml::Value* v) {
  if (!v || v->kind == gml::Value::Kind::kList) return {};
  return v->text;
}

struct LatLon {
  double lat = 0;
  double lon = 0;
};

}  // namespace

Result<Document> import_gml_text(std::string_view text, const std::string& source_name,
                                 const ImportOptions& opts) {
  if (auto st = check_options(opts); !st) return st.error();
  auto top = gml::parse(text, source_name);
  if (!top) return top.error();
  const GmlReader rd(source_name);
  const auto graphs = top->all("graph");
  if (graphs.empty()) return Error::parse(source_name + ": no 'graph [ ... ]' in the GML file");
  if (graphs.size() > 1)
    return Error::parse(rd.at(*graphs[1]) + "more than one graph; import one graph per file");
  const gml::Value& g = *graphs.front();
  if (g.kind != gml::Value::Kind::kList)
    return Error::parse(rd.at(g) + "'graph' must be a [ list ]");

  Builder b(opts, ImportFormat::kGml);
  std::unordered_map<std::int64_t, int> node_of;
  std::vector<std::optional<LatLon>> coords;
  for (const auto& [key, v] : g.items) {
    if (key != "node") continue;
    if (v.kind != gml::Value::Kind::kList)
      return Error::parse(rd.at(v) + "'node' must be a [ list ]");
    const auto ids = v.all("id");
    if (ids.empty()) return Error::parse(rd.at(v) + "node without an 'id'");
    if (ids.size() > 1) return Error::parse(rd.at(*ids[1]) + "node with two 'id's");
    auto id = ids.front()->as_int();
    if (!id) {
      return Error::parse(rd.at(*ids.front()) + "node id '" + clean_text(ids.front()->text) +
                          "' is not an integer");
    }
    const std::string owner = "node " + std::to_string(*id);
    if (node_of.contains(*id)) return Error::parse(rd.at(v) + "duplicate " + owner);
    const std::string label = clean_text(scalar_text(v.find("label")));
    const int n = b.add_node(label.empty() ? std::to_string(*id) : label, std::to_string(*id));
    node_of.emplace(*id, n);

    // virne resources.
    const struct {
      const char* key;
      const char* attribute;
      const char* unit;
    } resources[] = {
        {"cpu", vocab::kCpu, "units"}, {"gpu", vocab::kGpu, "units"}, {"ram", vocab::kRam, "GB"}};
    for (const auto& r : resources) {
      auto x = rd.amount(v, r.key, owner);
      if (!x) return x.error();
      if (*x) b.node_resource(n, r.attribute, r.key, **x, r.unit);
    }
    // Topology Zoo attributes.
    const std::string country = place_component(scalar_text(v.find("Country")));
    if (!country.empty()) b.node_feature(n, vocab::kCountry, "/" + country);
    if (!country.empty() && !label.empty())
      b.node_feature(n, vocab::kCity, "/" + country + "/" + place_component(label));
    auto lat = rd.coordinate(v, "Latitude", owner);
    if (!lat) return lat.error();
    auto lon = rd.coordinate(v, "Longitude", owner);
    if (!lon) return lon.error();
    std::optional<LatLon> c;
    if (*lat && *lon) {
      if (**lat < -90 || **lat > 90 || **lon < -180 || **lon > 180)
        return Error::parse(rd.at(v) + "coordinates of " + owner + " are out of range");
      c = LatLon{**lat, **lon};
      b.node_feature(n, vocab::kLatitude, format_double(**lat));
      b.node_feature(n, vocab::kLongitude, format_double(**lon));
    }
    coords.push_back(c);
    b.node_defaults(n);
  }

  for (const auto& [key, v] : g.items) {
    if (key != "edge") continue;
    if (v.kind != gml::Value::Kind::kList)
      return Error::parse(rd.at(v) + "'edge' must be a [ list ]");
    int ends[2] = {0, 0};
    std::string end_text[2];
    const char* end_keys[2] = {"source", "target"};
    for (int e = 0; e < 2; ++e) {
      const gml::Value* x = v.find(end_keys[e]);
      if (!x) return Error::parse(rd.at(v) + "edge without a '" + end_keys[e] + "'");
      auto id = x->as_int();
      if (!id) {
        return Error::parse(rd.at(*x) + "edge " + end_keys[e] + " '" + clean_text(x->text) +
                            "' is not an integer node id");
      }
      auto it = node_of.find(*id);
      if (it == node_of.end()) {
        return Error::parse(rd.at(*x) + "edge " + end_keys[e] + " " + std::to_string(*id) +
                            " is not a node id");
      }
      ends[e] = it->second;
      end_text[e] = std::to_string(*id);
    }
    if (ends[0] == ends[1])
      return Error::parse(rd.at(v) + "self-loop at node " + end_text[0] +
                          "; a link joins two different nodes");
    std::string ident = end_text[0] + "-" + end_text[1];
    const std::string k = clean_text(scalar_text(v.find("key")));
    if (!k.empty() && k != "0") ident += "#" + k;
    std::optional<std::string> alias;
    if (const gml::Value* ll = v.find("LinkLabel"); ll && ll->kind != gml::Value::Kind::kList)
      alias = ll->text;
    const int l = b.add_link(ends[0], ends[1], ident, alias);
    const std::string owner = "edge " + ident;
    auto bw = rd.amount(v, "bw", owner);
    if (!bw) return bw.error();
    auto raw = rd.amount(v, "LinkSpeedRaw", owner);
    if (!raw) return raw.error();
    if (*bw) {
      b.link_resource(l, vocab::kBandwidth, "bw", **bw, "Mbps");
    } else if (*raw && **raw > 0) {
      b.link_resource(l, vocab::kBandwidth, "bw", **raw / 1e6, "Mbps");
    }
    const auto& ca = coords[static_cast<std::size_t>(ends[0])];
    const auto& cb = coords[static_cast<std::size_t>(ends[1])];
    if (ca && cb && !b.request()) {
      b.link_resource(l, vocab::kLatency, "lat",
                      great_circle_latency_ms(ca->lat, ca->lon, cb->lat, cb->lon), "ms");
    }
    b.link_defaults(l);
  }

  std::string net;
  for (const char* k : {"Network", "label", "name"}) {
    if (net.empty()) net = clean_text(scalar_text(g.find(k)));
  }
  if (net.empty()) net = file_stem(source_name);
  // virne v_net requests: keep when it arrives and how long it stays.
  std::string tag;
  for (const char* k : {"id", "arrival_time", "lifetime"}) {
    const gml::Value* x = g.find(k);
    if (!x || x->kind == gml::Value::Kind::kList) continue;
    if (!tag.empty()) tag += ';';
    tag += k;
    tag += '=';
    tag += clean_text(x->text);
  }
  return b.finish(net, tag.empty() ? std::nullopt : std::optional<std::string>(tag));
}

Result<Document> import_gml(const std::string& path, const ImportOptions& opts) {
  auto text = read_text_file(path, "GML file");
  if (!text) return text.error();
  return import_gml_text(*text, path, opts);
}

}  // namespace cloudnet::flerd
