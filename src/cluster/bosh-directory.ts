import { headers, type KV, type Msg, type NatsConnection, type Subscription } from 'nats';
import { responseBody, terminateBody } from '../net/bosh/protocol.ts';
import type { BoshLocalEndpoint, BoshRemote } from '../net/bosh/remote.ts';
import type { HttpClientInfo } from '../net/http-listener.ts';
import type { Logger } from '../observability/logger.ts';
import { enc } from './keys.ts';

/** The backbone as the directory sees it: present only while the node is in a cluster. */
export interface BoshBackbone {
  nc: NatsConnection;
  cluster: string;
}

export interface BoshDirectoryOptions {
  self: string;
  connection(): BoshBackbone | undefined;
  /** Longer than the longest BOSH `wait`: a forwarded long poll is answered by its owner. */
  forwardTimeoutMs: number;
  /** Forwarded requests in flight from this node, and served for others (each bound). */
  maxInFlight: number;
  /** How often to notice a join or leave (the subscription follows the backbone). */
  refreshMs: number;
  log: Logger;
}

export function boshNames(cluster: string) {
  return {
    bucket: `mk_bosh_${cluster}`,
    subject: (node: string) => `mk.${cluster}.bosh.${enc(node)}`,
  };
}

interface Attached {
  nc: NatsConnection;
  cluster: string;
  kv: Promise<KV>;
  sub: Subscription;
}

/** Header of an owner's answer: it does not hold the sid (a stale directory entry). */
const UNKNOWN = 'mk-bosh-unknown';
const CACHE_MAX = 10_000;

/**
 * BOSH without sticky load balancing (issue 6, ARCHITECTURE.md §4): each node records the sids
 * it owns in a KV bucket (sid → node). A node that receives a request for a sid it does not
 * hold looks the owner up and forwards the raw body over NATS request/reply; the owner runs it
 * through its own endpoint and the answer goes back to the client unchanged.
 */
export class BoshDirectory {
  private readonly endpoints: BoshLocalEndpoint[] = [];
  private attached: Attached | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** sid → owner, so that a session's requests cost one KV read, not one each. */
  private readonly cache = new Map<string, { node: string; revision: number }>();
  private outgoing = 0;
  private serving = 0;

  constructor(private readonly o: BoshDirectoryOptions) {}

  /** Joins an endpoint of this node; returns what the endpoint calls for foreign sids. */
  attach(endpoint: BoshLocalEndpoint): BoshRemote {
    this.endpoints.push(endpoint);
    return {
      created: (sid) => this.created(sid),
      ended: (sid) => this.ended(sid),
      forward: (sid, body, client) => this.forward(sid, body, client),
    };
  }

