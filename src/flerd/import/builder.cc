#include "flerd/import/builder.h"

#include "flerd/utf8.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "flerd/type_path.h"
#include "flerd/validate.h"
#include "flerd/vocabulary.h"

namespace cloudnet::flerd::import_detail {

bool is_ncname(std::string_view s) {
  if (s.empty()) return false;
  auto start = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!start(static_cast<unsigned char>(s[0]))) return false;
  for (char ch : s.substr(1)) {
    const auto c = static_cast<unsigned char>(ch);
    if (!start(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.') return false;
  }
  return true;
}

std::string clean_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if (len == 1) {
      const auto c = static_cast<unsigned char>(s[i]);
      out += (c < 0x20 || c == 0x7F) ? ' ' : static_cast<char>(c);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  const auto b = out.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  const auto e = out.find_last_not_of(' ');
  return out.substr(b, e - b + 1);
}

std::string quoted(std::string_view s, char q) {
  const std::string body = clean_text(s);
  std::string out;
  out.reserve(body.size() + 2);
  out.push_back(q);
  out.append(body);
  out.push_back(q);
  return out;
}

std::optional<double> parse_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  // from_chars also takes "inf" and "nan"; only plain decimals here.
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
      return std::nullopt;
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string where(const std::string& source, int line) {
  if (line <= 0) return source + ": ";
  return source + ":" + std::to_string(line) + ": ";
}

Result<std::string> read_text_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error::io(std::string("cannot open ") + what + " '" + path +
                     "': " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error::io(std::string("cannot read ") + what + " '" + path + "'");
  return ss.str();
}

std::string file_stem(const std::string& path) {
  std::string name = path;
  const auto slash = name.find_last_of('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  const auto dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0) name = name.substr(0, dot);
  return name;
}

std::string place_component(std::string_view s) {
  std::string out = clean_text(s);
  for (char& c : out) {
    if (c == '/') c = '-';
  }
  return out;
}

}  // namespace cloudnet::flerd::import_detail

namespace cloudnet::flerd {

using import_detail::clean_text;

Status check_import_options(const ImportOptions& opts) {
  if (!opts.id_prefix.empty() && !import_detail::is_ncname(opts.id_prefix)) {
    return Error::invalid("id prefix '" + opts.id_prefix +
                          "' is not an XML name (a letter or '_', then letters, digits, '-', "
                          "'.', '_')");
  }
  if (clean_text(opts.role_identifier).empty()) return Error::invalid("role identifier is empty");
  if (clean_text(opts.role_identifier) != opts.role_identifier ||
      clean_text(opts.net_identifier) != opts.net_identifier)
    return Error::invalid("role and net identifiers must not start or end with blanks");
  const std::pair<const char*, double> amounts[] = {
      {"default CPU", opts.default_cpu},
      {"default GPU", opts.default_gpu},
      {"default RAM", opts.default_ram_gb},
      {"default disk", opts.default_disk_gb},
      {"default bandwidth", opts.default_bandwidth_mbps},
      {"default latency", opts.default_latency_ms}};
  for (const auto& [name, v] : amounts) {
    if (!std::isfinite(v) || v < 0)
      return Error::invalid(std::string(name) + " must be a number >= 0 (0 leaves it out)");
  }
  if (!opts.node_type.empty()) {
    std::string why;
    auto p = TypePath::parse(opts.node_type, &why);
    if (!p) return Error::invalid("node type '" + opts.node_type + "' is not a type path: " + why);
    if (p->category() != "node")
      return Error::invalid("node type '" + opts.node_type + "' is not under /node");
  }
  return Status::Ok();
}

}  // namespace cloudnet::flerd

namespace cloudnet::flerd::import_detail {

// ---------------------------------------------------------------- Builder

Builder::Builder(const ImportOptions& opts, ImportFormat format) : opts_(opts), format_(format) {}

int Builder::add_node(std::string identifier, std::optional<std::string> alias) {
  NodeRec n;
  n.identifier = clean_text(identifier);
  if (alias) {
    alias = clean_text(*alias);
    if (alias->empty() || *alias == n.identifier) alias.reset();
  }
  n.alias = std::move(alias);
  nodes_.push_back(std::move(n));
  return static_cast<int>(nodes_.size() - 1);
}

int Builder::add_link(int a, int b, std::string identifier, std::optional<std::string> alias) {
  LinkRec l;
  l.a = a;
  l.b = b;
  l.identifier = clean_text(identifier);
  if (alias) {
    alias = clean_text(*alias);
    if (alias->empty() || *alias == l.identifier) alias.reset();
  }
  l.alias = std::move(alias);
  links_.push_back(std::move(l));
  const int id = static_cast<int>(links_.size() - 1);
  nodes_[static_cast<std::size_t>(a)].ends.emplace_back(id, 0);
  nodes_[static_cast<std::size_t>(b)].ends.emplace_back(id, 1);
  return id;
}

void Builder::node_resource(int node, const char* attribute, const char* suffix, double value,
                            const char* unit) {
  nodes_[static_cast<std::size_t>(node)].resources.push_back(Res{attribute, suffix, value, unit});
}

void Builder::link_resource(int link, const char* attribute, const char* suffix, double value,
                            const char* unit) {
  links_[static_cast<std::size_t>(link)].resources.push_back(Res{attribute, suffix, value, unit});
}

void Builder::node_feature(int node, const char* attribute, std::string value) {
  Feature f;
  f.attribute = attribute;
  f.value = clean_text(value);
  f.request_flag = opts_.as_request;
  nodes_[static_cast<std::size_t>(node)].features.push_back(std::move(f));
}

bool Builder::node_has(int node, const char* attribute) const {
  for (const auto& r : nodes_[static_cast<std::size_t>(node)].resources) {
    if (r.attribute == attribute) return true;
  }
  return false;
}

bool Builder::link_has(int link, const char* attribute) const {
  for (const auto& r : links_[static_cast<std::size_t>(link)].resources) {
    if (r.attribute == attribute) return true;
  }
  return false;
}

void Builder::node_defaults(int node) {
  if (opts_.as_request) return;
  auto add = [&](const char* attr, const char* suffix, double v, const char* unit) {
    if (v > 0 && !node_has(node, attr)) node_resource(node, attr, suffix, v, unit);
  };
  add(vocab::kCpu, "cpu", opts_.default_cpu, "cores");
  add(vocab::kGpu, "gpu", opts_.default_gpu, "units");
  add(vocab::kRam, "ram", opts_.default_ram_gb, "GB");
  add(vocab::kDisk, "disk", opts_.default_disk_gb, "GB");
}

void Builder::link_defaults(int link) {
  if (opts_.as_request) return;
  auto add = [&](const char* attr, const char* suffix, double v, const char* unit) {
    if (v > 0 && !link_has(link, attr)) link_resource(link, attr, suffix, v, unit);
  };
  add(vocab::kBandwidth, "bw", opts_.default_bandwidth_mbps, "Mbps");
  add(vocab::kLatency, "lat", opts_.default_latency_ms, "ms");
}

std::string Builder::id(const std::string& local) const {
  return opts_.id_prefix.empty() ? local : opts_.id_prefix + ":" + local;
}

namespace {
template <class T>
Ref<T> ref(std::string id) {
  Ref<T> r;
  r.id = std::move(id);
  return r;
}
}  // namespace

Resource Builder::make_resource(const std::string& element_id, const Res& r) const {
  Resource res;
  res.id = element_id + r.suffix;
  res.attribute = r.attribute;
  res.value = r.value;
  res.resource_unit = r.unit;
  res.request_flag = opts_.as_request;
  if (opts_.as_request) res.value_type = vocab::kMinimum;
  return res;
}

Result<Document> Builder::finish(const std::string& network_name, std::optional<std::string> tag) {
  const bool req = opts_.as_request;
  const std::string node_type =
      !opts_.node_type.empty() ? opts_.node_type : (req ? vocab::kNodeGeneric : vocab::kNodeServer);
  const char* link_type = req ? vocab::kLinkGeneric : vocab::kLinkEthernet;
  const char* if_type = req ? vocab::kInterfaceGeneric : vocab::kInterfaceEthernet;
  const char* if_name = req ? "if" : "eth";

  Document doc;
  if (!opts_.id_prefix.empty()) {
    doc.namespaces[opts_.id_prefix] = !opts_.namespace_uri.empty()
                                          ? opts_.namespace_uri
                                          : std::string("/cloudnet/import/") + to_string(format_);
  }
  Topology& topo = doc.topologies.emplace_back();
  GraphLabel label;
  label.id = id(req ? "ol0" : "ul0");
  label.role_identifier = opts_.role_identifier;
  label.graph_type = req ? GraphType::OL : GraphType::UL;
  label.graph_nr = 0;
  if (tag) {
    std::string t = clean_text(*tag);
    if (!t.empty()) label.tag = std::move(t);
  }
  std::string net = opts_.net_identifier.empty() ? clean_text(network_name) : opts_.net_identifier;
  if (!net.empty()) label.net_identifier = std::move(net);
  topo.graphLabel = label;

  auto node_id = [&](std::size_t n) { return id("n" + std::to_string(n)); };
  auto link_id = [&](std::size_t l) { return id("l" + std::to_string(l)); };

  topo.networkElements.reserve(nodes_.size() + links_.size());
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    const NodeRec& rec = nodes_[n];
    NetworkElement ne;
    ne.id = node_id(n);
    ne.identifier = rec.identifier.empty() ? "n" + std::to_string(n) : rec.identifier;
    ne.alias = rec.alias;
    ne.ne_type = node_type;
    ne.graphLabel = ref<GraphLabel>(label.id);
    for (const Res& r : rec.resources) {
      topo.resources.push_back(make_resource(ne.id, r));
      ne.resource.push_back(ref<Resource>(topo.resources.back().id));
    }
    ne.features = rec.features;
    for (std::size_t k = 0; k < rec.ends.size(); ++k) {
      const auto [link, end] = rec.ends[k];
      NetworkInterface ni;
      ni.id = ne.id + "i" + std::to_string(k);
      ni.identifier = if_name + std::to_string(k);
      ni.ni_type = if_type;
      ni.connectedInterface = ref<NetworkInterface>(link_id(static_cast<std::size_t>(link)) + "i" +
                                                    std::to_string(end));
      ne.networkInterfaces.push_back(std::move(ni));
    }
    topo.networkElements.push_back(std::move(ne));
  }
  // Which interface of a node each link end is connected to.
  std::vector<std::array<std::string, 2>> peer(links_.size());
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    const auto& ends = nodes_[n].ends;
    for (std::size_t k = 0; k < ends.size(); ++k) {
      peer[static_cast<std::size_t>(ends[k].first)][static_cast<std::size_t>(ends[k].second)] =
          node_id(n) + "i" + std::to_string(k);
    }
  }
  for (std::size_t l = 0; l < links_.size(); ++l) {
    const LinkRec& rec = links_[l];
    NetworkElement ne;
    ne.id = link_id(l);
    ne.identifier = rec.identifier.empty() ? "l" + std::to_string(l) : rec.identifier;
    ne.alias = rec.alias;
    ne.ne_type = link_type;
    ne.graphLabel = ref<GraphLabel>(label.id);
    for (const Res& r : rec.resources) {
      topo.resources.push_back(make_resource(ne.id, r));
      ne.resource.push_back(ref<Resource>(topo.resources.back().id));
    }
    for (int end = 0; end < 2; ++end) {
      NetworkInterface ni;
      ni.id = ne.id + "i" + std::to_string(end);
      ni.identifier = "i" + std::to_string(end);
      ni.ni_type = if_type;
      ni.connectedInterface = ref<NetworkInterface>(peer[l][static_cast<std::size_t>(end)]);
      ne.networkInterfaces.push_back(std::move(ni));
    }
    topo.networkElements.push_back(std::move(ne));
  }

  // A document we generate must be valid; anything else is a bug here.
  Diagnostics d = doc.resolve();
  if (!d.has_errors()) d.append(validate(doc));
  if (d.has_errors()) {
    return Error::internal("the imported document does not validate (importer bug):\n" +
                           d.format());
  }
  return doc;
}

}  // namespace cloudnet::flerd::import_detail
