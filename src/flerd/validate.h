// Semantic validation of a resolved FleRD document: what the schema and the
// thesis require beyond well-formedness. Reference errors come from
// Document::resolve(); this adds everything else.
#pragma once

#include "flerd/diagnostic.h"
#include "flerd/model.h"

namespace cloudnet::flerd {

// Checks (errors unless noted):
// - type and attribute paths (ne_type, ni_type, Resource/Feature/Constraint
//   attribute) are /level/level paths; an ne_type outside /node and /link is
//   a warning;
// - hosting relations (hostingNetworkElement, hostingNetworkInterface) have
//   no cycles; hosted/hosting lists that do not mirror each other are
//   warnings;
// - connectedInterface is not the interface itself; one-sided connections
//   are warnings;
// - Resource values are not negative, confidence lies in [0, 1],
//   confidence_interval is not negative; an unknown value_type or
//   composing_operation is a warning;
// - a ConsoleInterface port lies in 0..65535;
// - a NetworkElement's graphLabel is the label of its own Topology (else a
//   warning); a NetworkElement without NetworkInterfaces is a warning (the
//   schema asks for one);
// - a ConstraintGroup does not name an element twice (warning);
// - a ResourceMapping does not map a Resource onto itself; its value is not
//   negative.
Diagnostics validate(const Document& doc);

}  // namespace cloudnet::flerd
