-- Migrated workloads the console deployed (SPEC 5): what it applied for
-- each, so deleting the migration removes exactly that. Object and
-- manifest lists are JSON text; secrets are listed by name only.

CREATE TABLE workload_migrations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    cluster TEXT NOT NULL,
    namespace TEXT NOT NULL,
    objects TEXT NOT NULL,
    manifests TEXT NOT NULL,
    service_account_secret TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX workload_migrations_target ON workload_migrations (cluster, namespace, name);
