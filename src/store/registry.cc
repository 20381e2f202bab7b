// The one place that knows every built-in store backend. To add one,
// implement Backend and Connection (store/backend.h) in <name>_backend.cc,
// expose a make_<name>_backend() factory, and register it here.
#include "store/backend.h"

namespace cloudnet::store {

Status register_builtin_backends(BackendRegistry& registry) {
  if (Status s = registry.register_backend("sqlite", {"sqlite"}, make_sqlite_backend); !s) return s;
  // libpq URIs (both schemes) and conninfo strings ("host=... dbname=...").
  if (Status s = registry.register_backend("postgresql", {"postgresql", "postgres"},
                                           make_postgres_backend, /*conninfo=*/true);
      !s) {
    return s;
  }
  return Status::Ok();
}

const BackendRegistry& default_registry() {
  static const BackendRegistry registry = [] {
    BackendRegistry r;
    Status s = register_builtin_backends(r);
    (void)s;  // cannot fail on a fresh registry
    return r;
  }();
  return registry;
}

}  // namespace cloudnet::store
