// SQLite schema, applied in order on start. Times are epoch milliseconds (INTEGER).
export const SQLITE_MIGRATIONS: string[] = [
  `
  CREATE TABLE domains (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
  );
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    domain_id TEXT NOT NULL REFERENCES domains(id),
    enabled INTEGER NOT NULL DEFAULT 1,
    description TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    UNIQUE (domain_id, name)
  );
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    domain_id TEXT NOT NULL REFERENCES domains(id),
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    valid_after INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (domain_id, name)
  );
  CREATE INDEX users_name ON users (name);
  CREATE INDEX users_valid_after ON users (valid_after);
  CREATE TABLE role_assignments (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, project_id, role)
  );
  CREATE TABLE revoked_tokens (
    token_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL
  );
  CREATE INDEX revoked_tokens_revoked_at ON revoked_tokens (revoked_at);
  CREATE TABLE access_keys (
    access_key TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret_encrypted TEXT NOT NULL,
    status TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    failed_count INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER
  );
  CREATE INDEX access_keys_user ON access_keys (user_id);
  CREATE TABLE desktops (
    project_id TEXT NOT NULL,
    desktop_id TEXT NOT NULL,
    computer_name TEXT NOT NULL,
    os_type TEXT NOT NULL,
    os_version TEXT NOT NULL,
    status TEXT NOT NULL,
    enterprise_project_id TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, desktop_id)
  ) WITHOUT ROWID;
  CREATE TABLE reports (
    project_id TEXT NOT NULL,
    desktop_id TEXT NOT NULL,
    collected_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    sysprep_version TEXT NOT NULL,
    os_version TEXT,
    os_edition TEXT,
    image_state TEXT,
    rearm_remaining INTEGER,
    skip_rearm INTEGER,
    upgraded_in_place INTEGER,
    appx_unprovisioned TEXT,
    bitlocker_os_volume TEXT,
    generalize_count INTEGER,
    sysprep_succeeded_tag INTEGER,
    pending_reboot INTEGER,
    domain_joined INTEGER,
    agent_version TEXT,
    PRIMARY KEY (project_id, desktop_id),
    FOREIGN KEY (project_id, desktop_id) REFERENCES desktops (project_id, desktop_id) ON DELETE CASCADE
  ) WITHOUT ROWID;
  `,
  // 2: the inventory is listed in creation order; without this every page sorts the project.
  `
  CREATE INDEX desktops_project_created ON desktops (project_id, created_at, desktop_id);
  `,
];
