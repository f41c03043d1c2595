import type { KV, KvEntry, QueuedIterator } from 'nats';
import type { Logger } from '../observability/logger.ts';
import { dec, enc } from './keys.ts';

export interface MemberRecord {
  name: string;
  joinedAt: number;
  state: 'member' | 'removed';
  removedBy?: string;
  removedAt?: number;
}

export interface Heartbeat {
  sessions: number;
  startedAt: number;
  pid: number;
  /** NATS server time of the last heartbeat (entry creation), ms. */
  seenAt: number;
}

export interface MemberView extends MemberRecord {
  running: boolean;
  heartbeat: Heartbeat | undefined;
}

/**
 * Membership and liveness (ARCHITECTURE.md §4): members in one KV bucket, heartbeats in
 * another. A member whose last heartbeat is older than the node timeout is "stopped".
 * Heartbeat age uses the NATS server's timestamps, so node clocks need not agree.
 */
export class Membership {
  private readonly members = new Map<string, MemberRecord>();
  private readonly beats = new Map<string, Heartbeat>();
  private readonly watchers: QueuedIterator<KvEntry>[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Offset between NATS server time and our clock, from our own heartbeats. */
  private skew = 0;

  constructor(
    private readonly membersKv: KV,
    private readonly beatsKv: KV,
    private readonly self: string,
    private readonly opts: { intervalMs: number; timeoutMs: number; startedAt: number },
    private readonly log: Logger,
    private readonly sessions: () => number,
  ) {}

  /**
   * After a backbone outage: watchers recover only once their consumer notices missed
   * heartbeats (seconds); watching again replays the current state at once.
   */
  async restartWatches(): Promise<void> {
    for (const w of this.watchers) w.stop();
    this.watchers.length = 0;
    this.members.clear();
    this.beats.clear();
    await this.start();
  }

  async start(): Promise<void> {
    await Promise.all([
      this.watch(this.membersKv, (name, e) => {
        if (e.operation !== 'PUT') this.members.delete(name);
        else this.members.set(name, e.json<MemberRecord>());
      }),
      this.watch(this.beatsKv, (name, e) => {
        if (e.operation !== 'PUT') this.beats.delete(name);
        else {
          const v = e.json<Omit<Heartbeat, 'seenAt'>>();
          this.beats.set(name, { ...v, seenAt: e.created.getTime() });
          if (name === this.self) this.skew = e.created.getTime() - Date.now();
        }
      }),
    ]);
  }

  private async watch(kv: KV, apply: (name: string, e: KvEntry) => void): Promise<void> {
    let ready!: () => void;
    const initialized = new Promise<void>((r) => {
      ready = r;
    });
    const w = await kv.watch({ key: '>', initializedFn: () => ready() });
    this.watchers.push(w);
    void (async () => {
      try {
        for await (const e of w) {
          try {
            apply(dec(e.key), e);
          } catch (err) {
            this.log.warn({ what: 'membership_bad_entry', key: e.key, err });
          }
        }
      } catch (err) {
        this.log.warn({ what: 'membership_watch_ended', err });
      }
    })();
    await initialized;
  }

  get(name: string): MemberRecord | undefined {
    return this.members.get(name);
  }

  async register(): Promise<void> {
    const rec: MemberRecord = { name: this.self, joinedAt: Date.now(), state: 'member' };
    await this.membersKv.put(enc(this.self), JSON.stringify(rec));
    this.members.set(this.self, rec);
    await this.beat();
  }

  /** Fetches a member record straight from the bucket (not the mirror). */
  async fetch(name: string): Promise<MemberRecord | undefined> {
    const e = await this.membersKv.get(enc(name));
    return e && e.operation === 'PUT' ? e.json<MemberRecord>() : undefined;
  }

  startHeartbeats(): void {
    this.timer = setInterval(() => {
      this.beat().catch((err) => this.log.debug({ what: 'heartbeat_failed', err: String(err) }));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    const hb = { sessions: this.sessions(), startedAt: this.opts.startedAt, pid: process.pid };
    await this.beatsKv.put(enc(this.self), JSON.stringify(hb));
  }

  isRunning(name: string): boolean {
    const hb = this.beats.get(name);
    if (!hb) return false;
    return Date.now() + this.skew - hb.seenAt <= this.opts.timeoutMs;
  }

  view(): MemberView[] {
    return [...this.members.values()]
      .filter((m) => m.state === 'member')
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((m) => ({ ...m, running: this.isRunning(m.name), heartbeat: this.beats.get(m.name) }));
  }

  lastBeat(name: string): Heartbeat | undefined {
    return this.beats.get(name);
  }

  /** Marks a member removed (tombstone) so a restart of it does not silently rejoin. */
  async markRemoved(name: string, by: string): Promise<void> {
    const rec: MemberRecord = {
      name,
      joinedAt: this.members.get(name)?.joinedAt ?? 0,
      state: 'removed',
      removedBy: by,
      removedAt: Date.now(),
    };
    await this.membersKv.put(enc(name), JSON.stringify(rec));
    await this.beatsKv.delete(enc(name)).catch(() => {});
  }

  /** Leaves: our record and heartbeat go away (a clean leave leaves no tombstone). */
  async deregister(): Promise<void> {
    this.stopHeartbeats();
    await this.membersKv.delete(enc(this.self)).catch(() => {});
    await this.beatsKv.delete(enc(this.self)).catch(() => {});
  }

  stopHeartbeats(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.stopHeartbeats();
    for (const w of this.watchers) w.stop();
    this.watchers.length = 0;
  }
}
