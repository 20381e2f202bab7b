#include "daemon/config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "flerd/io.h"
#include "flerd/type_path.h"
#include "mapping/strategy.h"
#include "netlab/names.h"
#include "netlab/substrate.h"

namespace cloudnet::daemon {

namespace {

namespace fs = std::filesystem;

// Errors carry "file:line: key: message" (line 1-based, from yaml-cpp's mark).
struct Ctx {
  std::string file;
  Error err(const YAML::Node& n, const std::string& key, const std::string& msg) const {
    // Built with append: GCC 12 warns falsely (-Wrestrict) on chained + here.
    std::string out = file;
    if (n.IsDefined() && n.Mark().line >= 0) {
      out.append(":");
      out.append(std::to_string(n.Mark().line + 1));
    }
    out.append(": ");
    out.append(key);
    out.append(": ");
    out.append(msg);
    return Error::invalid(std::move(out));
  }
};

Status only_keys(const Ctx& c, const YAML::Node& map, const std::string& prefix,
                 const std::set<std::string>& allowed) {
  if (!map.IsMap()) return c.err(map, prefix.empty() ? "(top level)" : prefix, "must be a mapping");
  for (const auto& kv : map) {
    const std::string k = kv.first.as<std::string>();
    if (!allowed.count(k)) {
      std::string known;
      for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
      return c.err(kv.first, prefix.empty() ? k : prefix + "." + k,
                   "unknown key (known: " + known + ")");
    }
  }
  return Status::Ok();
}

Result<std::string> str(const Ctx& c, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) return c.err(n, key, "must be a string");
  return n.as<std::string>();
}

Result<double> number(const Ctx& c, const YAML::Node& n, const std::string& key, double min,
                      bool min_exclusive) {
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v))
    return c.err(n, key, "must be a number, is '" + (n.IsScalar() ? n.Scalar() : "?") + "'");
  if (min_exclusive ? v <= min : v < min)
    return c.err(n, key,
                 std::string("must be ") + (min_exclusive ? "> " : ">= ") +
                     std::to_string(static_cast<long long>(min)));
  return v;
}

Result<bool> boolean(const Ctx& c, const YAML::Node& n, const std::string& key) {
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
    return c.err(n, key, "must be true or false");
  return v;
}

std::string absolute(const std::string& dir, const std::string& p) {
  fs::path path(p);
  if (path.is_absolute()) return path.lexically_normal().string();
  return (fs::path(dir) / path).lexically_normal().string();
}

// sqlite:relative.db is relative to the configuration file, like every path.
std::string resolve_store(const std::string& dir, const std::string& url) {
  const std::string scheme = "sqlite:";
  if (url.rfind(scheme, 0) != 0) return url;
  std::string rest = url.substr(scheme.size());
  if (rest.empty() || rest[0] == '/' || rest.rfind(":memory:", 0) == 0) return url;
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q);
    rest = rest.substr(0, q);
  }
  return scheme + absolute(dir, rest) + query;
}

std::optional<embed::SimOp> sim_op_named(std::string_view name) {
  for (embed::SimOp op :
       {embed::SimOp::kPrepare, embed::SimOp::kApply, embed::SimOp::kRemove, embed::SimOp::kStart,
        embed::SimOp::kStop, embed::SimOp::kSuspend, embed::SimOp::kResume,
        embed::SimOp::kPowercycle, embed::SimOp::kStatus, embed::SimOp::kConsole})
    if (name == embed::to_string(op)) return op;
  return std::nullopt;
}

bool is_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char ch : s)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  return true;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::optional<std::string> authenticate(const std::vector<Customer>& customers,
                                        std::string_view token) {
  const std::string h = sha256_hex(token);
  std::optional<std::string> who;
  // Every entry is compared, in constant time, so timing tells nothing.
  for (const auto& c : customers)
    if (c.token_sha256.size() == h.size() &&
        CRYPTO_memcmp(c.token_sha256.data(), h.data(), h.size()) == 0)
      who = c.name;
  return who;
}

