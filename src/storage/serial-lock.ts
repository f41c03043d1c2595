/**
 * A promise-chain mutex: holders run one after another, in call order. The single SQLite
 * connection uses it so that an async transaction never interleaves with other statements.
 */
export class SerialLock {
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;
  readonly #maxQueued: number;

  /** `maxQueued` bounds how many holders may wait; past it `run` rejects instead of queueing. */
  constructor(maxQueued = 10_000) {
    this.#maxQueued = maxQueued;
  }

  /** True when nobody holds the lock or waits for it. */
  get idle(): boolean {
    return this.#queued === 0;
  }

  run<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.#queued >= this.#maxQueued) {
      return Promise.reject(new Error(`database busy: ${this.#queued} operations already queued`));
    }
    this.#queued++;
    const result = this.#tail.then(fn);
    this.#tail = result.then(
      () => this.#release(),
      () => this.#release(),
    );
    return result;
  }

  #release(): void {
    this.#queued--;
  }
}
