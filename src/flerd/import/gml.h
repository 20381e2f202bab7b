// A small GML (Graph Modelling Language) parser, as networkx writes it:
//
//   graph [ node [ id 0 label "x" pos 0.1 pos 0.2 cpu 84 ] edge [ source 0 target 4 bw 51 ] ]
//
// A list is a sequence of `key value` pairs; a value is an integer, a real
// (also INF / NAN with an optional sign), a "quoted string" (may span lines;
// no escapes, but networkx's HTML character references &amp; &#233; ... are
// decoded) or a nested [ list ]. Keys may repeat (networkx reads a repeated
// key as a list, e.g. virne's two `pos` values). '#' starts a comment to the
// end of the line. Errors carry the line number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace cloudnet::flerd::gml {

struct Value {
  enum class Kind { kInt, kReal, kString, kList };
  Kind kind = Kind::kList;
  std::string text;   // the token as written (numbers) or the decoded string
  double number = 0;  // kInt, kReal
  std::vector<std::pair<std::string, Value>> items;  // kList, in file order
  int line = 0;                                      // where the value starts

  bool is_number() const { return kind == Kind::kInt || kind == Kind::kReal; }
  // First value of `key` in this list, or null.
  const Value* find(std::string_view key) const;
  // Every value of `key`, in order.
  std::vector<const Value*> all(std::string_view key) const;
  // The value as a 64-bit integer, if it is an integer token that fits.
  std::optional<std::int64_t> as_int() const;
};

// Parses a whole GML text into its top-level list. Errors are
// "source_name:line: message".
Result<Value> parse(std::string_view text, const std::string& source_name);

// Largest nesting depth of lists accepted.
inline constexpr int kMaxDepth = 64;

}  // namespace cloudnet::flerd::gml
