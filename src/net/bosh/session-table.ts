import type { BoshSession } from './bosh-session.ts';

/**
 * Where BOSH sessions are found by sid. In memory per endpoint today; in a cluster a miss here
 * is where a lookup in the session registry and a forward to the owning node would go (issue 6:
 * "a request reaching any node is served"), without the endpoint changing.
 */
export interface BoshSessionTable {
  get(sid: string): BoshSession | undefined;
  add(session: BoshSession): void;
  remove(sid: string): void;
  readonly size: number;
  all(): Iterable<BoshSession>;
}

export class MemoryBoshSessionTable implements BoshSessionTable {
  private readonly sessions = new Map<string, BoshSession>();

  get(sid: string): BoshSession | undefined {
    return this.sessions.get(sid);
  }

  add(session: BoshSession): void {
    this.sessions.set(session.sid, session);
  }

  remove(sid: string): void {
    this.sessions.delete(sid);
  }

  get size(): number {
    return this.sessions.size;
  }

  all(): Iterable<BoshSession> {
    return this.sessions.values();
  }
}
