// Tree <-> model, for all three forms at once (see tree.h).
#pragma once

#include <string>

#include "flerd/diagnostic.h"
#include "flerd/model.h"
#include "flerd/tree.h"

namespace cloudnet::flerd {

// kXml: a repeated field is a repeated key, the wrapper fields `features` and
// `networkInterfaces` contain `Feature` / `NetworkInterface` items, and root
// attributes are "@name" keys. kData (JSON, YAML): a repeated field is one key
// whose value is a list, wrappers are lists, and the root has `namespaces` and
// `attributes` maps.
enum class TreeStyle { kXml, kData };

// Fills `out` from the tree of a whole document; every problem (unknown
// field, missing required field, wrong value type, ...) goes to `diags`.
// Readers accept either style, so a hand-written JSON document may use the
// XML shape and vice versa.
void decode_document(const Node& root, const std::string& source_name, Document& out,
                     Diagnostics& diags);

Node encode_document(const Document& doc, TreeStyle style);

// Numbers as the writers print them: shortest text that reads back to the
// same double; integers without exponent.
std::string format_double(double v);

}  // namespace cloudnet::flerd
