// PostgreSQL schema, applied in order by PostgresStore.migrate() under an advisory lock.
// Times are timestamptz (compared in ms by the store); identifiers and names use the "C"
// collation so ordering matches SQLite's byte order whatever the database locale.
export const PG_MIGRATIONS: string[] = [
  `
  CREATE TABLE domains (
    id text COLLATE "C" PRIMARY KEY,
    name text COLLATE "C" NOT NULL UNIQUE
  );
  CREATE TABLE projects (
    id text COLLATE "C" PRIMARY KEY,
    name text COLLATE "C" NOT NULL,
    domain_id text COLLATE "C" NOT NULL REFERENCES domains(id),
    enabled boolean NOT NULL DEFAULT true,
    description text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    UNIQUE (domain_id, name)
  );
  CREATE TABLE users (
    id text COLLATE "C" PRIMARY KEY,
    domain_id text COLLATE "C" NOT NULL REFERENCES domains(id),
    name text COLLATE "C" NOT NULL,
    password_hash text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    valid_after timestamptz NOT NULL,
    password_changed_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (domain_id, name)
  );
  CREATE INDEX users_name ON users (name);
  CREATE INDEX users_valid_after ON users (valid_after);
  CREATE TABLE role_assignments (
    user_id text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id text COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    role text COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, project_id, role)
  );
  CREATE TABLE revoked_tokens (
    token_id text COLLATE "C" PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz NOT NULL
  );
  CREATE INDEX revoked_tokens_revoked_at ON revoked_tokens (revoked_at);
  CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
  CREATE TABLE access_keys (
    access_key text COLLATE "C" PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret_encrypted text NOT NULL,
    status text NOT NULL,
    description text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    last_used_at timestamptz,
    failed_count integer NOT NULL DEFAULT 0,
    locked_until timestamptz
  );
  CREATE INDEX access_keys_user ON access_keys (user_id, created_at);
  CREATE TABLE desktops (
    project_id text COLLATE "C" NOT NULL,
    desktop_id text COLLATE "C" NOT NULL,
    computer_name text NOT NULL,
    os_type text NOT NULL,
    os_version text NOT NULL,
    status text NOT NULL,
    enterprise_project_id text NOT NULL,
    tags jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (project_id, desktop_id)
  );
  -- listDesktops pages in (created_at, desktop_id) order.
  CREATE INDEX desktops_project_created ON desktops (project_id, created_at, desktop_id);
  CREATE TABLE reports (
    project_id text COLLATE "C" NOT NULL,
    desktop_id text COLLATE "C" NOT NULL,
    collected_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    sysprep_version text NOT NULL,
    os_version text,
    os_edition text,
    image_state text,
    rearm_remaining bigint,
    skip_rearm boolean,
    upgraded_in_place boolean,
    appx_unprovisioned jsonb,
    bitlocker_os_volume text,
    generalize_count integer,
    sysprep_succeeded_tag boolean,
    pending_reboot boolean,
    domain_joined boolean,
    agent_version text,
    PRIMARY KEY (project_id, desktop_id),
    FOREIGN KEY (project_id, desktop_id) REFERENCES desktops (project_id, desktop_id) ON DELETE CASCADE
  );
  `,
];
