import type { IqTracker } from '../../iq/index.ts';
import { type Jid, makeJid, tryParseJid } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Router } from '../../router/index.ts';
import { type Element, NS_CLIENT, NS_DATA_FORMS, x } from '../../xml/index.ts';
import { NS_PUBLISH_OPTIONS, NS_PUSH } from './push-iq.ts';
import type { PushRegistration, PushStore } from './push-store.ts';

const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const NS_SUMMARY = 'urn:xmpp:push:summary';

export interface Summary {
  count: number;
  sender?: string;
  body?: string;
}

const field = (name: string, values: readonly string[], type?: string) =>
  x(
    'field',
    NS_DATA_FORMS,
    { var: name, type },
    ...values.map((v) => x('value', NS_DATA_FORMS, {}, v)),
  );

/** XEP-0357 §7 Example 8: a pubsub publish of a notification with its summary form. */
export function publishIq(reg: PushRegistration, s: Summary): Element {
  const summary = [
    field('FORM_TYPE', [NS_SUMMARY], 'hidden'),
    field('message-count', [String(s.count)]),
  ];
  if (s.sender !== undefined) summary.push(field('last-message-sender', [s.sender]));
  if (s.body !== undefined) summary.push(field('last-message-body', [s.body]));
  const pubsub = x(
    'pubsub',
    NS_PUBSUB,
    {},
    x(
      'publish',
      NS_PUBSUB,
      { node: reg.node },
      x(
        'item',
        NS_PUBSUB,
        {},
        x('notification', NS_PUSH, {}, x('x', NS_DATA_FORMS, { type: 'submit' }, ...summary)),
      ),
    ),
  );
  if (reg.options.length > 0) {
    pubsub.append(
      x(
        'publish-options',
        NS_PUBSUB,
        {},
        x(
          'x',
          NS_DATA_FORMS,
          { type: 'submit' },
          field('FORM_TYPE', [NS_PUBLISH_OPTIONS], 'hidden'),
          ...reg.options.map((o) => field(o.name, o.values)),
        ),
      ),
    );
  }
  return x('iq', NS_CLIENT, { type: 'set' }, pubsub);
}

export interface PublisherOptions {
  router: Router;
  tracker: IqTracker;
  store: PushStore;
  log: Logger;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
}

export type PublishOutcome = 'published' | 'disabled' | 'failed';

/**
 * Sends one notification and acts on the answer (XEP-0357 §8): a result is done; an error other
 * than `wait` means the app server no longer wants it (unregistered device...), so the
 * registration is disabled; a timeout or a `wait` error is retried a few times.
 */
export class PushPublisher {
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private stopped = false;

  constructor(private readonly o: PublisherOptions) {}

  async publish(user: Jid, reg: PushRegistration, s: Summary): Promise<PublishOutcome> {
    const app = tryParseJid(reg.jid);
    if (!app) return this.disable(user, reg, 'bad-jid');
    // Sent by the user's server (Prosody and MongooseIM do too): the reply comes back to it.
    const server = makeJid('', user.domain);
    for (let attempt = 0; ; attempt++) {
      const iq = publishIq(reg, s);
      const pending = this.o.tracker.expect(this.o.timeoutMs, app.toString());
      iq.setAttr('id', pending.id);
      iq.setAttr('from', server.toString());
      iq.setAttr('to', app.toString());
      await this.o.router.route(iq, server, app);
      let retry: string;
      try {
        const reply = await pending.reply;
        if (reply.attrs.type === 'result') return 'published';
        const type = reply.getChild('error')?.attrs.type;
        if (type !== 'wait') return this.disable(user, reg, condition(reply));
        retry = 'wait';
      } catch {
        retry = 'timeout';
      }
      if (attempt >= this.o.retries || this.stopped) {
        this.o.log.info({
          what: 'push_failed',
          user: user.bareString(),
          app: reg.jid,
          reason: retry,
        });
        return 'failed';
      }
      await this.sleep(this.o.retryDelayMs);
    }
  }

  private async disable(user: Jid, reg: PushRegistration, reason: string): Promise<'disabled'> {
    await this.o.store.disable(user.local, user.domain, reg.jid, reg.node);
    this.o.log.info({ what: 'push_disabled', user: user.bareString(), app: reg.jid, reason });
    return 'disabled';
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  /** Ends waiting retries at once (they give up: `stopped`). */
  stop(): void {
    this.stopped = true;
    for (const [t, resolve] of this.timers) {
      clearTimeout(t);
      resolve();
    }
    this.timers.clear();
  }
}

function condition(reply: Element): string {
  const err = reply.getChild('error');
  const cond = err?.elements().find((e) => e.ns === 'urn:ietf:params:xml:ns:xmpp-stanzas');
  return cond?.name ?? 'error';
}
