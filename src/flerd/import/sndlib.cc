// SNDlib network JSON -> FleRD (see import.h for the capacity rule and the
// merging of antiparallel links).
#include <map>
#include <unordered_map>

#include "flerd/codec.h"
#include "flerd/import/builder.h"
#include "flerd/io.h"
#include "flerd/vocabulary.h"

namespace cloudnet::flerd {

using namespace import_detail;

namespace {

class Json {
 public:
  explicit Json(const std::string& name) : name_(name) {}

  std::string at(const Node& n) const { return where(name_, n.pos.line); }

  const Node* field(const Node& obj, std::string_view key) const {
    for (const auto& [k, v] : obj.fields) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  Result<std::string> text(const Node& obj, std::string_view key, const std::string& owner) const {
    const Node* v = field(obj, key);
    if (!v) return Error::parse(at(obj) + owner + " has no '" + std::string(key) + "'");
    if (v->kind != Node::Kind::kScalar || v->style != Node::Style::kString) {
      return Error::parse(at(*v) + "'" + std::string(key) + "' of " + owner +
                          " must be a string, found " + v->kind_name());
    }
    return v->scalar;
  }
  Result<double> number(const Node& obj, std::string_view key, const std::string& owner) const {
    const Node* v = field(obj, key);
    if (!v) return Error::parse(at(obj) + owner + " has no '" + std::string(key) + "'");
    std::optional<double> x;
    if (v->kind == Node::Kind::kScalar && v->style == Node::Style::kNumber)
      x = parse_number(v->scalar);
    if (!x) {
      const std::string found =
          v->kind == Node::Kind::kScalar ? quoted(v->scalar, '\'') : std::string(v->kind_name());
      return Error::parse(at(*v) + "'" + std::string(key) + "' of " + owner +
                          " must be a number, found " + found);
    }
    return *x;
  }
  Result<const Node*> list(const Node& obj, std::string_view key, const std::string& owner) const {
    const Node* v = field(obj, key);
    if (!v) return Error::parse(at(obj) + owner + " has no '" + std::string(key) + "' list");
    if (v->kind != Node::Kind::kList) {
      return Error::parse(at(*v) + "'" + std::string(key) + "' of " + owner +
                          " must be a list, found " + v->kind_name());
    }
    return v;
  }

 private:
  const std::string& name_;
};

struct Merged {
  int a = 0;
  int b = 0;
  std::vector<std::string> ids;
  double capacity = 0;
  bool has_capacity = false;
};

}  // namespace

Result<Document> import_sndlib_text(std::string_view text, const std::string& source_name,
                                    const ImportOptions& opts) {
  if (auto st = check_options(opts); !st) return st.error();
  Diagnostics diags;
  const Node root = parse_json(text, source_name, diags);
  if (diags.has_errors()) return Error::parse(diags.items().front().format());
  const Json js(source_name);
  if (root.kind != Node::Kind::kMap) {
    return Error::parse(js.at(root) +
                        "expected an SNDlib network (a JSON object with nodes and "
                        "links), found " +
                        root.kind_name());
  }
  auto nodes = js.list(root, "nodes", "the network");
  if (!nodes) return nodes.error();
  auto links = js.list(root, "links", "the network");
  if (!links) return links.error();

  Builder b(opts, ImportFormat::kSndlib);
  std::unordered_map<std::string, int> node_of;
  struct LatLon {
    double lat, lon;
  };
  std::vector<LatLon> coords;
  for (std::size_t i = 0; i < (*nodes)->items.size(); ++i) {
    const Node& n = (*nodes)->items[i];
    const std::string owner = "nodes[" + std::to_string(i) + "]";
    if (n.kind != Node::Kind::kMap)
      return Error::parse(js.at(n) + owner + " must be an object, found " + n.kind_name());
    auto id = js.text(n, "id", owner);
    if (!id) return id.error();
    if (clean_text(*id).empty()) return Error::parse(js.at(n) + owner + " has an empty id");
    const std::string who = "node '" + clean_text(*id) + "'";
    auto lon = js.number(n, "longitude", who);
    if (!lon) return lon.error();
    auto lat = js.number(n, "latitude", who);
    if (!lat) return lat.error();
    if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180)
      return Error::parse(js.at(n) + "coordinates of " + who + " are out of range");
    if (node_of.contains(*id)) return Error::parse(js.at(n) + "duplicate " + who);
    const int k = b.add_node(*id);
    node_of.emplace(*id, k);
    coords.push_back({*lat, *lon});
    b.node_feature(k, vocab::kLatitude, format_double(*lat));
    b.node_feature(k, vocab::kLongitude, format_double(*lon));
    b.node_defaults(k);
  }

