// Hierarchical type and attribute paths such as /node/host/generic or
// /link/symmetric/bandwidth (CloudNet paper 2.4, thesis 4.3.3).
//
// Increasing depth means increasing specificity. A `generic` level stands for
// the union of its siblings, so a request of /node/host/generic may be hosted
// by /node/host/server or /node/host/mainframe. The levels below the ones a
// request names are the substrate's own business: they choose the embedding
// plugin (/node/host/server/xen).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cloudnet::flerd {

class TypePath {
 public:
  TypePath() = default;

  // Strict parse: a leading '/', non-empty levels of [A-Za-z0-9_.+-] (the
  // thesis' examples also use these), no trailing '/'. nullopt with `why` set
  // when malformed.
  static std::optional<TypePath> parse(std::string_view text, std::string* why = nullptr);
  // Best effort for already-validated or display use: splits on '/', drops
  // empty levels.
  static TypePath parse_lenient(std::string_view text);

  const std::vector<std::string>& levels() const { return levels_; }
  std::size_t depth() const { return levels_.size(); }
  bool empty() const { return levels_.empty(); }
  // First level: "node", "link", "interface", "host", "position", ...
  std::string_view category() const {
    return levels_.empty() ? std::string_view() : std::string_view(levels_.front());
  }
  std::string str() const;

  // Black-list attributes are written under /not (thesis appendix B:
  // /not/position/continent/country). negated() is the path without it.
  bool is_negated() const { return !levels_.empty() && levels_.front() == "not"; }
  TypePath negated() const;

  // True if an element of this (requested) type may be hosted by an element
  // of type `host`: level by level, `generic` matches any level and other
  // levels must be equal; `host` may be more specific (deeper).
  bool hostable_by(const TypePath& host) const;

  // True if `other` lies in this path's subtree (this is a prefix of other).
  bool contains(const TypePath& other) const;

  // The levels of `host` below this path's depth: what selects the plugin
  // (CloudNet paper 2.4). For /node/host/generic hosted by
  // /node/host/server/xen this is "server/xen" minus the matched levels,
  // i.e. {"xen"} when the request named three levels.
  std::vector<std::string> plugin_levels(const TypePath& host) const;

  friend bool operator==(const TypePath&, const TypePath&) = default;
  friend auto operator<=>(const TypePath&, const TypePath&) = default;

 private:
  std::vector<std::string> levels_;
};

// Feature values are hierarchical too (/NA/USA); a requested value matches an
// offered one when it names the same place or a place that contains it
// (white list /NA matches an offer of /NA/USA). Leading '/' is optional, as
// in the thesis's own example ("NA/USA").
bool feature_value_matches(std::string_view requested, std::string_view offered);

}  // namespace cloudnet::flerd