namespace {

// Parts shared by the PIP and the VNP configuration (same keys, same
// messages).

Result<YAML::Node> load_yaml(std::string_view text, const std::string& file) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error::parse(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

// The document's top level: a mapping with none but the role's `keys`.
Result<YAML::Node> load_top_level(const Ctx& c, std::string_view text,
                                  const std::set<std::string>& keys) {
  auto root = load_yaml(text, c.file);
  if (!root) return root.error();
  if (Status s = only_keys(c, *root, "", keys); !s) return s.error();
  return root;
}

// A configuration file's text and its directory, against which the
// relative paths in it are resolved.
struct ConfigFile {
  std::string text;
  std::string dir;
};

Result<ConfigFile> read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::io(path + ": cannot read the configuration file");
  std::stringstream ss;
  ss << in.rdbuf();
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec);
  return ConfigFile{ss.str(), abs.parent_path().string()};
}

Result<YAML::Node> required(const Ctx& c, const YAML::Node& root, const char* key) {
  YAML::Node n = root[key];
  if (!n) return Error::invalid(c.file + ": " + key + ": missing (required)");
  return n;
}

Result<std::string> required_string(const Ctx& c, const YAML::Node& root, const char* key) {
  auto n = required(c, root, key);
  if (!n) return n.error();
  auto v = str(c, *n, key);
  if (!v) return v.error();
  if (v->empty()) return c.err(*n, key, "must not be empty");
  return v;
}

Status parse_listen(const Ctx& c, const YAML::Node& root, std::string& host, int& port) {
  YAML::Node n = root["listen"];
  if (!n) return Status::Ok();
  auto v = str(c, n, "listen");
  if (!v) return v.error();
  auto colon = v->rfind(':');
  if (colon == std::string::npos)
    return c.err(n, "listen", "must be host:port (port 0 = any free port), is '" + *v + "'");
  host = v->substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  try {
    std::size_t used = 0;
    port = std::stoi(v->substr(colon + 1), &used);
    if (used != v->size() - colon - 1) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    return c.err(n, "listen", "the port of '" + *v + "' is not a number");
  }
  if (port < 0 || port > 65535) return c.err(n, "listen", "port must be 0..65535");
  return Status::Ok();
}

Status parse_tls(const Ctx& c, const YAML::Node& root, const std::string& dir,
                 std::optional<std::string>& cert_out, std::optional<std::string>& key_out) {
  YAML::Node n = root["tls"];
  if (!n) return Status::Ok();
  if (Status s = only_keys(c, n, "tls", {"cert", "key"}); !s) return s;
  if (!n["cert"] || !n["key"]) return c.err(n, "tls", "needs both cert and key");
  auto cert = str(c, n["cert"], "tls.cert");
  if (!cert) return cert.error();
  auto key = str(c, n["key"], "tls.key");
  if (!key) return key.error();
  cert_out = absolute(dir, *cert);
  key_out = absolute(dir, *key);
  for (const auto& [k, f, node] :
       {std::tuple{"tls.cert", *cert_out, n["cert"]}, std::tuple{"tls.key", *key_out, n["key"]}})
    if (!fs::exists(f)) return c.err(node, k, "no such file '" + f + "'");
  return Status::Ok();
}

Status parse_customers(const Ctx& c, const YAML::Node& root, std::vector<Customer>& out) {
  auto n = required(c, root, "customers");
  if (!n) return n.error();
  if (!n->IsSequence() || n->size() == 0)
    return c.err(*n, "customers", "must be a non-empty list of {name, token | token_sha256}");
  std::set<std::string> names;
  for (std::size_t i = 0; i < n->size(); ++i) {
    YAML::Node e = (*n)[i];
    const std::string key = "customers[" + std::to_string(i) + "]";
    if (Status s = only_keys(c, e, key, {"name", "token", "token_sha256"}); !s) return s;
    if (!e["name"]) return c.err(e, key + ".name", "missing");
    auto name = str(c, e["name"], key + ".name");
    if (!name) return name.error();
    if (name->empty()) return c.err(e["name"], key + ".name", "must not be empty");
    if (!names.insert(*name).second)
      return c.err(e["name"], key + ".name", "customer '" + *name + "' is listed twice");
    Customer cu;
    cu.name = *name;
    if (e["token"] && e["token_sha256"])
      return c.err(e, key, "give token or token_sha256, not both");
    if (e["token"]) {
      auto t = str(c, e["token"], key + ".token");
      if (!t) return t.error();
      if (t->size() < 8) return c.err(e["token"], key + ".token", "must have 8 characters or more");
      cu.token_sha256 = sha256_hex(*t);
    } else if (e["token_sha256"]) {
      auto t = str(c, e["token_sha256"], key + ".token_sha256");
      if (!t) return t.error();
      if (!is_hex64(*t))
        return c.err(e["token_sha256"], key + ".token_sha256",
                     "must be 64 lower-case hex digits (sha256sum of the token)");
      cu.token_sha256 = *t;
    } else {
      return c.err(e, key, "needs token or token_sha256");
    }
    out.push_back(std::move(cu));
  }
  return Status::Ok();
}

