import type { KV, KvEntry, QueuedIterator } from 'nats';
import { type Jid, tryParseJid } from '../jid/index.ts';
import type { Logger } from '../observability/logger.ts';
import { parseSessionKey, sessionKey } from './keys.ts';

/** A resource bound on another node, as this node's mirror of the registry knows it. */
export interface RemoteSession {
  jid: Jid;
  node: string;
  priority: number;
  available: boolean;
  connectedAt: number;
  /** Last broadcast presence (XML), so any node can answer probes (RFC 6121 §4.3.2). */
  presence?: string;
}

interface EntryValue {
  node: string;
  priority: number;
  available: boolean;
  connectedAt: number;
  presence?: string;
}

export interface LocalSessionInfo {
  jid: Jid;
  priority: number | undefined;
  available: boolean;
  connectedAt: number;
  presence?: string;
}

/**
 * The cluster's session registry (ARCHITECTURE.md §4): one KV entry per bound resource,
 * written by its owning node and mirrored in every node's memory by a watch, so routing
 * decisions are local map lookups.
 */
export class SessionRegistry {
  private readonly mirror = new Map<string, Map<string, RemoteSession>>();
  private watcher: QueuedIterator<KvEntry> | undefined;
  /** Keys replayed by a fresh watch (restart); undefined otherwise. */
  private replayed: Set<string> | undefined;
  private size = 0;

  constructor(
    private readonly kv: KV,
    private readonly self: string,
    private readonly log: Logger,
    /** Another node wrote an entry: if this node holds the same JID, one of the two must go. */
    private readonly onRemotePut: (entry: RemoteSession) => void,
    /** An entry was deleted: if it was one of ours and the session lives, it must come back. */
    private readonly onDeleted: (jid: Jid) => void = () => {},
  ) {}

  async start(): Promise<void> {
    let ready!: () => void;
    const initialized = new Promise<void>((r) => {
      ready = r;
    });
    this.watcher = await this.kv.watch({ key: '>', initializedFn: () => ready() });
    void this.consume(this.watcher);
    await initialized;
  }

  /**
   * After a backbone outage: watch again (the replay is the current state at once) and drop
   * mirror entries deleted while we were away.
   */
  async restart(): Promise<void> {
    this.watcher?.stop();
    const replayed = new Set<string>();
    this.replayed = replayed;
    try {
      await this.start();
    } finally {
      this.replayed = undefined;
    }
    for (const [bare, resources] of [...this.mirror]) {
      for (const resource of [...resources.keys()]) {
        if (!replayed.has(sessionKey(bare, resource))) this.drop(bare, resource);
      }
    }
  }

  private async consume(w: QueuedIterator<KvEntry>): Promise<void> {
    try {
      for await (const e of w) this.apply(e);
    } catch (err) {
      this.log.warn({ what: 'registry_watch_ended', err });
    }
  }

  private apply(e: KvEntry): void {
    this.replayed?.add(e.key);
    const k = parseSessionKey(e.key);
    if (!k) return;
    const jid = tryParseJid(`${k.bare}/${k.resource}`);
    if (!jid) return;
    if (e.operation !== 'PUT') {
      this.drop(k.bare, k.resource);
      // Ours purged by another node while the session lives: the owner puts it back.
      this.onDeleted(jid);
      return;
    }
    let v: EntryValue;
    try {
      v = e.json<EntryValue>();
    } catch {
      return;
    }
    if (v.node === this.self) {
      this.drop(k.bare, k.resource);
      return;
    }
    let resources = this.mirror.get(k.bare);
    if (!resources) {
      resources = new Map();
      this.mirror.set(k.bare, resources);
    }
    if (!resources.has(k.resource)) this.size++;
    const entry: RemoteSession = {
      jid,
      node: v.node,
      priority: v.priority,
      available: v.available,
      connectedAt: v.connectedAt,
      presence: v.presence,
    };
    resources.set(k.resource, entry);
    this.onRemotePut(entry);
  }

