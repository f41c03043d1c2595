import { s } from '../../config/index.ts';
import { StanzaError } from '../../errors/index.ts';
import { Stop } from '../../hooks/index.ts';
import type { IqRequest } from '../../iq/index.ts';
import { type Jid, tryParseJid } from '../../jid/index.ts';
import type { RouteTarget } from '../../router/index.ts';
import type { LocalSession } from '../../sm/index.ts';
import { type Element, NS_CARBONS } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import {
  carbonCopy,
  carbonsEligible,
  isCarbonCopy,
  isPrivate,
  withoutPrivate,
} from './carbons-rules.ts';

/** session.data key: present (true) while the session has Carbons enabled. */
const ENABLED = 'mod_carbons';

/** Runs after filters such as blocking (5) and after mod_mam's stanza-id (40). */
const PRIORITY = 60;

const options = s.object({}, { doc: 'Message Carbons (XEP-0280)' });

/** XEP-0280: copies of a user's one-to-one messages to all of the user's interested resources. */
export const modCarbons = defineModule({
  id: 'mod_carbons',
  summary: 'Message Carbons: copies of sent and received chats to the other resources',
  xeps: [{ xep: 280, version: '1.0.1' }],
  options,
  async start(ctx) {
    const local = (jid: Jid | undefined): LocalSession | undefined =>
      jid ? ctx.sm.get(jid) : undefined;

    // XEP-0280 §4/§5: enable/disable for the requesting session only.
    const handler = (req: IqRequest): undefined => {
      const op = req.payload.name;
      if (req.type !== 'set' || (op !== 'enable' && op !== 'disable')) {
        throw new StanzaError('bad-request');
      }
      const ownAccount = req.to.local === '' || req.to.bareString() === req.from.bareString();
      const session = req.session ?? local(req.from);
      if (!ownAccount || !session || session.jid === undefined || !session.jid.equals(req.from)) {
        throw new StanzaError('not-allowed');
      }
      // §10.1: repeated enable/disable requests are not errors.
      if (op === 'enable') session.data.set(ENABLED, true);
      else session.data.delete(ENABLED);
      return undefined;
    };

    /**
     * Sends a copy to each target with Carbons enabled. A resource on another node gets it
     * regardless: its node's user-receive-packet filter below drops it when not enabled there.
     */
    const copyTo = async (targets: RouteTarget[], make: (to: Jid) => Element): Promise<void> => {
      const sends: Promise<void>[] = [];
      for (const t of targets) {
        const session = ctx.sm.get(t.jid);
        if (session === t && session.data.get(ENABLED) !== true) continue;
        sends.push(t.deliver(make(t.jid)));
      }
      await Promise.all(sends);
    };

    return {
      iq: [
        // §4: the IQ has no 'to' (the account) in the examples; some clients address the server.
        { target: 'user', ns: NS_CARBONS, handler },
        { target: 'server', ns: NS_CARBONS, handler },
      ],
      features: [NS_CARBONS],
      hooks: [
        // §8: copies of what a resource sends go to the user's other resources.
        onHook(
          'user-send-packet',
          async (msg, { from }) => {
            if (!carbonsEligible(msg)) return msg;
            const to = msg.attrs.to;
            // To the user's own account: the received copies below cover the other resources.
            if (to === undefined || sameAccount(to, from)) return msg;
            const others = ctx.router.resources(from.bare()).filter((t) => !t.jid.equals(from));
            await copyTo(others, (jid) => carbonCopy('sent', msg, from, jid));
            return msg;
          },
          PRIORITY,
        ),
        // §6: copies of what one resource receives go to the resources that did not get it.
        onHook(
          'message-to-user',
          async (msg, { to, from, delivered }) => {
            if (isPrivate(msg)) return withoutPrivate(msg);
            if (!carbonsEligible(msg)) return msg;
            const got = new Set(delivered.map((j) => j.toString()));
            const others = ctx.router
              .resources(to.bare())
              .filter((t) => !got.has(t.jid.toString()) && !t.jid.equals(from));
            await copyTo(others, (jid) => carbonCopy('received', msg, to, jid));
            return msg;
          },
          PRIORITY,
        ),
        // Copies forwarded from another node reach every resource; only enabled ones keep them.
        onHook(
          'user-receive-packet',
          (msg, { session }) => {
            if (msg.name !== 'message' || session.data.get(ENABLED) === true) return msg;
            const user = session.jid?.bareString();
            return msg.attrs.from === user && isCarbonCopy(msg) ? new Stop(msg) : msg;
          },
          PRIORITY,
        ),
      ],
    };
  },
});

function sameAccount(to: string, from: Jid): boolean {
  return tryParseJid(to)?.bareString() === from.bareString();
}
