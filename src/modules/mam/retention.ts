import type { Logger } from '../../observability/logger.ts';
import type { MamStore } from './mam-store.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Rows per DELETE, and DELETEs per run: bounded work however large the backlog. */
const BATCH = 1000;
const MAX_BATCHES = 100;

/** Deletes archived messages older than `maxAgeDays`, at start and then hourly. */
export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: MamStore,
    private readonly maxAgeDays: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.kick();
    this.timer = setInterval(() => this.kick(), HOUR_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One purge run; resolves with how many messages were deleted. */
  async purge(now = Date.now()): Promise<number> {
    const cutoff = now - this.maxAgeDays * DAY_MS;
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await this.store.removeOlderThan(cutoff, BATCH);
      total += n;
      if (n < BATCH) break;
    }
    return total;
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.purge()
      .then((deleted) => {
        if (deleted > 0) this.log.info({ what: 'mam_retention_purged', deleted });
      })
      .catch((err: unknown) => this.log.warn({ what: 'mam_retention_failed', err }))
      .finally(() => {
        this.running = undefined;
      });
  }
}
