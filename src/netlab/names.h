// Names and tags of every kernel object this library creates, so that a
// crashed run's leftovers can be found and removed (like Mininet's `mn -c`):
//
//   network namespaces  cn-<tag>-s-<substrate element>   (lab substrate host/switch)
//                       cn-<tag>-v-<net>.<node>          (virtual node)
//                       cn-<tag>-g                       (tunnel bridge, substrate.h)
//                       cn-ix-<exchange>                 (between labs; no tag's, so
//                                                        the tag "ix" is refused)
//   cgroups (v1)        /sys/fs/cgroup/<ctl>/cloudnet/<tag>/<net>.<node>
//                       for ctl in cpu, memory, freezer, pids
//
// Interfaces are created directly inside these namespaces (veth ends with
// `ip link add ... netns A type veth peer ... netns B`, VXLAN devices in the
// substrate host's namespace and then moved into the node's), so none ever
// lives in the root namespace and deleting a namespace deletes them. The
// interface names inside a namespace therefore only need to be unique there
// (<= 15 characters, IFNAMSIZ); see substrate.h and lab.h.
//
// The tag identifies a run or owner: a PIP uses its own (e.g. "pip1"), a test
// process "t<pid>", so parallel tests never touch each other's objects.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace cloudnet::netlab {

// 1-8 characters [a-z0-9]: short enough that "cn-<tag>-" leaves room in an
// interface name, plain enough for every kernel name space.
class Tag {
 public:
  static Result<Tag> make(std::string_view text);
  // "t<pid>" for this process: unique among processes running at once.
  static Tag for_process();
  const std::string& str() const { return text_; }
  friend bool operator==(const Tag&, const Tag&) = default;

 private:
  explicit Tag(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// What every object name of all tags starts with.
inline constexpr std::string_view kPrefix = "cn-";
// The cgroup folder under each controller that holds every tag's folder.
inline constexpr std::string_view kCgroupFolder = "cloudnet";

// "cn-<tag>-"
std::string prefix(const Tag& tag);
// Characters outside [A-Za-z0-9_.-] become '_' (FleRD ids such as "s:host1"
// contain ':'); the result is never empty.
std::string sanitize(std::string_view text);

std::string substrate_netns(const Tag& tag, std::string_view element);
std::string node_key(std::string_view net, std::string_view node);  // "<net>.<node>", sanitized
std::string node_netns(const Tag& tag, std::string_view net, std::string_view node);

// Whether a namespace or interface name belongs to `tag` (or, with
// tag == nullptr, to any tag).
bool owned(std::string_view name, const Tag* tag);

namespace detail {
// Concatenation by appending: GCC 12 reports a false -Wrestrict on
// "literal" + <temporary string> (see the same note in src/daemon/config.cc).
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  ((out += parts), ...);
  return out;
}
}  // namespace detail

}  // namespace cloudnet::netlab