  std::vector<Merged> merged;
  std::map<std::pair<int, int>, std::size_t> by_pair;
  std::unordered_map<std::string, int> link_ids;
  for (std::size_t i = 0; i < (*links)->items.size(); ++i) {
    const Node& l = (*links)->items[i];
    const std::string owner = "links[" + std::to_string(i) + "]";
    if (l.kind != Node::Kind::kMap)
      return Error::parse(js.at(l) + owner + " must be an object, found " + l.kind_name());
    auto id = js.text(l, "id", owner);
    if (!id) return id.error();
    const std::string who = "link '" + clean_text(*id) + "'";
    if (!link_ids.emplace(*id, 0).second) return Error::parse(js.at(l) + "duplicate " + who);
    auto src = js.text(l, "source", who);
    if (!src) return src.error();
    auto dst = js.text(l, "target", who);
    if (!dst) return dst.error();
    auto s = node_of.find(*src);
    if (s == node_of.end())
      return Error::parse(js.at(l) + "source '" + clean_text(*src) + "' of " + who +
                          " is not a node id");
    auto t = node_of.find(*dst);
    if (t == node_of.end())
      return Error::parse(js.at(l) + "target '" + clean_text(*dst) + "' of " + who +
                          " is not a node id");
    if (s->second == t->second) return Error::parse(js.at(l) + who + " is a self-loop");
    // Capacity: what is installed, else one module of the largest kind.
    double capacity = 0;
    bool has_capacity = false;
    if (js.field(l, "pre_installed_capacity")) {
      auto pre = js.number(l, "pre_installed_capacity", who);
      if (!pre) return pre.error();
      if (*pre < 0) return Error::parse(js.at(l) + who + " has a negative pre_installed_capacity");
      if (*pre > 0) {
        capacity = *pre;
        has_capacity = true;
      }
    }
    if (const Node* mods = js.field(l, "modules")) {
      if (mods->kind != Node::Kind::kList)
        return Error::parse(js.at(*mods) + "'modules' of " + who + " must be a list");
      double largest = 0;
      for (const Node& m : mods->items) {
        if (m.kind != Node::Kind::kMap)
          return Error::parse(js.at(m) + "a module of " + who + " must be an object");
        auto c = js.number(m, "module_capacity", "a module of " + who);
        if (!c) return c.error();
        if (*c < 0) return Error::parse(js.at(m) + "negative module_capacity in " + who);
        largest = std::max(largest, *c);
      }
      if (!has_capacity && largest > 0) {
        capacity = largest;
        has_capacity = true;
      }
    }
    const std::pair<int, int> key{std::min(s->second, t->second), std::max(s->second, t->second)};
    auto it = by_pair.find(key);
    if (it == by_pair.end()) {
      by_pair.emplace(key, merged.size());
      merged.push_back(Merged{s->second, t->second, {*id}, capacity, has_capacity});
    } else {
      Merged& m = merged[it->second];  // janos-us: the other orientation
      m.ids.push_back(*id);
      m.capacity += capacity;
      m.has_capacity = m.has_capacity || has_capacity;
    }
  }
  for (const Merged& m : merged) {
    std::string ident;
    for (const auto& id : m.ids) {
      if (!ident.empty()) ident += '+';
      ident += id;
    }
    const int l = b.add_link(m.a, m.b, ident);
    if (m.has_capacity) b.link_resource(l, vocab::kBandwidth, "bw", m.capacity, "Mbps");
    if (!b.request()) {
      const LatLon& ca = coords[static_cast<std::size_t>(m.a)];
      const LatLon& cb = coords[static_cast<std::size_t>(m.b)];
      b.link_resource(l, vocab::kLatency, "lat",
                      great_circle_latency_ms(ca.lat, ca.lon, cb.lat, cb.lon), "ms");
    }
    b.link_defaults(l);
  }
  return b.finish(file_stem(source_name), std::nullopt);
}

Result<Document> import_sndlib(const std::string& path, const ImportOptions& opts) {
  auto text = read_text_file(path, "SNDlib file");
  if (!text) return text.error();
  return import_sndlib_text(*text, path, opts);
}

}  // namespace cloudnet::flerd