  start(): void {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), this.o.refreshMs);
    this.timer.unref();
  }

  /** Node stop: our sids leave the directory while the backbone is still there. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const a = this.attached;
    this.attached = undefined;
    if (!a || a.nc.isClosed()) return;
    a.sub.unsubscribe();
    const kv = await a.kv.catch(() => undefined);
    if (!kv) return;
    await Promise.allSettled([...this.localSids()].map((sid) => kv.delete(sid)));
  }

  private *localSids(): Iterable<string> {
    for (const e of this.endpoints) yield* e.sids();
  }

  /** Follows the cluster state: attach on join (publishing our sids), detach on leave. */
  private refresh(): Attached | undefined {
    const c = this.o.connection();
    const a = this.attached;
    if (a && c && a.nc === c.nc && a.cluster === c.cluster && !a.nc.isClosed()) return a;
    if (a) {
      this.attached = undefined;
      this.cache.clear();
      if (!a.nc.isClosed()) a.sub.unsubscribe();
    }
    if (!c || c.nc.isClosed()) return undefined;
    const names = boshNames(c.cluster);
    const sub = c.nc.subscribe(names.subject(this.o.self), {
      callback: (err, msg) => {
        if (!err) this.serve(msg);
      },
    });
    const kv = c.nc.jetstream().views.kv(names.bucket, { history: 1 });
    const next: Attached = { nc: c.nc, cluster: c.cluster, kv, sub };
    this.attached = next;
    kv.then(
      async (bucket) => {
        for (const sid of this.localSids()) await bucket.put(sid, this.o.self);
      },
      (err) => {
        this.o.log.warn({ what: 'bosh_directory_unavailable', err: String(err) });
        // Try again at the next refresh.
        if (this.attached === next) {
          this.attached = undefined;
          if (!next.nc.isClosed()) sub.unsubscribe();
        }
      },
    );
    return next;
  }

  private async created(sid: string): Promise<void> {
    const a = this.refresh();
    if (!a) return;
    await (await a.kv).put(sid, this.o.self);
  }

  private ended(sid: string): void {
    const a = this.attached;
    if (!a || a.nc.isClosed()) return;
    void a.kv.then((kv) => kv.delete(sid)).catch(() => {});
  }

  private async owner(a: Attached, sid: string) {
    const cached = this.cache.get(sid);
    if (cached) return cached;
    const e = await (await a.kv).get(sid);
    if (e?.operation !== 'PUT') return undefined;
    const found = { node: e.string(), revision: e.revision };
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(sid, found);
    return found;
  }

  /** The entry names a node that does not hold the sid (it ended, or its node died). */
  private async forget(a: Attached, sid: string, revision: number): Promise<void> {
    this.cache.delete(sid);
    await (await a.kv).delete(sid, { previousSeq: revision }).catch(() => {});
  }

  private async forward(
    sid: string,
    body: Buffer,
    client: HttpClientInfo,
  ): Promise<string | undefined> {
    const a = this.refresh();
    if (!a) return undefined;
    const owner = await this.owner(a, sid);
    if (!owner) return undefined;
    if (owner.node === this.o.self) {
      await this.forget(a, sid, owner.revision);
      return undefined;
    }
    if (this.outgoing >= this.o.maxInFlight) {
      this.o.log.warn({ what: 'bosh_forward_overload', max: this.o.maxInFlight });
      return terminateBody('remote-connection-failed');
    }
    const h = headers();
    h.set('sid', sid);
    h.set('ip', client.ip);
    h.set('secure', String(client.secure));
    this.outgoing++;
    try {
      const answer = await a.nc.request(boshNames(a.cluster).subject(owner.node), body, {
        timeout: this.o.forwardTimeoutMs,
        headers: h,
      });
      if (answer.headers?.has(UNKNOWN)) {
        await this.forget(a, sid, owner.revision);
        return undefined;
      }
      return answer.string();
    } catch (err) {
      const code = (err as { code?: string }).code;
      // 503: nobody listens on the owner's subject any more, the owner is gone with its sessions.
      if (code === '503') {
        await this.forget(a, sid, owner.revision);
        return undefined;
      }
      this.o.log.warn({ what: 'bosh_forward_failed', node: owner.node, err: String(err) });
      // A timeout means the owner still holds the request (a gap in rids): answer it empty, as
      // the owner would at the end of `wait`. Anything else: the owner is out of reach.
      return code === 'TIMEOUT' ? responseBody('') : terminateBody('remote-connection-failed');
    } finally {
      this.outgoing--;
    }
  }

  /** A request forwarded to us: the endpoint holding the sid answers it like its own. */
  private serve(msg: Msg): void {
    const sid = msg.headers?.get('sid') ?? '';
    const endpoint = this.endpoints.find((e) => e.has(sid));
    if (!endpoint) {
      const h = headers();
      h.set(UNKNOWN, '1');
      msg.respond(new Uint8Array(0), { headers: h });
      return;
    }
    if (this.serving >= this.o.maxInFlight) {
      this.o.log.warn({ what: 'bosh_forward_overload', max: this.o.maxInFlight });
      msg.respond(terminateBody('remote-connection-failed'));
      return;
    }
    const client: HttpClientInfo = {
      ip: msg.headers?.get('ip') ?? '',
      secure: msg.headers?.get('secure') === 'true',
    };
    this.serving++;
    void endpoint
      .serveForwarded(Buffer.from(msg.data), client)
      .then((xml) => {
        try {
          msg.respond(xml);
        } catch {
          // The backbone closed meanwhile (node stop): the requester times out.
        }
      })
      .finally(() => {
        this.serving--;
      });
  }
}
