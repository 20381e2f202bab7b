// Rocketfuel weights.intra / latencies.intra -> FleRD (see import.h).
#include <map>
#include <unordered_map>

#include "flerd/import/builder.h"
#include "flerd/vocabulary.h"

namespace cloudnet::flerd {

using namespace import_detail;

namespace {

struct Line {
  std::string a;
  std::string b;
  double value = 0;
  std::string raw;  // the value as written
  int line = 0;
};

std::string excerpt(std::string_view s) {
  std::string t = clean_text(s);
  if (t.size() > 80) t = t.substr(0, 77) + "...";
  return t;
}

// One directed link per line: "<router-A> <router-B> <value>".
Result<std::vector<Line>> parse_intra(std::string_view text, const std::string& name,
                                      const char* what) {
  if (text.find('\0') != std::string_view::npos)
    return Error::parse(name + ": not a text file (NUL byte); expected Rocketfuel .intra lines");
  std::vector<Line> out;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i >= line.size()) break;
      std::size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
      fields.push_back(line.substr(i, j - i));
      i = j;
    }
    if (fields.empty()) continue;  // blank line
    if (fields.size() != 3) {
      return Error::parse(where(name, line_no) +
                          "malformed line: expected '<router-A> <router-B> <" + what +
                          ">' (3 fields), found " + std::to_string(fields.size()) + " field(s): '" +
                          excerpt(line) + "'");
    }
    auto v = parse_number(fields[2]);
    if (!v || *v < 0) {
      return Error::parse(where(name, line_no) + "bad " + what + " '" + excerpt(fields[2]) +
                          "'; expected a number >= 0");
    }
    if (fields[0] == fields[1]) {
      return Error::parse(where(name, line_no) + "self-loop at router '" + excerpt(fields[0]) +
                          "'; a link joins two different routers");
    }
    out.push_back(
        Line{std::string(fields[0]), std::string(fields[1]), *v, std::string(fields[2]), line_no});
  }
  if (out.empty())
    return Error::parse(name + ": no links; expected '<router-A> <router-B> <" + what + ">' lines");
  return out;
}

std::string router_alias(const std::string& name) {
  std::string s = name;
  while (!s.empty() && s.back() >= '0' && s.back() <= '9') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = ' ';
  }
  return s;
}

// "AS1221" from .../1221/weights.intra, else the file name.
std::string network_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    const auto prev = path.find_last_of('/', slash - 1);
    const std::string dir = path.substr(prev == std::string::npos ? 0 : prev + 1,
                                        slash - (prev == std::string::npos ? 0 : prev + 1));
    if (!dir.empty() && dir.find_first_not_of("0123456789") == std::string::npos) return "AS" + dir;
    if (!dir.empty() && dir != "." && dir != "..") return dir;
  }
  return file_stem(path);
}

}  // namespace

