#include "roles/hiding.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

namespace cloudnet::roles {

namespace {
// Characters of an id: a name matches only as a whole word, so the
// substrate's "host1" does not eat into the customer's "vhost1".
bool id_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':' || c == '-' ||
         c == '.';
}
}  // namespace

std::string rename_words(std::string text,
                         std::vector<std::pair<std::string, std::string>> renames) {
  std::stable_sort(renames.begin(), renames.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [from, to] : renames) {
    if (from.empty()) continue;
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      const std::size_t end = at + from.size();
      const bool whole = (at == 0 || !id_char(text[at - 1])) &&
                         (end == text.size() || !id_char(text[end]) ||
                          // "s:h1:" or "s:h1." ending a clause is still the whole id
                          ((text[end] == ':' || text[end] == '.') &&
                           (end + 1 == text.size() || text[end + 1] == ' ')));
      if (!whole) {
        at = end;
        continue;
      }
      text.replace(at, from.size(), to);
      at += to.size();
    }
  }
  return text;
}

SubstrateNames::SubstrateNames(const flerd::Document& substrate) {
  std::set<std::string> names;
  for (const auto& t : substrate.topologies) {
    for (const auto& e : t.networkElements) {
      names.insert(e.id);
      for (const auto& ni : e.networkInterfaces) names.insert(ni.id);
    }
    for (const auto& r : t.resources) names.insert(r.id);
  }
  // One- and two-letter ids would mangle ordinary words of the message; a
  // substrate that uses them is not hidden by text replacement anyway.
  for (const auto& n : names)
    if (n.size() > 2) names_.emplace_back(n, "a substrate element");
}

std::string SubstrateNames::hide(std::string text) const {
  return rename_words(std::move(text), names_);
}

std::string without_addresses(std::string text) {
  static const char* const kMethods[] = {"GET ", "POST ", "PUT ", "PATCH ", "DELETE ", "HEAD "};
  for (;;) {
    std::size_t at = text.find("http://");
    const std::size_t tls = text.find("https://");
    if (tls < at) at = tls;
    if (at == std::string::npos) break;
    // The URL ends at white space or at ": " (http::to_error's separator).
    std::size_t end = at;
    while (end < text.size() && text[end] != ' ' &&
           !(text[end] == ':' && end + 1 < text.size() && text[end + 1] == ' '))
      ++end;
    std::size_t begin = at;
    for (const char* m : kMethods) {
      const std::size_t len = std::char_traits<char>::length(m);
      if (begin >= len && text.compare(begin - len, len, m) == 0) {
        begin -= len;
        break;
      }
    }
    // Drop the ": " that followed the URL, or the one before it, so no
    // empty clause is left.
    if (text.compare(end, 2, ": ") == 0) {
      end += 2;
    } else if (begin >= 2 && text.compare(begin - 2, 2, ": ") == 0) {
      begin -= 2;
    } else if (end == text.size()) {
      while (begin > 0 && text[begin - 1] == ' ') --begin;
    }
    text.erase(begin, end - begin);
  }
  return text;
}

HidingProvider::HidingProvider(Provider& inner, Scrubber scrub,
                               std::function<void(const std::string&)> log)
    : inner_(inner), scrub_(std::move(scrub)), log_(std::move(log)) {}

Error HidingProvider::scrubbed(const Error& e, const char* operation) const {
  if (log_) log_(std::string(operation) + ": " + e.message);
  return Error{e.code, scrub_(e.message)};
}

Result<VNetInfo> HidingProvider::scrubbed(Result<VNetInfo> r, const char* operation) const {
  if (!r) return scrubbed(r.error(), operation);
  if (!r->detail.empty()) r->detail = scrub_(r->detail);
  return r;
}

Result<VNetInfo> HidingProvider::create_vnet(const Caller& caller, const flerd::Document& request,
                                             const CreateOptions& options) {
  return scrubbed(inner_.create_vnet(caller, request, options), "create_vnet");
}
Result<VNetInfo> HidingProvider::confirm_request(const Caller& caller, const std::string& vnet) {
  return scrubbed(inner_.confirm_request(caller, vnet), "confirm_request");
}
Result<VNetInfo> HidingProvider::cancel_request(const Caller& caller, const std::string& vnet) {
  return scrubbed(inner_.cancel_request(caller, vnet), "cancel_request");
}
Result<VNetInfo> HidingProvider::delete_vnet(const Caller& caller, const std::string& vnet) {
  return scrubbed(inner_.delete_vnet(caller, vnet), "delete_vnet");
}
Result<VNetInfo> HidingProvider::modify_vnet(const Caller& caller, const std::string& vnet,
                                             const flerd::Document& request) {
  return scrubbed(inner_.modify_vnet(caller, vnet, request), "modify_vnet");
}
Result<Metrics> HidingProvider::get_metrics(const Caller& caller) {
  return passed(inner_.get_metrics(caller), "get_metrics");
}
Result<VNetInfo> HidingProvider::provision(const Caller& caller, const std::string& vnet,
                                           Action action, const std::string& node) {
  return scrubbed(inner_.provision(caller, vnet, action, node), to_string(action));
}
Result<VNetInfo> HidingProvider::status(const Caller& caller, const std::string& vnet) {
  return scrubbed(inner_.status(caller, vnet), "status");
}
Result<std::vector<VNetInfo>> HidingProvider::list(const Caller& caller) {
  auto r = inner_.list(caller);
  if (!r) return scrubbed(r.error(), "list");
  for (auto& v : *r)
    if (!v.detail.empty()) v.detail = scrub_(v.detail);
  return r;
}
Result<flerd::Document> HidingProvider::document(const Caller& caller, const std::string& vnet) {
  return passed(inner_.document(caller, vnet), "document");
}
Result<ConsoleAccess> HidingProvider::console(const Caller& caller, const std::string& vnet,
                                              const std::string& node) {
  return passed(inner_.console(caller, vnet, node), "console");
}

}  // namespace cloudnet::roles
