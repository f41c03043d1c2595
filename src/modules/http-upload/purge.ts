import type { Logger } from '../../observability/logger.ts';
import type { BlobStore, UploadMetaStore } from './upload-store.ts';

/** An upload still running this long after its slot's deadline is taken for dead (node crash). */
const STALE_UPLOAD_MS = 6 * 3_600_000;

/**
 * Deletes expired files and slots never used, at most `batch` per run so one run never holds
 * the database or the disk for long. Every node runs it; deleting twice is harmless.
 */
export class PurgeJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly d: {
      meta: UploadMetaStore;
      blobs: BlobStore;
      log: Logger;
      now(): number;
      batch: number;
      intervalMs: number;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.runOnce().catch((err: unknown) =>
        this.d.log.warn({ what: 'http_upload_purge_failed', err }),
      );
    }, this.d.intervalMs);
    this.timer.unref();
  }

  /** One run; a run already going is joined rather than doubled. */
  runOnce(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    const ids = await this.d.meta.purgeable(this.d.now(), STALE_UPLOAD_MS, this.d.batch);
    for (const id of ids) {
      // Bytes first: a crash in between leaves a record the next run retries, never orphan bytes.
      await this.d.blobs.remove(id);
      await this.d.meta.remove(id);
    }
    if (ids.length > 0) this.d.log.info({ what: 'http_upload_purged', count: ids.length });
    return ids.length;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => {});
  }
}