Status parse_ttl(const Ctx& c, const YAML::Node& root, double& def, double& max) {
  YAML::Node n = root["ttl"];
  if (!n) return Status::Ok();
  if (Status s = only_keys(c, n, "ttl", {"default", "max"}); !s) return s;
  if (n["default"]) {
    auto v = number(c, n["default"], "ttl.default", 0, true);
    if (!v) return v.error();
    def = *v;
  }
  if (n["max"]) {
    auto v = number(c, n["max"], "ttl.max", 0, true);
    if (!v) return v.error();
    max = *v;
  }
  if (max < def) return c.err(n, "ttl.max", "must be >= ttl.default (" + std::to_string(def) + ")");
  return Status::Ok();
}

Status parse_mapping(const Ctx& c, const YAML::Node& root, std::string& strategy,
                     double& time_budget, std::string& solver) {
  YAML::Node n = root["mapping"];
  if (!n) return Status::Ok();
  if (Status s = only_keys(c, n, "mapping", {"strategy", "time_budget", "solver"}); !s) return s;
  if (n["strategy"]) {
    auto v = str(c, n["strategy"], "mapping.strategy");
    if (!v) return v.error();
    const auto& names = mapping::strategy_names();
    if (std::find(names.begin(), names.end(), *v) == names.end()) {
      std::string known;
      for (const auto& s : names) known += (known.empty() ? "" : ", ") + s;
      return c.err(n["strategy"], "mapping.strategy",
                   "unknown strategy '" + *v + "' (known: " + known + ")");
    }
    strategy = *v;
  }
  if (n["time_budget"]) {
    auto v = number(c, n["time_budget"], "mapping.time_budget", 0, true);
    if (!v) return v.error();
    time_budget = *v;
  }
  if (n["solver"]) {
    auto v = str(c, n["solver"], "mapping.solver");
    if (!v) return v.error();
    solver = *v;
  }
  return Status::Ok();
}

struct ConsoleFields {
  bool* enabled;
  std::string* bind;
  int* port;
  std::string* advertise;
  double* ticket_ttl_s;
};

Status parse_console(const Ctx& c, const YAML::Node& root, const ConsoleFields& f) {
  YAML::Node n = root["console"];
  if (!n) return Status::Ok();
  if (Status s = only_keys(c, n, "console", {"bind", "port", "advertise", "ticket_ttl", "enabled"});
      !s)
    return s;
  if (n["enabled"]) {
    auto v = boolean(c, n["enabled"], "console.enabled");
    if (!v) return v.error();
    *f.enabled = *v;
  }
  if (n["bind"]) {
    auto v = str(c, n["bind"], "console.bind");
    if (!v) return v.error();
    *f.bind = *v;
  }
  if (n["port"]) {
    auto v = number(c, n["port"], "console.port", 0, false);
    if (!v) return v.error();
    if (*v > 65535) return c.err(n["port"], "console.port", "must be 0..65535");
    *f.port = static_cast<int>(*v);
  }
  if (n["advertise"]) {
    auto v = str(c, n["advertise"], "console.advertise");
    if (!v) return v.error();
    *f.advertise = *v;
  }
  if (n["ticket_ttl"]) {
    auto v = number(c, n["ticket_ttl"], "console.ticket_ttl", 0, true);
    if (!v) return v.error();
    *f.ticket_ttl_s = *v;
  }
  return Status::Ok();
}

}  // namespace

