#include "roles/stored_document.h"

#include <utility>

#include "flerd/io.h"

namespace cloudnet::roles {

store::Document to_store(const flerd::Document& doc) {
  return {"flerd+json", flerd::write_string(doc, flerd::Format::kJson)};
}

Result<flerd::Document> from_store(const store::Document& stored, const std::string& what) {
  flerd::Format f = flerd::Format::kJson;
  if (stored.format == "flerd+yaml") f = flerd::Format::kYaml;
  if (stored.format == "flerd+xml") f = flerd::Format::kXml;
  flerd::ReadOptions o;
  o.validate = false;
  flerd::Loaded l = flerd::read_string(stored.body, f, what, o);
  if (!l.ok())
    return Error::internal(what + ": stored document unreadable: " + l.diagnostics.format());
  flerd::Diagnostics diags = l.document.resolve();
  if (diags.has_errors())
    return Error::internal(what + ": stored document does not resolve: " + diags.format());
  return std::move(l.document);
}

}  // namespace cloudnet::roles
