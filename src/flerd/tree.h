// A format-neutral document tree. The XML, YAML and JSON readers turn text
// into a Tree and the writers turn a Tree into text; codec.cc maps Trees to
// the FleRD model and back once, from one description of the schema, so the
// three forms cannot drift apart.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "flerd/pos.h"

namespace cloudnet::flerd {

struct Node {
  enum class Kind { kNull, kScalar, kMap, kList };
  // How a scalar was (or should be) written: JSON and YAML writers quote
  // strings and leave numbers and booleans bare.
  enum class Style { kString, kNumber, kBool };

  Kind kind = Kind::kNull;
  Style style = Style::kString;
  std::string scalar;
  // Map fields in document order. Keys may repeat: XML writes a repeated
  // field as repeated elements, JSON and YAML as one key with a list.
  std::vector<std::pair<std::string, Node>> fields;
  std::vector<Node> items;  // kList
  Pos pos;

  // Declared here, defaulted below where Node is complete: `fields` holds
  // std::pair<std::string, Node>, and clang with libstdc++ rejects the
  // implicit members, which would instantiate that pair while Node is
  // still incomplete.
  Node();
  Node(const Node&);
  Node(Node&&) noexcept;
  Node& operator=(const Node&);
  Node& operator=(Node&&) noexcept;
  ~Node();

  static Node make_scalar(std::string s, Style st = Style::kString) {
    Node n;
    n.kind = Kind::kScalar;
    n.style = st;
    n.scalar = std::move(s);
    return n;
  }
  static Node make_map() {
    Node n;
    n.kind = Kind::kMap;
    return n;
  }
  static Node make_list() {
    Node n;
    n.kind = Kind::kList;
    return n;
  }
  Node& add(std::string key, Node value) {
    fields.emplace_back(std::move(key), std::move(value));
    return fields.back().second;
  }
  const char* kind_name() const;
};

inline Node::Node() = default;
inline Node::Node(const Node&) = default;
inline Node::Node(Node&&) noexcept = default;
inline Node& Node::operator=(const Node&) = default;
inline Node& Node::operator=(Node&&) noexcept = default;
inline Node::~Node() = default;

// Limits that keep hostile input from exhausting the stack or memory; the
// readers report an error when a document exceeds them.
inline constexpr int kMaxNestingDepth = 128;
inline constexpr std::size_t kMaxNodes = 20'000'000;

}  // namespace cloudnet::flerd