Result<PipDaemonConfig> parse_pip_config(std::string_view text, const std::string& file,
                                         const std::string& dir) {
  Ctx c{file};
  auto loaded = load_top_level(c, text,
                               {"name", "substrate", "store", "listen", "tls", "customers", "ttl",
                                "mapping", "plugins", "console", "sweep_interval"});
  if (!loaded) return loaded.error();
  const YAML::Node root = *loaded;

  PipDaemonConfig out;
  out.file = file;
  auto& p = out.pip;
  {
    auto v = required_string(c, root, "name");
    if (!v) return v.error();
    p.name = *v;
  }
  {
    auto n = required(c, root, "substrate");
    if (!n) return n.error();
    auto v = str(c, *n, "substrate");
    if (!v) return v.error();
    out.substrate_path = absolute(dir, *v);
    flerd::Loaded l = flerd::read_file(out.substrate_path);
    if (!l.ok())
      return c.err(*n, "substrate",
                   "cannot use '" + out.substrate_path + "': " + l.diagnostics.format());
    p.substrate = std::move(l.document);
    bool has_ul = false;
    for (const auto& t : p.substrate.topologies)
      if (t.graphLabel && t.graphLabel->graph_type == flerd::GraphType::UL) has_ul = true;
    if (!has_ul) return c.err(*n, "substrate", "'" + out.substrate_path + "' has no UL topology");
  }
  {
    auto n = required(c, root, "store");
    if (!n) return n.error();
    auto v = str(c, *n, "store");
    if (!v) return v.error();
    p.store_url = resolve_store(dir, *v);
  }
  if (Status s = parse_listen(c, root, out.listen_host, out.listen_port); !s) return s.error();
  if (Status s = parse_tls(c, root, dir, out.tls_cert, out.tls_key); !s) return s.error();
  if (Status s = parse_customers(c, root, out.customers); !s) return s.error();
  if (Status s = parse_ttl(c, root, p.default_ttl_s, p.max_ttl_s); !s) return s.error();
  if (Status s = parse_mapping(c, root, p.strategy, p.time_budget_s, p.solver); !s)
    return s.error();
  if (YAML::Node n = root["plugins"]) {
    if (Status s = only_keys(c, n, "plugins", {"sim", "linux"}); !s) return s.error();
    p.plugins.simulation = false;
    if (YAML::Node lx = n["linux"]) {
      // The Linux data plane on a lab substrate (embed/linux_plugin.h).
      if (Status s = only_keys(c, lx, "plugins.linux",
                               {"enabled", "tag", "type_prefixes", "uplink", "rootfs", "pool"});
          !s)
        return s.error();
      p.plugins.linux_enabled = true;
      if (lx["enabled"]) {
        auto v = boolean(c, lx["enabled"], "plugins.linux.enabled");
        if (!v) return v.error();
        p.plugins.linux_enabled = *v;
      }
      // Every kernel object is named by the tag (netlab/names.h); default
      // the PIP's name when it is a valid tag.
      std::string tag = p.name;
      if (lx["tag"]) {
        auto v = str(c, lx["tag"], "plugins.linux.tag");
        if (!v) return v.error();
        tag = *v;
      }
      if (auto t = netlab::Tag::make(tag); !t) {
        std::string why;
        if (!lx["tag"]) why = "the PIP's name is no tag, set one: ";
        why += t.error().message;
        return c.err(lx["tag"] ? lx["tag"] : lx, "plugins.linux.tag", why);
      }
      p.plugins.linux_options.tag = tag;
      if (YAML::Node t = lx["type_prefixes"]) {
        if (!t.IsSequence() || t.size() == 0)
          return c.err(t, "plugins.linux.type_prefixes", "must be a non-empty list of type paths");
        p.plugins.linux_options.type_prefixes.clear();
        for (const auto& e : t) {
          auto v = str(c, e, "plugins.linux.type_prefixes");
          if (!v) return v.error();
          p.plugins.linux_options.type_prefixes.push_back(*v);
        }
      }
      if (lx["rootfs"]) {
        auto v = boolean(c, lx["rootfs"], "plugins.linux.rootfs");
        if (!v) return v.error();
        p.plugins.linux_options.rootfs = *v;
      }
      if (lx["pool"]) {
        auto v = number(c, lx["pool"], "plugins.linux.pool", 0, false);
        if (!v) return v.error();
        if (*v != static_cast<double>(static_cast<std::size_t>(*v)) || *v > 1000)
          return c.err(lx["pool"], "plugins.linux.pool", "must be a whole number from 0 to 1000");
        p.plugins.linux_options.pool = static_cast<std::size_t>(*v);
      }
      if (YAML::Node u = lx["uplink"]) {
        // Transit links' way out (netlab/substrate.h, Uplink).
        if (!u.IsMap()) return c.err(u, "plugins.linux.uplink", "must be a map");
        if (Status s = only_keys(c, u, "plugins.linux.uplink", {"exchange", "address", "host"}); !s)
          return s.error();
        netlab::Uplink up;
        for (const auto& [key, field] : std::initializer_list<std::pair<const char*, std::string*>>{
                 {"exchange", &up.exchange}, {"address", &up.address}, {"host", &up.host}}) {
          const std::string name = std::string("plugins.linux.uplink.") + key;
          if (!u[key]) {
            if (std::string(key) == "host") continue;
            return c.err(u, name, "is required");
          }
          auto v = str(c, u[key], name);
          if (!v) return v.error();
          *field = *v;
        }
        if (!netlab::Tag::make(up.exchange) || up.exchange == "ix")
          return c.err(u["exchange"], "plugins.linux.uplink.exchange",
                       "must have 1 to 8 characters [a-z0-9] (and not be 'ix')");
        const auto slash = up.address.find('/');
        if (slash == std::string::npos || !netlab::is_ipv4(up.address.substr(0, slash)))
          return c.err(u["address"], "plugins.linux.uplink.address",
                       "must be an IPv4 address with the exchange's prefix length, e.g. "
                       "10.250.0.1/16");
        p.plugins.linux_options.uplink = up;
      }
    }
    if (YAML::Node sim = n["sim"]) {
      if (Status s =
              only_keys(c, sim, "plugins.sim", {"enabled", "delays_ms", "type_prefixes", "fail"});
          !s)
        return s.error();
      p.plugins.simulation = true;
      if (sim["enabled"]) {
        auto v = boolean(c, sim["enabled"], "plugins.sim.enabled");
        if (!v) return v.error();
        p.plugins.simulation = *v;
      }
      if (YAML::Node d = sim["delays_ms"]) {
        if (!d.IsMap()) return c.err(d, "plugins.sim.delays_ms", "must be a mapping op: ms");
        for (const auto& kv : d) {
          const std::string op = kv.first.as<std::string>();
          auto o = sim_op_named(op);
          if (!o)
            return c.err(kv.first, "plugins.sim.delays_ms." + op,
                         "unknown operation (prepare, apply, remove, start, stop, suspend, "
                         "resume, powercycle, status, console)");
          auto ms = number(c, kv.second, "plugins.sim.delays_ms." + op, 0, false);
          if (!ms) return ms.error();
          p.plugins.sim.delays[*o] = std::chrono::milliseconds(static_cast<long long>(*ms));
        }
      }
      if (YAML::Node f = sim["fail"]) {
        // Test only: failures injected into the simulation plugin.
        if (!f.IsSequence())
          return c.err(f, "plugins.sim.fail",
                       "must be a list of {op, nth | element | probability [, seed], message}");
        for (std::size_t i = 0; i < f.size(); ++i) {
          YAML::Node e = f[i];
          const std::string key = "plugins.sim.fail[" + std::to_string(i) + "]";
          if (Status s =
                  only_keys(c, e, key, {"op", "nth", "element", "probability", "seed", "message"});
              !s)
            return s.error();
          SimFailure rule;
          if (!e["op"]) return c.err(e, key + ".op", "missing");
          auto op = str(c, e["op"], key + ".op");
          if (!op) return op.error();
          auto o = sim_op_named(*op);
          if (!o)
            return c.err(e["op"], key + ".op",
                         "unknown operation '" + *op +
                             "' (prepare, apply, remove, start, stop, suspend, resume, "
                             "powercycle, status, console)");
          rule.op = *o;
          const int kinds =
              (e["nth"] ? 1 : 0) + (e["element"] ? 1 : 0) + (e["probability"] ? 1 : 0);
          if (kinds != 1) return c.err(e, key, "needs exactly one of nth, element, probability");
          if (e["nth"]) {
            auto v = number(c, e["nth"], key + ".nth", 1, false);
            if (!v) return v.error();
            if (*v != std::floor(*v) || *v > 1e9)
              return c.err(e["nth"], key + ".nth", "must be a whole number >= 1");
            rule.nth = static_cast<int>(*v);
          }
          if (e["element"]) {
            auto v = str(c, e["element"], key + ".element");
            if (!v) return v.error();
            if (v->empty()) return c.err(e["element"], key + ".element", "must not be empty");
            rule.element = *v;
          }
          if (e["probability"]) {
            auto v = number(c, e["probability"], key + ".probability", 0, true);
            if (!v) return v.error();
            if (*v > 1) return c.err(e["probability"], key + ".probability", "must be <= 1");
            rule.probability = *v;
          }
          if (e["seed"]) {
            if (!e["probability"]) return c.err(e["seed"], key + ".seed", "only with probability");
            auto v = number(c, e["seed"], key + ".seed", 0, false);
            if (!v) return v.error();
            rule.seed = static_cast<std::uint64_t>(*v);
          }
          if (e["message"]) {
            if (e["probability"])
              return c.err(e["message"], key + ".message", "only with nth or element");
            auto v = str(c, e["message"], key + ".message");
            if (!v) return v.error();
            rule.message = *v;
          }
          out.sim_failures.push_back(std::move(rule));
        }
      }
      if (YAML::Node t = sim["type_prefixes"]) {
        if (!t.IsSequence() || t.size() == 0)
          return c.err(t, "plugins.sim.type_prefixes", "must be a non-empty list of type paths");
        p.plugins.sim.type_prefixes.clear();
        for (const auto& e : t) {
          auto v = str(c, e, "plugins.sim.type_prefixes");
          if (!v) return v.error();
          p.plugins.sim.type_prefixes.push_back(*v);
        }
      }
    }
    if (!p.plugins.simulation && !p.plugins.linux_enabled)
      return c.err(n, "plugins", "no plugin enabled (sim or linux)");
    // Both claim /node and /link by default; the registry would refuse the
    // second at start-up (embed/registry.h), say it here with the line.
    if (p.plugins.simulation && p.plugins.linux_enabled)
      for (const auto& a : p.plugins.sim.type_prefixes)
        for (const auto& b : p.plugins.linux_options.type_prefixes)
          if (flerd::TypePath::parse_lenient(a) == flerd::TypePath::parse_lenient(b))
            return c.err(n, "plugins",
                         "sim and linux both claim type prefix " + a +
                             "; disable one, or narrow one with type_prefixes (e.g. linux: "
                             "{type_prefixes: [/node/host/server]})");
  }
  if (Status s = parse_console(c, root,
                               {&p.console, &p.console_bind, &p.console_port, &p.console_advertise,
                                &p.console_ticket_ttl_s});
      !s)
    return s.error();
  if (YAML::Node n = root["sweep_interval"]) {
    auto v = number(c, n, "sweep_interval", 0, true);
    if (!v) return v.error();
    p.sweep_interval_s = *v;
  }
  return out;
}

