import { s } from '../../config/index.ts';
import type { Jid } from '../../jid/index.ts';
import type { Element } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import { handlePushIq, NS_PUSH } from './push-iq.ts';
import { PushPublisher } from './push-publish.ts';
import { createPushStore } from './push-store.sql.ts';

const options = s.object(
  {
    include_body: s.bool({
      doc: 'Put the message body in notifications (the app server and the phone vendor see it)',
      default: false,
    }),
    include_sender: s.bool({
      doc: 'Put the sender JID (last-message-sender) in notifications',
      default: true,
    }),
    max_registrations: s.int({
      doc: 'Push registrations (devices) one account may hold',
      default: 10,
      min: 1,
      max: 1000,
    }),
    iq_timeout: s.int({
      doc: 'Seconds the app server has to answer a publish',
      default: 10,
      min: 1,
      max: 300,
    }),
    retries: s.int({
      doc: 'Publishes retried after a timeout or a wait error before giving up on one message',
      default: 2,
      min: 0,
      max: 10,
    }),
    retry_delay: s.int({
      doc: 'Seconds between a failed publish and its retry',
      default: 5,
      min: 1,
      max: 3600,
    }),
  },
  { doc: 'Push Notifications (XEP-0357): notify app servers of messages for away clients' },
);

/** Payloads a user is woken for: a body, an encrypted message, a call proposal (XEP-0353). */
const WAKE_NS = new Set([
  'eu.siacs.conversations.axolotl',
  'urn:xmpp:omemo:2',
  'urn:xmpp:openpgp:0',
  'urn:xmpp:jingle-message:0',
]);

function pushable(el: Element): boolean {
  const type = el.attrs.type ?? 'normal';
  if (type !== 'chat' && type !== 'normal') return false;
  return el.elements().some((c) => c.name === 'body' || WAKE_NS.has(c.ns));
}

/** Messages notified per away client since it was last online (XEP-0357 §7 message-count). */
class Counts {
  private readonly byClient = new Map<string, Map<string, number>>();

  constructor(private readonly max: number) {}

  bump(bare: string, resource: string, reg: string): number {
    const key = `${bare}/${resource}`;
    let m = this.byClient.get(key);
    if (!m) {
      if (this.byClient.size >= this.max) {
        const oldest = this.byClient.keys().next();
        if (!oldest.done) this.byClient.delete(oldest.value);
      }
      m = new Map();
      this.byClient.set(key, m);
    }
    const n = (m.get(reg) ?? 0) + 1;
    m.set(reg, n);
    return n;
  }

  /** The client is back: its next notification counts from one. */
  reset(bare: string, resource?: string): void {
    if (resource !== undefined) {
      this.byClient.delete(`${bare}/${resource}`);
      return;
    }
    for (const key of this.byClient.keys())
      if (key.startsWith(`${bare}/`)) this.byClient.delete(key);
  }
}

export const modEventPusherPush = defineModule({
  id: 'mod_event_pusher_push',
  summary:
    'Push Notifications (XEP-0357): publishes message summaries to app servers for away clients',
  xeps: [
    {
      xep: 357,
      version: '0.4.1',
      note: 'away = offline, or detached (XEP-0198) on the node receiving the message',
    },
  ],
  options,
  async start(ctx) {
    const o = ctx.options;
    const store = await createPushStore(ctx.db);
    const counts = new Counts(100_000);
    const publisher = new PushPublisher({
      router: ctx.router,
      tracker: ctx.tracker,
      store,
      log: ctx.log,
      timeoutMs: o.iq_timeout * 1000,
      retries: o.retries,
      retryDelayMs: o.retry_delay * 1000,
    });
    const running = new Set<Promise<void>>();
    const track = (p: Promise<void>) => {
      const t = p
        .catch((err: unknown) => ctx.log.warn({ what: 'push_notify_failed', err }))
        .finally(() => running.delete(t));
      running.add(t);
    };

    /** XEP-0357 §7: one publish per registration whose client is away. */
    const notify = async (
      to: Jid,
      from: Jid,
      msg: Element,
      delivered: readonly Jid[],
    ): Promise<void> => {
      let away: (resource: string) => boolean = () => true;
      if (delivered.length > 0) {
        // Delivered to online sessions: only those detached by stream management are away.
        const detached = new Set(
          delivered.filter((j) => ctx.sm.get(j)?.detached === true).map((j) => j.resource),
        );
        if (detached.size === 0) return;
        away = (r) => detached.has(r);
      }
      const bare = to.bare();
      const regs = (await store.list(bare.local, bare.domain)).filter((r) => away(r.resource));
      const body = o.include_body ? msg.getChildText('body') : undefined;
      const sends = regs.map((reg) =>
        publisher.publish(bare, reg, {
          count: counts.bump(bare.bareString(), reg.resource, `${reg.jid}\n${reg.node}`),
          sender: o.include_sender ? from.toString() : undefined,
          body,
        }),
      );
      await Promise.all(sends);
    };

    return {
      iq: [
        {
          target: 'user',
          ns: NS_PUSH,
          handler: (req) =>
            handlePushIq(
              {
                store,
                maxRegistrations: o.max_registrations,
                changed: (user, domain) => counts.reset(`${user}@${domain}`),
              },
              req,
            ),
        },
      ],
      // XEP-0357 §4: the account advertises support.
      accountFeatures: [NS_PUSH],
      hooks: [
        onHook(
          'message-to-user',
          (acc, { to, from, delivered }) => {
            if (pushable(acc)) track(notify(to, from, acc, delivered));
            return acc;
          },
          90,
        ),
        onHook('session-opened', (acc, { session }) => {
          if (session.jid) counts.reset(session.jid.bareString(), session.jid.resource);
          return acc;
        }),
        onHook('remove-user', async (acc, { user, domain }) => {
          await store.removeAll(user, domain);
          return acc;
        }),
      ],
      stop: async () => {
        publisher.stop();
        await Promise.allSettled([...running]);
      },
    };
  },
});

export { createPushStore } from './push-store.sql.ts';
export type { PushRegistration, PushStore } from './push-store.ts';
