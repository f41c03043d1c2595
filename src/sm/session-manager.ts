import type { StreamError } from '../errors/index.ts';
import type { SessionRef } from '../hooks/index.ts';
import type { Jid } from '../jid/index.ts';
import type { Element } from '../xml/index.ts';

/** A session bound on this node, as the router and admin commands see it. */
export interface LocalSession extends SessionRef {
  readonly jid: Jid;
  readonly connectedAt: number;
  /** Stream management keeps it while its connection is gone (XEP-0198 §5); absent: false. */
  readonly detached?: boolean;
  /** Writes a stanza to the client (after user-receive-packet hooks). */
  deliver(stanza: Element): Promise<void>;
  /** Ends the session with a stream error (e.g. conflict, system-shutdown). */
  close(error?: StreamError): Promise<void>;
}

/**
 * The node's table of bound resources: bare JID → resource → session.
 * Bounded by the number of open connections (each entry is one socket).
 */
export class SessionManager {
  private readonly byBare = new Map<string, Map<string, LocalSession>>();
  private total = 0;

  /** Binds a session; returns the session it replaced (RFC 6120 §7.7.2.2 conflict), if any. */
  bind(session: LocalSession): LocalSession | undefined {
    const bare = session.jid.bareString();
    let resources = this.byBare.get(bare);
    if (!resources) {
      resources = new Map();
      this.byBare.set(bare, resources);
    }
    const old = resources.get(session.jid.resource);
    resources.set(session.jid.resource, session);
    if (!old) this.total++;
    return old;
  }

  /** Removes a session if it is still the one bound to its JID. */
  unbind(session: LocalSession): boolean {
    const bare = session.jid.bareString();
    const resources = this.byBare.get(bare);
    if (!resources || resources.get(session.jid.resource) !== session) return false;
    resources.delete(session.jid.resource);
    this.total--;
    if (resources.size === 0) this.byBare.delete(bare);
    return true;
  }

  get(full: Jid): LocalSession | undefined {
    return this.byBare.get(full.bareString())?.get(full.resource);
  }

  resources(bare: Jid): LocalSession[] {
    const resources = this.byBare.get(bare.bareString());
    return resources ? [...resources.values()] : [];
  }

  hasAny(bare: Jid): boolean {
    return this.byBare.has(bare.bareString());
  }

  all(): LocalSession[] {
    const out: LocalSession[] = [];
    for (const r of this.byBare.values()) for (const s of r.values()) out.push(s);
    return out;
  }

  count(): number {
    return this.total;
  }
}
