import { StanzaError } from '../errors/index.ts';
import type { HookBus } from '../hooks/index.ts';
import type { Jid } from '../jid/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { DropReason, NodeMetrics } from '../observability/metrics.ts';
import type { Router } from '../router/index.ts';
import type { Element } from '../xml/index.ts';

/** What became of a stanza that could not reach the session it was addressed to. */
export type DropOutcome = 'offline' | 'error_to_sender' | 'ignored' | 'failed';

export interface DropDeps {
  log: Logger;
  metrics: Pick<NodeMetrics, 'stanzaDropped'>;
  hooks: HookBus;
  router: () => Router | undefined;
}

/**
 * A stanza on the cluster path that cannot be delivered where it was sent: counted
 * (meerkat_stanzas_dropped_total), logged once with what became of it, and handled as
 * RFC 6121 §8.5 asks for a recipient with no such resource: a message is stored offline or
 * answered with an error, an IQ request gets an error, a presence is ignored. `stanza` is
 * undefined when there was no stanza to speak of (not an envelope, not XML).
 */
export async function undeliverable(
  d: DropDeps,
  reason: DropReason,
  where: { stanza?: Element; from?: Jid; to?: Jid; node?: string; err?: unknown },
): Promise<void> {
  d.metrics.stanzaDropped(reason);
  const { stanza, from, to } = where;
  let outcome: DropOutcome = 'ignored';
  try {
    const router = d.router();
    // A router that failed part way may have delivered some of it: never deliver it twice.
    if (stanza && from && to && router && reason !== 'route_failed') {
      outcome = await recover(d.hooks, router, stanza, from, to);
    } else if (reason === 'route_failed') outcome = 'failed';
  } catch (err) {
    outcome = 'failed';
    where = { ...where, err: where.err ?? err };
  }
  d.log.warn({
    what: 'cluster_stanza_dropped',
    reason,
    outcome,
    kind: stanza?.name,
    type: stanza?.attrs.type,
    id: stanza?.attrs.id,
    from: from?.toString(),
    to: to?.toString(),
    node: where.node,
    err: where.err === undefined ? undefined : String(where.err),
  });
}

async function recover(
  hooks: HookBus,
  router: Router,
  stanza: Element,
  from: Jid,
  to: Jid,
): Promise<DropOutcome> {
  const type = stanza.attrs.type;
  if (stanza.name === 'message') {
    // RFC 6121 §8.5.3.2.1 (full JID, no such resource) and §8.5.2.2: headline and error
    // messages may be dropped; groupchat is answered with an error.
    if (type === 'headline' || type === 'error') return 'ignored';
    if (type !== 'groupchat') {
      const offline = await hooks.run('offline-message', stanza, { to: to.bare(), from });
      if (offline.stopped) return 'offline';
    }
    await router.bounce(stanza, from, to, new StanzaError('service-unavailable'));
    return 'error_to_sender';
  }
  if (stanza.name === 'iq' && (type === 'get' || type === 'set')) {
    // RFC 6121 §8.5.3.2.3.
    await router.bounce(stanza, from, to, new StanzaError('service-unavailable'));
    return 'error_to_sender';
  }
  // Presence (§8.5.3.2.2), IQ results and errors (RFC 6120 §8.3.1: never answer an error).
  return 'ignored';
}
