import { connect, type KV, type NatsConnection } from 'nats';
import type { Logger } from '../observability/logger.ts';

export type BackboneState = 'disconnected' | 'connected' | 'reconnecting' | 'closed';

/**
 * The node's connection to NATS (JetStream on). Reconnects forever; while NATS is away the
 * node keeps serving local traffic and reports the state (metric, status).
 */
export class Backbone {
  state: BackboneState = 'disconnected';
  private readonly listeners: ((s: BackboneState) => void)[] = [];

  private constructor(
    readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {
    this.state = 'connected';
    void this.watchStatus();
  }

  static async connect(servers: string[], name: string, log: Logger): Promise<Backbone> {
    const nc = await connect({
      servers,
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 2000,
      maxPingOut: 3,
      timeout: 5000,
    });
    return new Backbone(nc, log);
  }

  onState(cb: (s: BackboneState) => void): void {
    this.listeners.push(cb);
  }

  /** Identity of the NATS system we talk to: its cluster name, or the single server's id. */
  identity(): string {
    const info = this.nc.info;
    return info?.cluster ?? info?.server_id ?? 'unknown';
  }

  async kv(bucket: string): Promise<KV> {
    return this.nc.jetstream().views.kv(bucket, { history: 1 });
  }

  private set(state: BackboneState): void {
    if (this.state === state) return;
    this.state = state;
    this.log.warn({ what: 'backbone_state', state });
    for (const cb of this.listeners) cb(state);
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') this.set('reconnecting');
      else if (s.type === 'reconnect') this.set('connected');
    }
    this.set('closed');
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close();
    }
  }
}
