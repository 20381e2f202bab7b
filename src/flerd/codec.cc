#include "flerd/codec.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>

namespace cloudnet::flerd {

const char* Node::kind_name() const {
  switch (kind) {
    case Kind::kNull: return "null";
    case Kind::kScalar: return "a scalar";
    case Kind::kMap: return "an object";
    case Kind::kList: return "a list";
  }
  return "?";
}

std::string format_double(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "0";
  return std::string(buf, end);
}

namespace {

// ---------------------------------------------------------------- decoding

// QName: NCName or prefix:NCName (XML Namespaces 1.0), ASCII subset plus any
// non-ASCII byte, which XML allows in names.
bool valid_ncname(std::string_view s) {
  if (s.empty()) return false;
  auto start = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  };
  auto rest = [&](unsigned char c) {
    return start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
  };
  if (!start(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s.substr(1)) {
    if (!rest(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool valid_qname(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return valid_ncname(s);
  return valid_ncname(s.substr(0, colon)) && valid_ncname(s.substr(colon + 1));
}

class Decoder {
 public:
  Decoder(const std::string& file, Diagnostics& diags) : file_(file), diags_(diags) {}

  void document(const Node& root, Document& doc);

 private:
  struct Field {
    const char* name;
    int min;  // minOccurs
    int max;  // maxOccurs; -1 = unbounded
    std::function<void(const Node&)> read;
    bool wrapper = false;  // features / networkInterfaces: a list of `item`
    const char* item = nullptr;
  };

  SourceLocation loc(const Node& n) const {
    std::string path;
    for (const auto& p : path_) {
      if (!path.empty()) path += '/';
      path += p;
    }
    return SourceLocation{file_, n.pos.line, n.pos.column, std::move(path)};
  }
  void error(const Node& n, const std::string& field, std::string msg) {
    diags_.error(loc(n), current_id_, field, std::move(msg));
  }
  void warning(const Node& n, const std::string& field, std::string msg) {
    diags_.warning(loc(n), current_id_, field, std::move(msg));
  }

  // Reads the fields of an object node against its schema description.
  void fields(const Node& obj, const char* type, std::initializer_list<Field> spec);

  // Scalar readers: report and return nullopt on a wrong value type.
  std::optional<std::string> text(const Node& n, const char* field) {
    if (n.kind != Node::Kind::kScalar) {
      error(n, field,
            std::string("expected a text value for '") + field + "', found " + n.kind_name());
      return std::nullopt;
    }
    // XML 1.0 cannot carry most control characters, so a document that has
    // them could not be written in all three forms.
    for (const char c : n.scalar) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 && c != '\t' && c != '\n') {
        error(n, field,
              std::string("control character (code ") + std::to_string(u) + ") in '" + field +
                  "'; only tab and newline are allowed in text");
        return std::nullopt;
      }
    }
    return n.scalar;
  }
  // Text of a value whose XML Schema type collapses white space (xs:QName,
  // xs:integer, xs:float, xs:boolean, enumerations); strings keep theirs.
  std::optional<std::string> token(const Node& n, const char* field) {
    auto s = text(n, field);
    if (!s) return s;
    const auto b = s->find_first_not_of(" \t\n");
    if (b == std::string::npos) return std::string();
    const auto e = s->find_last_not_of(" \t\n");
    return s->substr(b, e - b + 1);
  }
  std::optional<std::string> qname(const Node& n, const char* field) {
    auto s = token(n, field);
    if (!s) return std::nullopt;
    if (!valid_qname(*s)) {
      error(n, field,
            "'" + *s +
                "' is not a valid id (xs:QName: a name or prefix:name of letters, digits, "
                "'_', '-', '.', starting with a letter or '_')");
      return std::nullopt;
    }
    return s;
  }
  std::optional<std::int64_t> integer(const Node& n, const char* field) {
    auto s = token(n, field);
    if (!s) return std::nullopt;
    std::int64_t v = 0;
    const char* b = s->data();
    const char* e = b + s->size();
    if (b != e && *b == '+') ++b;
    auto [ptr, ec] = std::from_chars(b, e, v);
    if (ec == std::errc::result_out_of_range) {
      error(n, field, "integer '" + *s + "' is out of range (64-bit)");
      return std::nullopt;
    }
    if (ec != std::errc() || ptr != e || b == e) {
      error(n, field, std::string("expected an integer for '") + field + "', found '" + *s + "'");
      return std::nullopt;
    }
    return v;
  }
  std::optional<double> number(const Node& n, const char* field) {
    auto s = token(n, field);
    if (!s) return std::nullopt;
    double v = 0;
    const char* b = s->data();
    const char* e = b + s->size();
    if (b != e && *b == '+') ++b;
    auto [ptr, ec] = std::from_chars(b, e, v, std::chars_format::general);
    if (ec == std::errc::result_out_of_range) {
      error(n, field, "number '" + *s + "' is out of range");
      return std::nullopt;
    }
    if (ec != std::errc() || ptr != e || b == e || !std::isfinite(v)) {
      error(n, field,
            std::string("expected a finite number for '") + field + "', found '" + *s + "'");
      return std::nullopt;
    }
    return v;
  }
  std::optional<bool> boolean(const Node& n, const char* field) {
    auto s = token(n, field);
    if (!s) return std::nullopt;
    if (*s == "true" || *s == "1") return true;
    if (*s == "false" || *s == "0") return false;
    error(n, field, std::string("expected true or false for '") + field + "', found '" + *s + "'");
    return std::nullopt;
  }

  // Field reader factories.
  Field req_text(const char* name, std::string& out) {
    return {name, 1, 1, [this, name, &out](const Node& n) {
              if (auto s = text(n, name)) out = *s;
            }};
  }
  Field opt_text(const char* name, std::optional<std::string>& out) {
    return {name, 0, 1, [this, name, &out](const Node& n) {
              if (auto s = text(n, name)) out = *s;
            }};
  }
  Field req_id(const char* name, std::string& out) {
    return {name, 1, 1, [this, name, &out](const Node& n) {
              if (auto s = qname(n, name)) {
                out = *s;
                current_id_ = *s;
              }
            }};
  }
  template <class T>
  Field ref(const char* name, int min, Ref<T>& out) {
    return {name, min, 1, [this, name, &out](const Node& n) {
              if (auto s = qname(n, name)) out = Ref<T>{*s, nullptr, n.pos};
            }};
  }
  template <class T>
  Field opt_ref(const char* name, std::optional<Ref<T>>& out) {
    return {name, 0, 1, [this, name, &out](const Node& n) {
              if (auto s = qname(n, name)) out = Ref<T>{*s, nullptr, n.pos};
            }};
  }
  template <class T>
  Field refs(const char* name, int min, std::vector<Ref<T>>& out) {
    return {name, min, -1, [this, name, &out](const Node& n) {
              if (auto s = qname(n, name)) out.push_back(Ref<T>{*s, nullptr, n.pos});
            }};
  }
  Field req_int(const char* name, std::int64_t& out) {
    return {name, 1, 1, [this, name, &out](const Node& n) {
              if (auto v = integer(n, name)) out = *v;
            }};
  }
  Field opt_int(const char* name, std::optional<std::int64_t>& out) {
    return {name, 0, 1, [this, name, &out](const Node& n) {
              if (auto v = integer(n, name)) out = *v;
            }};
  }
  Field req_num(const char* name, double& out) {
    return {name, 1, 1, [this, name, &out](const Node& n) {
              if (auto v = number(n, name)) out = *v;
            }};
  }
  Field opt_num(const char* name, std::optional<double>& out) {
    return {name, 0, 1, [this, name, &out](const Node& n) {
              if (auto v = number(n, name)) out = *v;
            }};
  }
  Field req_bool(const char* name, bool& out) {
    return {name, 1, 1, [this, name, &out](const Node& n) {
              if (auto v = boolean(n, name)) out = *v;
            }};
  }
  template <class T, class Fn>
  Field objects(const char* name, int min, std::vector<T>& out, Fn read_one) {
    return {name, min, -1, [this, name, &out, read_one](const Node& n) {
              path_.push_back(std::string(name) + "[" + std::to_string(out.size()) + "]");
              // Diagnostics after this object name its container again.
              const std::string outer_id = current_id_;
              out.emplace_back();
              out.back().pos = n.pos;
              (this->*read_one)(n, out.back());
              current_id_ = outer_id;
              path_.pop_back();
            }};
  }
  template <class T, class Fn>
  Field wrapped(const char* name, const char* item, int min, std::vector<T>& out, Fn read_one) {
    Field f = objects(item, 1, out, read_one);
    f.name = name;
    f.min = min;
    f.max = 1;
    f.wrapper = true;
    f.item = item;
    return f;
  }

  void console(const Node& n, ConsoleInterface& ci);
  void topology(const Node& n, Topology& t);
  void graph_label(const Node& n, GraphLabel& gl);
  void element(const Node& n, NetworkElement& ne);
  void interface(const Node& n, NetworkInterface& ni);
  void resource(const Node& n, Resource& r);
  void feature(const Node& n, Feature& f);
  void constraint_group(const Node& n, ConstraintGroup& cg);
  void constraint(const Node& n, Constraint& c);
  void resource_mapping(const Node& n, ResourceMapping& rm);

  const std::string& file_;
  Diagnostics& diags_;
  std::vector<std::string> path_;
  std::string current_id_;
};

void Decoder::fields(const Node& obj, const char* type, std::initializer_list<Field> spec) {
  if (obj.kind != Node::Kind::kMap) {
    error(obj, "", std::string("expected a ") + type + " object, found " + obj.kind_name());
    return;
  }
  std::vector<int> seen(spec.size(), 0);
  for (const auto& [key, value] : obj.fields) {
    std::size_t i = 0;
    for (; i < spec.size(); ++i) {
      if (key == spec.begin()[i].name) break;
    }
    if (i == spec.size()) {
      std::string expected;
      for (const auto& f : spec) {
        if (!expected.empty()) expected += ", ";
        expected += f.name;
      }
      if (!key.empty() && key[0] == '@') {
        error(value, key.substr(1),
              "unexpected attribute '" + key.substr(1) + "' on " + type +
                  "; FleRD puts every field in an element");
      } else {
        error(value, key,
              "unknown field '" + key + "' in " + type + "; expected one of: " + expected);
      }
      continue;
    }
    const Field& f = spec.begin()[i];
    if (f.wrapper) {
      // features / networkInterfaces: a list of items in either style.
      ++seen[i];
      if (seen[i] > 1) {
        error(value, f.name,
              std::string("field '") + f.name + "' appears more than once in " + type);
        continue;
      }
      if (value.kind == Node::Kind::kList) {
        for (const auto& item : value.items) f.read(item);
      } else if (value.kind == Node::Kind::kMap) {
        for (const auto& [k, item] : value.fields) {
          if (k != f.item) {
            error(item, k,
                  "unexpected '" + k + "' in " + f.name + "; expected " + f.item + " elements");
            continue;
          }
          if (item.kind == Node::Kind::kList) {
            for (const auto& sub : item.items) f.read(sub);
          } else {
            f.read(item);
          }
        }
      } else if (!(value.kind == Node::Kind::kNull ||
                   (value.kind == Node::Kind::kScalar &&
                    value.scalar.find_first_not_of(" \t\r\n") == std::string::npos))) {
        error(value, f.name,
              std::string("expected a list of ") + f.item + " in '" + f.name + "', found " +
                  value.kind_name());
      }
      continue;
    }
    if (value.kind == Node::Kind::kList) {
      if (f.max == 1) {
        ++seen[i];  // present, though wrong: no second "missing" error
        error(value, f.name,
              std::string("field '") + f.name + "' of " + type + " takes one value, found a list");
        continue;
      }
      seen[i] += static_cast<int>(value.items.size());
      for (const auto& item : value.items) f.read(item);
      continue;
    }
    ++seen[i];
    if (f.max == 1 && seen[i] > 1) {
      error(value, f.name,
            std::string("field '") + f.name + "' appears more than once in " + type +
                "; the schema allows one");
      continue;
    }
    f.read(value);
  }
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const Field& f = spec.begin()[i];
    if (seen[i] < f.min) {
      if (f.min == 1) {
        error(obj, f.name, std::string("missing required field '") + f.name + "' in " + type);
      } else {
        error(obj, f.name,
              std::string(type) + " needs at least " + std::to_string(f.min) + " '" + f.name +
                  "' entries, found " + std::to_string(seen[i]));
      }
    }
  }
}

void Decoder::document(const Node& root, Document& doc) {
  if (root.kind != Node::Kind::kMap) {
    error(root, "",
          std::string("expected a FleRD document (an object with Topology entries), found ") +
              root.kind_name());
    return;
  }
  // Namespace declarations and other root attributes come first; the rest
  // follows the schema.
  Node body = Node::make_map();
  body.pos = root.pos;
  // Both become XML attribute names (xmlns:prefix, name), so they must be
  // names XML can carry, and an attribute must not pose as a namespace.
  auto add_namespace = [&](const std::string& prefix, const Node& v) {
    if (!prefix.empty() && !valid_ncname(prefix)) {
      error(v, "namespaces", "'" + prefix + "' is not a valid namespace prefix (an XML name)");
      return;
    }
    if (auto s = text(v, "namespaces")) doc.namespaces[prefix] = *s;
  };
  auto add_attribute = [&](const std::string& name, const Node& v) {
    if (!valid_qname(name) || name == "xmlns" || name.rfind("xmlns:", 0) == 0) {
      error(v, "attributes",
            "'" + name + "' is not a valid root attribute name (an XML name; namespace " +
                "declarations go under 'namespaces')");
      return;
    }
    if (auto s = text(v, "attributes")) doc.root_attributes[name] = *s;
  };
  for (const auto& [key, value] : root.fields) {
    if (key == "@xmlns" || key.rfind("@xmlns:", 0) == 0) {
      add_namespace(key.size() > 7 ? key.substr(7) : "", value);
    } else if (!key.empty() && key[0] == '@') {
      add_attribute(key.substr(1), value);
    } else if (key == "namespaces" || key == "attributes") {
      if (value.kind != Node::Kind::kMap) {
        error(value, key,
              "expected '" + key + "' to map names to text, found " + value.kind_name());
        continue;
      }
      for (const auto& [k, v] : value.fields) {
        if (key == "namespaces")
          add_namespace(k, v);
        else
          add_attribute(k, v);
      }
    } else {
      body.fields.emplace_back(key, value);
    }
  }
  fields(body, "FleRD document",
         {objects("ConsoleInterface", 0, doc.consoleInterfaces, &Decoder::console),
          objects("Topology", 1, doc.topologies, &Decoder::topology),
          objects("ResourceMapping", 0, doc.resourceMappings, &Decoder::resource_mapping)});
}

void Decoder::console(const Node& n, ConsoleInterface& ci) {
  current_id_.clear();
  fields(n, "ConsoleInterface",
         {req_id("id", ci.id), req_text("address", ci.address),
          req_text("transport_protocol", ci.transport_protocol), req_int("port", ci.port),
          req_text("username", ci.username), req_text("password", ci.password)});
}

void Decoder::topology(const Node& n, Topology& t) {
  current_id_.clear();
  Field label{"GraphLabel", 0, 1, [this, &t](const Node& v) {
                path_.emplace_back("GraphLabel");
                t.graphLabel.emplace();
                t.graphLabel->pos = v.pos;
                graph_label(v, *t.graphLabel);
                current_id_.clear();
                path_.pop_back();
              }};
  fields(n, "Topology",
         {label, objects("NetworkElement", 1, t.networkElements, &Decoder::element),
          objects("Resource", 0, t.resources, &Decoder::resource),
          objects("ConstraintGroup", 0, t.constraintGroups, &Decoder::constraint_group)});
}

void Decoder::graph_label(const Node& n, GraphLabel& gl) {
  current_id_.clear();
  Field type{"graph_type", 1, 1, [this, &gl](const Node& v) {
               auto s = token(v, "graph_type");
               if (!s) return;
               if (auto t = graph_type_from_string(*s)) {
                 gl.graph_type = *t;
               } else {
                 error(v, "graph_type", "unknown graph_type '" + *s + "'; expected OL, ML or UL");
               }
             }};
  fields(n, "GraphLabel",
         {req_id("id", gl.id), req_text("role_identifier", gl.role_identifier), type,
          req_int("graph_nr", gl.graph_nr), opt_text("tag", gl.tag),
          opt_text("net_identifier", gl.net_identifier)});
}

void Decoder::element(const Node& n, NetworkElement& ne) {
  current_id_.clear();
  fields(
      n, "NetworkElement",
      {req_id("id", ne.id), req_text("identifier", ne.identifier), opt_text("alias", ne.alias),
       req_text("ne_type", ne.ne_type), opt_ref("graphLabel", ne.graphLabel),
       refs("hostedNetworkElement", 0, ne.hostedNetworkElement),
       refs("hostingNetworkElement", 0, ne.hostingNetworkElement), refs("resource", 0, ne.resource),
       wrapped("features", "Feature", 0, ne.features, &Decoder::feature),
       wrapped("networkInterfaces", "NetworkInterface", 0, ne.networkInterfaces,
               &Decoder::interface),
       opt_ref("customerConsoleInterface", ne.customerConsoleInterface),
       opt_ref("providerConsoleInterface", ne.providerConsoleInterface)});
}

void Decoder::interface(const Node& n, NetworkInterface& ni) {
  const std::string owner = current_id_;
  current_id_.clear();
  bool first = true;
  Field ids{"id", 1, -1, [this, &ni, &first](const Node& v) {
              auto s = qname(v, "id");
              if (!s) return;
              if (first) {
                ni.id = *s;
                current_id_ = *s;
                first = false;
              } else {
                ni.extra_ids.push_back(*s);
              }
            }};
  fields(n, "NetworkInterface",
         {ids, req_text("identifier", ni.identifier), opt_text("alias", ni.alias),
          req_text("ni_type", ni.ni_type), opt_ref("connectedInterface", ni.connectedInterface),
          refs("hostedNetworkInterface", 0, ni.hostedNetworkInterface),
          refs("hostingNetworkInterface", 0, ni.hostingNetworkInterface),
          refs("resource", 0, ni.resource),
          wrapped("features", "Feature", 0, ni.features, &Decoder::feature)});
  current_id_ = owner;
}

void Decoder::resource(const Node& n, Resource& r) {
  current_id_.clear();
  fields(
      n, "Resource",
      {req_id("id", r.id), opt_text("identifier", r.identifier), opt_text("alias", r.alias),
       req_text("attribute", r.attribute), req_num("value", r.value),
       opt_text("resource_unit", r.resource_unit), opt_text("value_type", r.value_type),
       opt_num("confidence", r.confidence), opt_int("confidence_interval", r.confidence_interval),
       opt_text("time_unit", r.time_unit), opt_text("composing_operation", r.composing_operation),
       req_bool("request_flag", r.request_flag), opt_text("timestamp", r.timestamp)});
}

void Decoder::feature(const Node& n, Feature& f) {
  fields(n, "Feature",
         {req_text("attribute", f.attribute), req_text("value", f.value),
          req_int("priority", f.priority), req_bool("request_flag", f.request_flag)});
}

void Decoder::constraint_group(const Node& n, ConstraintGroup& cg) {
  current_id_.clear();
  fields(n, "ConstraintGroup",
         {refs("networkElement", 2, cg.networkElement),
          objects("Constraint", 1, cg.constraints, &Decoder::constraint)});
}

void Decoder::constraint(const Node& n, Constraint& c) {
  fields(n, "Constraint",
         {req_text("attribute", c.attribute), opt_text("value", c.value),
          req_text("relation", c.relation), req_int("priority", c.priority)});
}

void Decoder::resource_mapping(const Node& n, ResourceMapping& rm) {
  current_id_.clear();
  fields(
      n, "ResourceMapping",
      {opt_num("value", rm.value), opt_text("resource_unit", rm.resource_unit),
       opt_num("confidence", rm.confidence), opt_int("confidence_interval", rm.confidence_interval),
       opt_text("time_unit", rm.time_unit), ref("hostedResource", 1, rm.hostedResource),
       ref("hostingResource", 1, rm.hostingResource)});
}

// ---------------------------------------------------------------- encoding

class Encoder {
 public:
  explicit Encoder(TreeStyle style) : style_(style) {}

  Node document(const Document& doc) const {
    Node root = Node::make_map();
    if (style_ == TreeStyle::kXml) {
      for (const auto& [prefix, uri] : doc.namespaces)
        root.add(prefix.empty() ? "@xmlns" : "@xmlns:" + prefix, Node::make_scalar(uri));
      for (const auto& [k, v] : doc.root_attributes) root.add("@" + k, Node::make_scalar(v));
    } else {
      if (!doc.namespaces.empty()) {
        Node& ns = root.add("namespaces", Node::make_map());
        for (const auto& [prefix, uri] : doc.namespaces) ns.add(prefix, Node::make_scalar(uri));
      }
      if (!doc.root_attributes.empty()) {
        Node& at = root.add("attributes", Node::make_map());
        for (const auto& [k, v] : doc.root_attributes) at.add(k, Node::make_scalar(v));
      }
    }
    many(root, "ConsoleInterface", doc.consoleInterfaces, &Encoder::console);
    many(root, "Topology", doc.topologies, &Encoder::topology);
    many(root, "ResourceMapping", doc.resourceMappings, &Encoder::resource_mapping);
    return root;
  }

 private:
  static Node str(const std::string& s) { return Node::make_scalar(s); }
  static Node num(double v) { return Node::make_scalar(format_double(v), Node::Style::kNumber); }
  static Node integer(std::int64_t v) {
    return Node::make_scalar(std::to_string(v), Node::Style::kNumber);
  }
  static Node boolean(bool v) {
    return Node::make_scalar(v ? "true" : "false", Node::Style::kBool);
  }

  // A repeated field: repeated keys (XML) or one list (data forms).
  template <class T, class Fn>
  void many(Node& obj, const char* name, const std::vector<T>& items, Fn fn) const {
    if (items.empty()) return;
    if (style_ == TreeStyle::kXml) {
      for (const auto& it : items) obj.add(name, (this->*fn)(it));
    } else {
      Node& list = obj.add(name, Node::make_list());
      list.items.reserve(items.size());
      for (const auto& it : items) list.items.push_back((this->*fn)(it));
    }
  }
  template <class T>
  void refs(Node& obj, const char* name, const std::vector<Ref<T>>& items) const {
    if (items.empty()) return;
    if (style_ == TreeStyle::kXml) {
      for (const auto& r : items) obj.add(name, str(r.id));
    } else {
      Node& list = obj.add(name, Node::make_list());
      for (const auto& r : items) list.items.push_back(str(r.id));
    }
  }
  // features / networkInterfaces.
  template <class T, class Fn>
  void wrapped(Node& obj, const char* name, const char* item, const std::vector<T>& items,
               Fn fn) const {
    if (items.empty()) return;
    if (style_ == TreeStyle::kXml) {
      Node& w = obj.add(name, Node::make_map());
      for (const auto& it : items) w.add(item, (this->*fn)(it));
    } else {
      Node& list = obj.add(name, Node::make_list());
      for (const auto& it : items) list.items.push_back((this->*fn)(it));
    }
  }
  static void opt(Node& obj, const char* name, const std::optional<std::string>& v) {
    if (v) obj.add(name, str(*v));
  }

  Node console(const ConsoleInterface& ci) const {
    Node n = Node::make_map();
    n.add("id", str(ci.id));
    n.add("address", str(ci.address));
    n.add("transport_protocol", str(ci.transport_protocol));
    n.add("port", integer(ci.port));
    n.add("username", str(ci.username));
    n.add("password", str(ci.password));
    return n;
  }
  Node topology(const Topology& t) const {
    Node n = Node::make_map();
    if (t.graphLabel) {
      const auto& gl = *t.graphLabel;
      Node& l = n.add("GraphLabel", Node::make_map());
      l.add("id", str(gl.id));
      l.add("role_identifier", str(gl.role_identifier));
      l.add("graph_type", str(to_string(gl.graph_type)));
      l.add("graph_nr", integer(gl.graph_nr));
      opt(l, "tag", gl.tag);
      opt(l, "net_identifier", gl.net_identifier);
    }
    many(n, "NetworkElement", t.networkElements, &Encoder::element);
    many(n, "Resource", t.resources, &Encoder::resource);
    many(n, "ConstraintGroup", t.constraintGroups, &Encoder::constraint_group);
    return n;
  }
  Node element(const NetworkElement& ne) const {
    Node n = Node::make_map();
    n.add("id", str(ne.id));
    n.add("identifier", str(ne.identifier));
    opt(n, "alias", ne.alias);
    n.add("ne_type", str(ne.ne_type));
    if (ne.graphLabel) n.add("graphLabel", str(ne.graphLabel->id));
    refs(n, "hostedNetworkElement", ne.hostedNetworkElement);
    refs(n, "hostingNetworkElement", ne.hostingNetworkElement);
    refs(n, "resource", ne.resource);
    wrapped(n, "features", "Feature", ne.features, &Encoder::feature);
    wrapped(n, "networkInterfaces", "NetworkInterface", ne.networkInterfaces, &Encoder::interface);
    if (ne.customerConsoleInterface)
      n.add("customerConsoleInterface", str(ne.customerConsoleInterface->id));
    if (ne.providerConsoleInterface)
      n.add("providerConsoleInterface", str(ne.providerConsoleInterface->id));
    return n;
  }
  Node interface(const NetworkInterface& ni) const {
    Node n = Node::make_map();
    if (ni.extra_ids.empty() || style_ == TreeStyle::kXml) {
      n.add("id", str(ni.id));
      for (const auto& e : ni.extra_ids) n.add("id", str(e));
    } else {
      Node& ids = n.add("id", Node::make_list());
      ids.items.push_back(str(ni.id));
      for (const auto& e : ni.extra_ids) ids.items.push_back(str(e));
    }
    n.add("identifier", str(ni.identifier));
    opt(n, "alias", ni.alias);
    n.add("ni_type", str(ni.ni_type));
    if (ni.connectedInterface) n.add("connectedInterface", str(ni.connectedInterface->id));
    refs(n, "hostedNetworkInterface", ni.hostedNetworkInterface);
    refs(n, "hostingNetworkInterface", ni.hostingNetworkInterface);
    refs(n, "resource", ni.resource);
    wrapped(n, "features", "Feature", ni.features, &Encoder::feature);
    return n;
  }
  Node resource(const Resource& r) const {
    Node n = Node::make_map();
    n.add("id", str(r.id));
    opt(n, "identifier", r.identifier);
    opt(n, "alias", r.alias);
    n.add("attribute", str(r.attribute));
    n.add("value", num(r.value));
    opt(n, "resource_unit", r.resource_unit);
    opt(n, "value_type", r.value_type);
    if (r.confidence) n.add("confidence", num(*r.confidence));
    if (r.confidence_interval) n.add("confidence_interval", integer(*r.confidence_interval));
    opt(n, "time_unit", r.time_unit);
    opt(n, "composing_operation", r.composing_operation);
    n.add("request_flag", boolean(r.request_flag));
    opt(n, "timestamp", r.timestamp);
    return n;
  }
  Node feature(const Feature& f) const {
    Node n = Node::make_map();
    n.add("attribute", str(f.attribute));
    n.add("value", str(f.value));
    n.add("priority", integer(f.priority));
    n.add("request_flag", boolean(f.request_flag));
    return n;
  }
  Node constraint_group(const ConstraintGroup& cg) const {
    Node n = Node::make_map();
    refs(n, "networkElement", cg.networkElement);
    many(n, "Constraint", cg.constraints, &Encoder::constraint);
    return n;
  }
  Node constraint(const Constraint& c) const {
    Node n = Node::make_map();
    n.add("attribute", str(c.attribute));
    opt(n, "value", c.value);
    n.add("relation", str(c.relation));
    n.add("priority", integer(c.priority));
    return n;
  }
  Node resource_mapping(const ResourceMapping& rm) const {
    Node n = Node::make_map();
    if (rm.value) n.add("value", num(*rm.value));
    opt(n, "resource_unit", rm.resource_unit);
    if (rm.confidence) n.add("confidence", num(*rm.confidence));
    if (rm.confidence_interval) n.add("confidence_interval", integer(*rm.confidence_interval));
    opt(n, "time_unit", rm.time_unit);
    n.add("hostedResource", str(rm.hostedResource.id));
    n.add("hostingResource", str(rm.hostingResource.id));
    return n;
  }

  TreeStyle style_;
};

}  // namespace

void decode_document(const Node& root, const std::string& source_name, Document& out,
                     Diagnostics& diags) {
  Decoder(source_name, diags).document(root, out);
  out.source_name = source_name;
}

Node encode_document(const Document& doc, TreeStyle style) {
  return Encoder(style).document(doc);
}

}  // namespace cloudnet::flerd