Status install_sim_failures(PipDaemonConfig& config) {
  if (config.sim_failures.empty()) return Status::Ok();
  if (!config.pip.plugins.simulation)
    return Error::invalid(config.file + ": plugins.sim.fail: the simulation plugin is disabled");
  auto sim = std::make_shared<embed::SimPlugin>(config.pip.plugins.sim);
  for (const auto& f : config.sim_failures) {
    if (f.nth > 0) {
      sim->fail_nth(f.op, f.nth, f.message);
    } else if (!f.element.empty()) {
      sim->fail_element(f.op, f.element, f.message);
    } else {
      sim->fail_randomly(f.op, f.probability, f.seed);
    }
  }
  auto registry = std::make_shared<embed::PluginRegistry>();
  if (Status s = registry->add(sim); !s) return s;
  config.pip.registry = std::move(registry);
  return Status::Ok();
}

Result<PipDaemonConfig> load_pip_config(const std::string& path) {
  auto f = read_config_file(path);
  if (!f) return f.error();
  return parse_pip_config(f->text, path, f->dir);
}

// --- the VNP -----------------------------------------------------------------

double VnpDaemonConfig::read_timeout_s() const {
  return std::max(60.0, 2 * vnp.call_timeout_s);
}

namespace {

// Each identifier is one capacity-1 resource in the VNP's store (unique
// identifiers by reservation, roles/vnp/vnp_service.h), so a range is kept
// to the size of the VLAN tag space.
constexpr int kMaxIdentifiers = 4096;

Result<int> whole(const Ctx& c, const YAML::Node& n, const std::string& key, double min,
                  double max) {
  auto v = number(c, n, key, min, false);
  if (!v) return v.error();
  if (*v != std::floor(*v) || *v > max)
    return c.err(n, key,
                 "must be a whole number " + std::to_string(static_cast<long long>(min)) + ".." +
                     std::to_string(static_cast<long long>(max)));
  return static_cast<int>(*v);
}

Status parse_providers(const Ctx& c, const YAML::Node& root, const std::string& dir,
                       std::vector<DownstreamConfig>& out) {
  auto n = required(c, root, "providers");
  if (!n) return n.error();
  if (!n->IsSequence() || n->size() == 0)
    return c.err(*n, "providers", "must be a non-empty list of {name, url, token [, ca_file]}");
  std::set<std::string> names;
  for (std::size_t i = 0; i < n->size(); ++i) {
    YAML::Node e = (*n)[i];
    const std::string key = "providers[" + std::to_string(i) + "]";
    if (Status s = only_keys(c, e, key, {"name", "url", "token", "ca_file"}); !s) return s;
    DownstreamConfig d;
    for (const auto& [field, target] : {std::pair<const char*, std::string*>{"name", &d.name},
                                        {"url", &d.url},
                                        {"token", &d.token}}) {
      if (!e[field]) return c.err(e, key + "." + field, "missing");
      auto v = str(c, e[field], key + "." + field);
      if (!v) return v.error();
      if (v->empty()) return c.err(e[field], key + "." + field, "must not be empty");
      *target = *v;
    }
    if (!names.insert(d.name).second)
      return c.err(e["name"], key + ".name", "provider '" + d.name + "' is listed twice");
    const bool https = d.url.rfind("https://", 0) == 0;
    if (!https && d.url.rfind("http://", 0) != 0)
      return c.err(e["url"], key + ".url",
                   "must be http://host:port or https://host:port, is '" + d.url + "'");
    if (e["ca_file"]) {
      auto v = str(c, e["ca_file"], key + ".ca_file");
      if (!v) return v.error();
      if (!https) return c.err(e["ca_file"], key + ".ca_file", "only for an https:// url");
      d.ca_file = absolute(dir, *v);
      if (!fs::exists(d.ca_file))
        return c.err(e["ca_file"], key + ".ca_file", "no such file '" + d.ca_file + "'");
    }
    out.push_back(std::move(d));
  }
  return Status::Ok();
}

Status parse_transit(const Ctx& c, const YAML::Node& root,
                     const std::vector<DownstreamConfig>& providers,
                     std::vector<roles::vnp::TransitLink>& out) {
  YAML::Node n = root["transit"];
  if (!n) return Status::Ok();
  if (!n.IsSequence())
    return c.err(n, "transit", "must be a list of {id, a, b [, capacity, identifiers, endpoints]}");
  std::set<std::string> known;
  for (const auto& p : providers) known.insert(p.name);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < n.size(); ++i) {
    YAML::Node e = n[i];
    const std::string key = "transit[" + std::to_string(i) + "]";
    if (Status s = only_keys(c, e, key, {"id", "a", "b", "capacity", "identifiers", "endpoints"});
        !s)
      return s;
    roles::vnp::TransitLink t;
    using Field = std::pair<const char*, std::string*>;
    for (const auto& [field, target] :
         std::initializer_list<Field>{{"id", &t.id}, {"a", &t.a}, {"b", &t.b}}) {
      if (!e[field]) return c.err(e, key + "." + field, "missing");
      auto v = str(c, e[field], key + "." + field);
      if (!v) return v.error();
      if (v->empty()) return c.err(e[field], key + "." + field, "must not be empty");
      *target = *v;
    }
    if (!ids.insert(t.id).second)
      return c.err(e["id"], key + ".id", "transit link '" + t.id + "' is listed twice");
    for (const auto& [field, name] : {std::pair{"a", t.a}, std::pair{"b", t.b}}) {
      if (!known.count(name)) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        return c.err(e[field], key + "." + field,
                     "'" + name + "' is not a configured provider (providers: " + list + ")");
      }
    }
    if (t.a == t.b) return c.err(e["b"], key + ".b", "must differ from a ('" + t.a + "')");
    if (e["capacity"]) {
      auto v = number(c, e["capacity"], key + ".capacity", 0, false);
      if (!v) return v.error();
      t.capacity = *v;
    }
    if (YAML::Node r = e["identifiers"]) {
      if (Status s = only_keys(c, r, key + ".identifiers", {"first", "last"}); !s) return s;
      if (!r["first"] || !r["last"])
        return c.err(r, key + ".identifiers", "needs both first and last");
      auto first = whole(c, r["first"], key + ".identifiers.first", 0, 1e9);
      if (!first) return first.error();
      auto last = whole(c, r["last"], key + ".identifiers.last", 0, 1e9);
      if (!last) return last.error();
      if (*last < *first)
        return c.err(r["last"], key + ".identifiers.last",
                     "must be >= identifiers.first (" + std::to_string(*first) + ")");
      if (*last - *first + 1 > kMaxIdentifiers)
        return c.err(r, key + ".identifiers",
                     "at most " + std::to_string(kMaxIdentifiers) + " identifiers per link");
      t.first_identifier = *first;
      t.last_identifier = *last;
    }
    if (YAML::Node ep = e["endpoints"]) {
      if (Status s = only_keys(c, ep, key + ".endpoints", {"a", "b"}); !s) return s;
      for (const auto& [field, target] :
           std::initializer_list<Field>{{"a", &t.endpoint_a}, {"b", &t.endpoint_b}}) {
        if (!ep[field]) continue;
        auto v = str(c, ep[field], key + ".endpoints." + field);
        if (!v) return v.error();
        *target = *v;
      }
    }
    out.push_back(std::move(t));
  }
  return Status::Ok();
}

