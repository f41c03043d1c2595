import type { Socket } from 'node:net';

/**
 * Length-prefixed JSON frames over a socket: a 4-byte big-endian length, then that many bytes
 * of UTF-8 JSON. Frames larger than the current limit close the connection; frames that arrive
 * before anyone asks for them queue up to a small bound, beyond which the peer is dropped.
 */
const HEADER = 4;
const MAX_QUEUED = 16;

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

export class FramedSocket {
  maxFrame: number;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private readonly queue: unknown[] = [];
  private waiter: { resolve(v: unknown): void; reject(e: Error): void } | undefined;
  private failure: Error | undefined;

  constructor(
    readonly socket: Socket,
    maxFrame: number,
  ) {
    this.maxFrame = maxFrame;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new FrameError('connection closed')));
  }

  send(message: unknown): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    const header = Buffer.alloc(HEADER);
    header.writeUInt32BE(body.length);
    this.socket.write(Buffer.concat([header, body]));
  }

  /** The next frame, or a rejection on close, error, bad frame or after `timeoutMs`. */
  next(timeoutMs: number): Promise<unknown> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new FrameError('concurrent read'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new FrameError(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  close(): void {
    this.socket.end();
    this.socket.destroySoon();
  }

  private onData(chunk: Buffer): void {
    if (this.failure) return;
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    while (this.bufferedBytes >= HEADER) {
      const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
      this.buffered = [all];
      const length = all.readUInt32BE(0);
      if (length > this.maxFrame) {
        this.fail(new FrameError(`frame of ${length} bytes exceeds the limit of ${this.maxFrame}`));
        this.socket.destroy();
        return;
      }
      if (all.length < HEADER + length) return;
      const body = all.subarray(HEADER, HEADER + length);
      const rest = all.subarray(HEADER + length);
      this.buffered = rest.length > 0 ? [rest] : [];
      this.bufferedBytes = rest.length;
      let message: unknown;
      try {
        message = JSON.parse(body.toString('utf8'));
      } catch {
        this.fail(new FrameError('frame is not valid JSON'));
        this.socket.destroy();
        return;
      }
      this.deliver(message);
    }
  }

  private deliver(message: unknown): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(message);
      return;
    }
    if (this.queue.length >= MAX_QUEUED) {
      this.fail(new FrameError('too many unanswered frames'));
      this.socket.destroy();
      return;
    }
    this.queue.push(message);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }
}
