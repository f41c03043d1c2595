import type { Migration } from '../../storage/index.ts';

/** Schema of the 'mam' component. Never edit an applied version: add one. */
export const MAM_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create mam_messages and mam_prefs',
    sqlite: `CREATE TABLE mam_messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      stanza_id TEXT NOT NULL,
      with_jid TEXT NOT NULL,
      with_resource TEXT NOT NULL,
      direction TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      stanza TEXT NOT NULL
    );
    CREATE UNIQUE INDEX mam_messages_stanza_id ON mam_messages (domain, username, stanza_id);
    CREATE INDEX mam_messages_user ON mam_messages (domain, username, id);
    CREATE INDEX mam_messages_with ON mam_messages (domain, username, with_jid, id);
    CREATE INDEX mam_messages_created ON mam_messages (created_at);
    CREATE TABLE mam_prefs (
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      default_mode TEXT NOT NULL,
      always_jids TEXT NOT NULL,
      never_jids TEXT NOT NULL,
      PRIMARY KEY (domain, username)
    )`,
    postgres: `CREATE TABLE mam_messages (
      id BIGSERIAL PRIMARY KEY,
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      stanza_id TEXT COLLATE "C" NOT NULL,
      with_jid TEXT COLLATE "C" NOT NULL,
      with_resource TEXT COLLATE "C" NOT NULL,
      direction TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      stanza TEXT NOT NULL
    );
    CREATE UNIQUE INDEX mam_messages_stanza_id ON mam_messages (domain, username, stanza_id);
    CREATE INDEX mam_messages_user ON mam_messages (domain, username, id);
    CREATE INDEX mam_messages_with ON mam_messages (domain, username, with_jid, id);
    CREATE INDEX mam_messages_created ON mam_messages (created_at);
    CREATE TABLE mam_prefs (
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      default_mode TEXT NOT NULL,
      always_jids TEXT NOT NULL,
      never_jids TEXT NOT NULL,
      PRIMARY KEY (domain, username)
    )`,
  },
  {
    version: 2,
    name: 'archive uid index keyed by the uid first',
    // Archive UIDs are time-ordered since this version (archive-id.ts). Keyed uid first, the
    // index that keeps them unique per user (XEP-0359 §4) takes each insert at its right edge
    // instead of somewhere inside the user's range; RSM lookups (#seqOf: uid, domain and user
    // all equal) use it as before. The other indexes each serve a query: (domain, username, id)
    // the archive pages, (domain, username, with_jid, id) the 'with' filter, created_at the
    // retention sweep. Additive for a rolling upgrade: older nodes' queries still find an index.
    sqlite: `CREATE UNIQUE INDEX mam_messages_uid ON mam_messages (stanza_id, domain, username);
    DROP INDEX mam_messages_stanza_id`,
    postgres: `CREATE UNIQUE INDEX mam_messages_uid ON mam_messages (stanza_id, domain, username);
    DROP INDEX mam_messages_stanza_id`,
  },
];
