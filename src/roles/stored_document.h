// How a role keeps FleRD documents (OL0, OL1, ML, partial VNets) in its
// store (store::Document: a format tag and a body). Written as FleRD JSON:
// a VNet's ML carries the substrate it is mapped onto, so every create
// writes a substrate-sized document, and FleRD's JSON writer is about ten
// times faster than its YAML writer (bench_flerd: 126 ms against 1260 ms
// for 10,000 elements). Read by the tag, so stores written as "flerd+yaml"
// or "flerd+xml" stay readable.
#pragma once

#include <string>

#include "common/result.h"
#include "flerd/model.h"
#include "store/provider_store.h"

namespace cloudnet::roles {

store::Document to_store(const flerd::Document& doc);

// Parsed (not validated: it was valid when stored) and resolved; a document
// that cannot be read is kInternal naming `what`.
Result<flerd::Document> from_store(const store::Document& stored, const std::string& what);

}  // namespace cloudnet::roles
