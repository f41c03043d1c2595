import { s } from '../../config/index.ts';
import { type SessionRef, Stop } from '../../hooks/index.ts';
import type { CsiCounters } from '../../observability/metrics.ts';
import { type Element, x } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import { CsiQueue } from './csi-queue.ts';
import { classify } from './csi-rules.ts';

export const NS_CSI = 'urn:xmpp:csi:0';

const options = s.object(
  {
    queue_max: s.int({
      doc: 'Stanzas held per inactive session; reaching it flushes them all to the client',
      default: 100,
      min: 1,
      max: 10_000,
    }),
    chat_states: s.string({
      doc: 'Chat-state-only messages (XEP-0085) for an inactive client: queue (the latest per sender) or drop',
      default: 'queue',
      enum: ['queue', 'drop'] as const,
    }),
  },
  {
    doc: 'Client State Indication (XEP-0352): hold presence and typing noise for inactive clients',
  },
);

/** Per-session state in SessionRef.data; absent means active (XEP-0352 §4: the initial state). */
interface CsiState {
  queue: CsiQueue;
}

type FlushReason = Parameters<CsiCounters['flushed']>[0];

export const modCsi = defineModule({
  id: 'mod_csi',
  summary:
    'Client State Indication (XEP-0352): holds presence and chat states while a client is inactive',
  xeps: [{ xep: 352, version: '1.0.0' }],
  options,
  async start(ctx) {
    const { queue_max: max, chat_states: chatStates } = ctx.options;
    const counters = ctx.metrics.csi;
    const stateOf = (session: SessionRef) => session.data.get('mod_csi') as CsiState | undefined;

    const flush = (session: SessionRef, state: CsiState, reason: FlushReason): void => {
      if (state.queue.size === 0) return;
      const held = state.queue.take();
      counters.flushed(reason, held.length);
      // SessionRef.send skips the receive hooks: these stanzas already went through them.
      for (const el of held) session.send(el);
    };

    /** Returns the stanza to deliver now, or Stop when it is held or dropped. */
    const onReceive = (el: Element, session: SessionRef): Element | Stop<Element> => {
      const state = stateOf(session);
      if (state === undefined) return el;
      const k = classify(el);
      switch (k.kind) {
        case 'urgent':
          flush(session, state, 'urgent');
          return el;
        case 'chat-state':
          if (chatStates === 'drop') {
            counters.dropped('chat_state');
            return new Stop();
          }
          return hold(session, state, el, 'chat_state', k.key);
        case 'presence':
          return hold(session, state, el, 'presence', k.key);
        case 'deferrable':
          return hold(session, state, el, 'other');
      }
    };

    const hold = (
      session: SessionRef,
      state: CsiState,
      el: Element,
      kind: 'presence' | 'chat_state' | 'other',
      key?: string,
    ): Stop<Element> => {
      counters.queued(kind);
      const r = state.queue.add(el, key);
      if (r === 'superseded') counters.dropped('superseded');
      else if (r === 'full') flush(session, state, 'full');
      return new Stop();
    };

    return {
      hooks: [
        // XEP-0352 §3: advertised after authentication.
        onHook('c2s-stream-features', (acc) => [...acc, x('csi', NS_CSI)]),
        onHook('c2s-nonza', (acc, { stream, el }) => {
          if (el.ns !== NS_CSI || (el.name !== 'active' && el.name !== 'inactive')) return acc;
          const session = stream.session;
          const state = stateOf(session);
          counters.state(el.name);
          if (el.name === 'inactive') {
            if (state === undefined) session.data.set('mod_csi', { queue: new CsiQueue(max) });
          } else if (state !== undefined) {
            // XEP-0352 §5: back to active, the client gets what was held at once.
            session.data.delete('mod_csi');
            flush(session, state, 'active');
          }
          return new Stop();
        }),
        // Last of the receive hooks: what is held has passed every filter (blocking, carbons).
        onHook('user-receive-packet', (el, { session }) => onReceive(el, session), 90),
        // Handed to the ending session: with stream management its unacked buffer reroutes them.
        onHook('session-closed', (acc, { session }) => {
          const state = stateOf(session);
          if (state !== undefined) flush(session, state, 'closed');
          return acc;
        }),
      ],
    };
  },
});
