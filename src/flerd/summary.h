// Human-readable summary of a document (`cloudnet show`).
#pragma once

#include <string>

#include "flerd/model.h"

namespace cloudnet::flerd {

// Per topology: graph label, elements counted by type, interfaces,
// resources (by attribute, with totals), features, constraint groups; then
// console interfaces and resource mappings of the document.
std::string summarize(const Document& doc);

}  // namespace cloudnet::flerd
