#include "netlab/names.h"

#include <unistd.h>

namespace cloudnet::netlab {

Result<Tag> Tag::make(std::string_view text) {
  if (text.empty() || text.size() > 8)
    return Error::invalid(detail::cat("netlab tag '", text, "' must have 1 to 8 characters"));
  for (char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
      return Error::invalid(detail::cat("netlab tag '", text, "' may only contain [a-z0-9]"));
  // cn-ix-* are the exchanges between labs (substrate.h), owned by no tag.
  if (text == "ix") return Error::invalid("netlab tag 'ix' is reserved for exchanges");
  return Tag(std::string(text));
}

Tag Tag::for_process() {
  // pids are at most 7 digits (pid_max <= 4194304), so "t" + pid fits 8.
  std::string t = "t";
  t += std::to_string(::getpid());
  return Tag(std::move(t));
}

std::string prefix(const Tag& tag) {
  return std::string(kPrefix) + tag.str() + "-";
}

std::string sanitize(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-';
    out += keep ? c : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

std::string substrate_netns(const Tag& tag, std::string_view element) {
  return prefix(tag) + "s-" + sanitize(element);
}

std::string node_key(std::string_view net, std::string_view node) {
  return sanitize(net) + "." + sanitize(node);
}

std::string node_netns(const Tag& tag, std::string_view net, std::string_view node) {
  return prefix(tag) + "v-" + node_key(net, node);
}

bool owned(std::string_view name, const Tag* tag) {
  const std::string p = tag ? prefix(*tag) : std::string(kPrefix);
  return name.substr(0, p.size()) == p;
}

}  // namespace cloudnet::netlab