  private drop(bare: string, resource: string): void {
    const resources = this.mirror.get(bare);
    if (!resources?.delete(resource)) return;
    this.size--;
    if (resources.size === 0) this.mirror.delete(bare);
  }

  async publish(s: LocalSessionInfo): Promise<void> {
    const value: EntryValue = {
      node: this.self,
      priority: s.priority ?? 0,
      available: s.available,
      connectedAt: s.connectedAt,
      presence: s.available ? s.presence : undefined,
    };
    await this.kv.put(sessionKey(s.jid.bareString(), s.jid.resource), JSON.stringify(value));
  }

  /** Removes our entry for a JID, unless another node has claimed it since. */
  async withdraw(jid: Jid): Promise<void> {
    const key = sessionKey(jid.bareString(), jid.resource);
    const cur = await this.kv.get(key);
    if (!cur || cur.operation !== 'PUT') return;
    try {
      if (cur.json<EntryValue>().node !== this.self) return;
    } catch {
      // unreadable: remove it
    }
    await this.kv.delete(key, { previousSeq: cur.revision }).catch(() => {});
  }

  remoteResources(bare: Jid): RemoteSession[] {
    const r = this.mirror.get(bare.bareString());
    return r ? [...r.values()] : [];
  }

  remoteGet(full: Jid): RemoteSession | undefined {
    return this.mirror.get(full.bareString())?.get(full.resource);
  }

  hasAny(bare: Jid): boolean {
    return this.mirror.has(bare.bareString());
  }

  all(): RemoteSession[] {
    const out: RemoteSession[] = [];
    for (const r of this.mirror.values()) for (const s of r.values()) out.push(s);
    return out;
  }

  count(): number {
    return this.size;
  }

  countByNode(): Map<string, number> {
    const m = new Map<string, number>();
    for (const s of this.all()) m.set(s.node, (m.get(s.node) ?? 0) + 1);
    return m;
  }

  /** Deletes every entry a (dead or removed) node owns; returns the JIDs purged. */
  async purgeNode(node: string): Promise<Jid[]> {
    const gone = this.all().filter((s) => s.node === node);
    for (const s of gone) {
      const key = sessionKey(s.jid.bareString(), s.jid.resource);
      const cur = await this.kv.get(key);
      if (cur && cur.operation === 'PUT' && cur.json<EntryValue>().node === node) {
        await this.kv.delete(key, { previousSeq: cur.revision }).catch(() => {});
      }
    }
    return gone.map((s) => s.jid);
  }

  /**
   * After a backbone outage or netsplit: our entries must be exactly our live sessions
   * (no ghosts: survivors may have purged us; sessions may have ended meanwhile). Returns the
   * live sessions that had no entry of ours (purged by a survivor, or opened during the outage).
   */
  async resync(local: LocalSessionInfo[]): Promise<Jid[]> {
    const live = new Set(local.map((s) => sessionKey(s.jid.bareString(), s.jid.resource)));
    // List every key before the first get: awaiting kv.get() inside the keys() iteration made
    // it end early (nats 2.29; it left a ghost in the netsplit test), so collect, then check.
    const keys: string[] = [];
    for await (const key of await this.kv.keys()) keys.push(key);
    const ours = new Set<string>();
    for (const key of keys) {
      const cur = await this.kv.get(key);
      const mine = cur?.operation === 'PUT' && cur.json<EntryValue>().node === this.self;
      if (live.has(key)) {
        if (mine) ours.add(key);
      } else if (mine) {
        await this.kv.delete(key, { previousSeq: cur.revision }).catch(() => {});
      }
    }
    for (const s of local) await this.publish(s);
    return local
      .filter((s) => !ours.has(sessionKey(s.jid.bareString(), s.jid.resource)))
      .map((s) => s.jid);
  }

  /** Removes every entry of this node (leave_cluster). */
  async withdrawAll(local: LocalSessionInfo[]): Promise<void> {
    for (const s of local) await this.withdraw(s.jid);
  }

  stop(): void {
    this.watcher?.stop();
    this.mirror.clear();
    this.size = 0;
  }
}
