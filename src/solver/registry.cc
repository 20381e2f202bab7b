// The one place that knows every built-in backend. To add a backend, implement
// Solver in <name>_solver.{h,cc}, expose a make_<name>_solver() factory, and
// register it here.
#include "solver/cbc_solver.h"
#include "solver/glpk_solver.h"
#include "solver/solver.h"

namespace cloudnet::solver {

Status register_builtin_backends(SolverRegistry& registry) {
  if (Status s = registry.register_backend("cbc", make_cbc_solver); !s) return s;
  if (Status s = registry.register_backend("glpk", make_glpk_solver); !s) return s;
  return Status::Ok();
}

const SolverRegistry& default_registry() {
  static const SolverRegistry registry = [] {
    SolverRegistry r;
    Status s = register_builtin_backends(r);
    (void)s;  // cannot fail on a fresh registry
    return r;
  }();
  return registry;
}

}  // namespace cloudnet::solver