Status parse_negotiation(const Ctx& c, const YAML::Node& root, roles::vnp::Config& v) {
  YAML::Node n = root["negotiation"];
  if (!n) return Status::Ok();
  if (Status s = only_keys(
          c, n, "negotiation",
          {"parallel", "call_timeout", "split_attempts", "start_on_confirm", "retry_interval"});
      !s)
    return s;
  if (n["parallel"]) {
    auto b = boolean(c, n["parallel"], "negotiation.parallel");
    if (!b) return b.error();
    v.parallel = *b;
  }
  if (n["call_timeout"]) {
    auto t = number(c, n["call_timeout"], "negotiation.call_timeout", 0, true);
    if (!t) return t.error();
    v.call_timeout_s = *t;
  }
  if (n["split_attempts"]) {
    auto a = whole(c, n["split_attempts"], "negotiation.split_attempts", 1, 100);
    if (!a) return a.error();
    v.split_attempts = *a;
  }
  if (n["start_on_confirm"]) {
    auto b = boolean(c, n["start_on_confirm"], "negotiation.start_on_confirm");
    if (!b) return b.error();
    v.start_on_confirm = *b;
  }
  if (n["retry_interval"]) {
    auto t = number(c, n["retry_interval"], "negotiation.retry_interval", 0, false);
    if (!t) return t.error();
    v.retry_interval_s = *t;
  }
  return Status::Ok();
}

}  // namespace

