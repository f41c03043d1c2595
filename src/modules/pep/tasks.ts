import type { Logger } from '../../observability/logger.ts';

/**
 * Work started from a session's hook that must not hold the session's queue (a disco#info query
 * to that very client would wait for a reply the paused queue cannot read). Failures are logged;
 * stop() waits for what runs. Bounded: past `max` running tasks, new ones are dropped (logged).
 */
export class Tasks {
  readonly #running = new Set<Promise<void>>();

  constructor(
    private readonly log: Logger,
    private readonly max: number,
  ) {}

  run(what: string, fn: () => Promise<void>): void {
    if (this.#running.size >= this.max) {
      this.log.warn({ what: 'pep_tasks_full', task: what });
      return;
    }
    const p: Promise<void> = fn()
      .catch((err: unknown) => this.log.warn({ what: 'pep_task_failed', task: what, err }))
      .finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  async stop(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