Result<Document> import_rocketfuel_text(std::string_view weights, const std::string& weights_name,
                                        std::optional<std::string_view> latencies,
                                        const std::string& latencies_name,
                                        const ImportOptions& opts) {
  if (auto st = check_options(opts); !st) return st.error();
  auto wl = parse_intra(weights, weights_name, "weight");
  if (!wl) return wl.error();

  using Pair = std::pair<std::string, std::string>;
  std::map<Pair, std::size_t> directed;  // (a, b) -> index into *wl
  std::map<Pair, int> undirected;        // (min, max) -> link
  std::unordered_map<std::string, int> node_of;
  std::vector<std::size_t> link_line;  // first line of each link

  Builder b(opts, ImportFormat::kRocketfuel);
  auto node = [&](const std::string& name) {
    auto it = node_of.find(name);
    if (it != node_of.end()) return it->second;
    const int n = b.add_node(name, router_alias(name));
    node_of.emplace(name, n);
    return n;
  };
  for (std::size_t i = 0; i < wl->size(); ++i) {
    const Line& l = (*wl)[i];
    auto [dit, fresh] = directed.emplace(Pair{l.a, l.b}, i);
    if (!fresh) {
      return Error::parse(where(weights_name, l.line) + "duplicate link " + excerpt(l.a) + " -> " +
                          excerpt(l.b) + " (first at line " +
                          std::to_string((*wl)[dit->second].line) + ")");
    }
    const Pair key = l.a < l.b ? Pair{l.a, l.b} : Pair{l.b, l.a};
    auto uit = undirected.find(key);
    if (uit != undirected.end()) {
      const Line& first = (*wl)[link_line[static_cast<std::size_t>(uit->second)]];
      if (first.value != l.value) {
        return Error::parse(where(weights_name, l.line) + "weight " + excerpt(l.raw) + " of " +
                            excerpt(l.a) + " -> " + excerpt(l.b) +
                            " differs from the other direction's (line " +
                            std::to_string(first.line) + "); links are symmetric");
      }
      continue;
    }
    const int na = node(l.a);
    const int nb = node(l.b);
    const int link = b.add_link(na, nb, l.a + " " + l.b);
    undirected.emplace(key, link);
    link_line.push_back(i);
    b.link_resource(link, vocab::kWeight, "w", l.value, "units");
  }

  if (latencies) {
    auto ll = parse_intra(*latencies, latencies_name, "latency");
    if (!ll) return ll.error();
    std::map<Pair, std::size_t> seen;
    std::vector<std::optional<double>> lat(b.link_count());
    for (std::size_t i = 0; i < ll->size(); ++i) {
      const Line& l = (*ll)[i];
      if (!directed.contains(Pair{l.a, l.b})) {
        return Error::invalid(where(latencies_name, l.line) + "link " + excerpt(l.a) + " -> " +
                              excerpt(l.b) + " is not in the weights file " + weights_name +
                              "; both files must list the same router pairs");
      }
      auto [sit, fresh] = seen.emplace(Pair{l.a, l.b}, i);
      if (!fresh) {
        return Error::parse(where(latencies_name, l.line) + "duplicate link " + excerpt(l.a) +
                            " -> " + excerpt(l.b) + " (first at line " +
                            std::to_string((*ll)[sit->second].line) + ")");
      }
      const Pair key = l.a < l.b ? Pair{l.a, l.b} : Pair{l.b, l.a};
      auto& slot = lat[static_cast<std::size_t>(undirected.at(key))];
      if (slot && *slot != l.value) {
        return Error::parse(where(latencies_name, l.line) + "latency of " + excerpt(l.a) + " -> " +
                            excerpt(l.b) +
                            " differs from the other direction's; links are "
                            "symmetric");
      }
      slot = l.value;
    }
    for (const Line& l : *wl) {
      if (!seen.contains(Pair{l.a, l.b})) {
        return Error::invalid(where(weights_name, l.line) + "link " + excerpt(l.a) + " -> " +
                              excerpt(l.b) + " has no latency in " + latencies_name +
                              "; both files must list the same router pairs");
      }
    }
    for (std::size_t link = 0; link < lat.size(); ++link)
      b.link_resource(static_cast<int>(link), vocab::kLatency, "lat", *lat[link], "ms");
  }
  for (std::size_t n = 0; n < b.node_count(); ++n) b.node_defaults(static_cast<int>(n));
  for (std::size_t l = 0; l < b.link_count(); ++l) b.link_defaults(static_cast<int>(l));
  return b.finish(network_name(weights_name), std::nullopt);
}

Result<Document> import_rocketfuel(const std::string& weights_path,
                                   const std::optional<std::string>& latencies_path,
                                   const ImportOptions& opts) {
  auto w = read_text_file(weights_path, "weights file");
  if (!w) return w.error();
  if (!latencies_path) return import_rocketfuel_text(*w, weights_path, std::nullopt, {}, opts);
  auto l = read_text_file(*latencies_path, "latencies file");
  if (!l) return l.error();
  return import_rocketfuel_text(*w, weights_path, std::string_view(*l), *latencies_path, opts);
}

}  // namespace cloudnet::flerd
