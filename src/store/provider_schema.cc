// The provider store's schema, one migration step per version. Never edit a
// released step: add a new one (src/store/README.md explains the tables).
#include "store/provider_store.h"

namespace cloudnet::store {

const std::vector<Migration>& provider_migrations() {
  static const std::vector<Migration> steps = {
      {
          1,
          "provider state: substrate, vnets, reservations, journal, parts",
          R"sql(
CREATE TABLE substrate_versions (
  version BIGINT PRIMARY KEY,
  format TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE capacities (
  resource TEXT PRIMARY KEY,
  capacity DOUBLE PRECISION NOT NULL CHECK (capacity >= 0),
  substrate_version BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE vnets (
  id TEXT PRIMARY KEY,
  customer TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('tentative', 'confirmed', 'provisioning', 'running',
                                       'stopped', 'failed', 'deleting', 'deleted')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  expires_at BIGINT,
  revision BIGINT NOT NULL,
  CHECK ((state = 'tentative') = (expires_at IS NOT NULL))
);
CREATE INDEX vnets_by_customer ON vnets (customer, id);
CREATE INDEX vnets_by_expiry ON vnets (state, expires_at);

CREATE TABLE vnet_documents (
  vnet TEXT NOT NULL REFERENCES vnets (id) ON DELETE CASCADE,
  layer TEXT NOT NULL CHECK (layer IN ('OL0', 'OL1', 'ML')),
  format TEXT NOT NULL,
  body TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (vnet, layer)
);

CREATE TABLE vnet_elements (
  vnet TEXT NOT NULL REFERENCES vnets (id) ON DELETE CASCADE,
  element TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('node', 'link')),
  state TEXT NOT NULL,
  host TEXT NOT NULL,
  PRIMARY KEY (vnet, element)
);

CREATE TABLE reservations (
  vnet TEXT NOT NULL REFERENCES vnets (id) ON DELETE CASCADE,
  resource TEXT NOT NULL REFERENCES capacities (resource),
  amount DOUBLE PRECISION NOT NULL CHECK (amount > 0),
  PRIMARY KEY (vnet, resource)
);
CREATE INDEX reservations_by_resource ON reservations (resource);

CREATE TABLE idempotency_keys (
  customer TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (customer, idem_key)
);

CREATE TABLE events (
  seq {id},
  at BIGINT NOT NULL,
  vnet TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL
);

CREATE TABLE vnet_parts (
  vnet TEXT NOT NULL REFERENCES vnets (id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  remote_vnet TEXT NOT NULL,
  state TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (vnet, provider)
);

CREATE TABLE pending_transactions (
  id {id},
  vnet TEXT NOT NULL,
  operation TEXT NOT NULL,
  state TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
)sql",
          // The journal is append-only: the database itself refuses changes.
          R"sql(
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event journal is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event journal is append-only'); END;
)sql",
          R"sql(
CREATE FUNCTION cloudnet_events_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'the event journal is append-only'; END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION cloudnet_events_append_only();
)sql",
      },
  };
  return steps;
}

}  // namespace cloudnet::store