Result<VnpDaemonConfig> parse_vnp_config(std::string_view text, const std::string& file,
                                         const std::string& dir) {
  Ctx c{file};
  auto loaded = load_top_level(c, text,
                               {"name", "store", "listen", "tls", "customers", "providers",
                                "transit", "ttl", "mapping", "negotiation", "console"});
  if (!loaded) return loaded.error();
  const YAML::Node root = *loaded;
  VnpDaemonConfig out;
  out.file = file;
  auto& v = out.vnp;
  {
    auto name = required_string(c, root, "name");
    if (!name) return name.error();
    v.name = *name;
  }
  {
    auto store = required_string(c, root, "store");
    if (!store) return store.error();
    v.store_url = resolve_store(dir, *store);
  }
  if (Status s = parse_listen(c, root, out.listen_host, out.listen_port); !s) return s.error();
  if (Status s = parse_tls(c, root, dir, out.tls_cert, out.tls_key); !s) return s.error();
  if (Status s = parse_customers(c, root, out.customers); !s) return s.error();
  if (Status s = parse_providers(c, root, dir, out.providers); !s) return s.error();
  if (Status s = parse_transit(c, root, out.providers, v.transit); !s) return s.error();
  if (Status s = parse_ttl(c, root, v.default_ttl_s, v.max_ttl_s); !s) return s.error();
  if (Status s = parse_mapping(c, root, v.strategy, v.time_budget_s, v.solver); !s)
    return s.error();
  if (Status s = parse_negotiation(c, root, v); !s) return s.error();
  if (Status s = parse_console(c, root,
                               {&v.console, &v.console_bind, &v.console_port, &v.console_advertise,
                                &v.console_ticket_ttl_s});
      !s)
    return s.error();
  return out;
}

Result<VnpDaemonConfig> load_vnp_config(const std::string& path) {
  auto f = read_config_file(path);
  if (!f) return f.error();
  return parse_vnp_config(f->text, path, f->dir);
}

}  // namespace cloudnet::daemon
