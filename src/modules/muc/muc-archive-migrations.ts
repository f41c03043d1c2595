import type { Migration } from '../../storage/index.ts';

/** Schema of the 'muc_archive' component. Never edit an applied version: add one. */
export const MUC_ARCHIVE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create muc_messages',
    // (service, room, id) pages a room's archive; the uid index keeps stanza-ids unique per
    // room (XEP-0359 §4) and serves RSM lookups; created_at serves a retention sweep.
    sqlite: `CREATE TABLE muc_messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      service TEXT NOT NULL,
      room TEXT NOT NULL,
      stanza_id TEXT NOT NULL,
      nick TEXT NOT NULL,
      real_jid TEXT NOT NULL,
      occupant_id TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      retracted INTEGER NOT NULL DEFAULT 0,
      stanza TEXT NOT NULL
    );
    CREATE UNIQUE INDEX muc_messages_uid ON muc_messages (stanza_id, service, room);
    CREATE INDEX muc_messages_room ON muc_messages (service, room, id);
    CREATE INDEX muc_messages_created ON muc_messages (created_at)`,
    postgres: `CREATE TABLE muc_messages (
      id BIGSERIAL PRIMARY KEY,
      service TEXT COLLATE "C" NOT NULL,
      room TEXT COLLATE "C" NOT NULL,
      stanza_id TEXT COLLATE "C" NOT NULL,
      nick TEXT COLLATE "C" NOT NULL,
      real_jid TEXT COLLATE "C" NOT NULL,
      occupant_id TEXT COLLATE "C" NOT NULL,
      created_at BIGINT NOT NULL,
      retracted INTEGER NOT NULL DEFAULT 0,
      stanza TEXT NOT NULL
    );
    CREATE UNIQUE INDEX muc_messages_uid ON muc_messages (stanza_id, service, room);
    CREATE INDEX muc_messages_room ON muc_messages (service, room, id);
    CREATE INDEX muc_messages_created ON muc_messages (created_at)`,
  },
];
