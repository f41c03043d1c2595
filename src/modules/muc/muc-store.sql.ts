import { type Migration, migrate, type SqlDb } from '../../storage/index.ts';
import type { MucStore, StoredAffiliation, StoredRoom } from './muc-store.ts';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create muc_rooms and muc_affiliations',
    sqlite: `CREATE TABLE muc_rooms (
      service TEXT NOT NULL,
      name TEXT NOT NULL,
      config TEXT NOT NULL,
      subject TEXT NOT NULL,
      subject_nick TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (service, name)
    );
    CREATE TABLE muc_affiliations (
      service TEXT NOT NULL,
      name TEXT NOT NULL,
      jid TEXT NOT NULL,
      affiliation TEXT NOT NULL,
      PRIMARY KEY (service, name, jid)
    );
    CREATE INDEX muc_affiliations_jid ON muc_affiliations (jid)`,
    postgres: `CREATE TABLE muc_rooms (
      service TEXT COLLATE "C" NOT NULL,
      name TEXT COLLATE "C" NOT NULL,
      config TEXT NOT NULL,
      subject TEXT NOT NULL,
      subject_nick TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (service, name)
    );
    CREATE TABLE muc_affiliations (
      service TEXT COLLATE "C" NOT NULL,
      name TEXT COLLATE "C" NOT NULL,
      jid TEXT COLLATE "C" NOT NULL,
      affiliation TEXT NOT NULL,
      PRIMARY KEY (service, name, jid)
    );
    CREATE INDEX muc_affiliations_jid ON muc_affiliations (jid)`,
  },
];

/** Runs the 'muc' migrations, then returns a store over `db` (either dialect). */
export async function createMucStore(db: SqlDb): Promise<MucStore> {
  await migrate(db, 'muc', MIGRATIONS);
  return new SqlMucStore(db);
}

interface RoomRow {
  service: string;
  name: string;
  config: string;
  subject: string;
  subject_nick: string;
}

interface AffRow {
  name: string;
  jid: string;
  affiliation: StoredAffiliation['affiliation'];
}

function parseConfig(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function toRoom(r: RoomRow, affs: AffRow[]): StoredRoom {
  return {
    service: r.service,
    name: r.name,
    config: parseConfig(r.config),
    subject: r.subject,
    subjectNick: r.subject_nick,
    affiliations: affs.map((a) => ({ jid: a.jid, affiliation: a.affiliation })),
  };
}

class SqlMucStore implements MucStore {
  constructor(private readonly db: SqlDb) {}

  async listRooms(service: string, limit: number): Promise<StoredRoom[]> {
    const rows = await this.db.query<RoomRow>(
      `SELECT service, name, config, subject, subject_nick FROM muc_rooms
       WHERE service = ? ORDER BY name LIMIT ?`,
      [service, limit],
    );
    if (rows.length === 0) return [];
    const affs = await this.db.query<AffRow>(
      'SELECT name, jid, affiliation FROM muc_affiliations WHERE service = ? ORDER BY name, jid',
      [service],
    );
    const byRoom = new Map<string, AffRow[]>();
    for (const a of affs) {
      const list = byRoom.get(a.name) ?? [];
      list.push(a);
      byRoom.set(a.name, list);
    }
    return rows.map((r) => toRoom(r, byRoom.get(r.name) ?? []));
  }

  async getRoom(service: string, name: string): Promise<StoredRoom | null> {
    const rows = await this.db.query<RoomRow>(
      `SELECT service, name, config, subject, subject_nick FROM muc_rooms
       WHERE service = ? AND name = ?`,
      [service, name],
    );
    const row = rows[0];
    if (!row) return null;
    const affs = await this.db.query<AffRow>(
      `SELECT name, jid, affiliation FROM muc_affiliations
       WHERE service = ? AND name = ? ORDER BY jid`,
      [service, name],
    );
    return toRoom(row, affs);
  }

  async saveRoom(room: StoredRoom): Promise<void> {
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO muc_rooms (service, name, config, subject, subject_nick, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (service, name) DO UPDATE SET config = excluded.config,
           subject = excluded.subject, subject_nick = excluded.subject_nick,
           updated_at = excluded.updated_at`,
        [room.service, room.name, JSON.stringify(room.config), room.subject, room.subjectNick, now],
      );
      await tx.run('DELETE FROM muc_affiliations WHERE service = ? AND name = ?', [
        room.service,
        room.name,
      ]);
      for (const a of room.affiliations) {
        await tx.run(
          `INSERT INTO muc_affiliations (service, name, jid, affiliation) VALUES (?, ?, ?, ?)`,
          [room.service, room.name, a.jid, a.affiliation],
        );
      }
    });
  }

  async deleteRoom(service: string, name: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM muc_affiliations WHERE service = ? AND name = ?', [service, name]);
      const r = await tx.run('DELETE FROM muc_rooms WHERE service = ? AND name = ?', [
        service,
        name,
      ]);
      return r.changes > 0;
    });
  }

  async removeAffiliations(jid: string): Promise<number> {
    const r = await this.db.run('DELETE FROM muc_affiliations WHERE jid = ?', [jid]);
    return r.changes;
  }
}
