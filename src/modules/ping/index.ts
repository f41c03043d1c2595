import { s } from '../../config/index.ts';
import { StanzaError } from '../../errors/index.ts';
import { Stop } from '../../hooks/index.ts';
import type { IqHandler } from '../../iq/index.ts';
import { NS_PING } from '../../xml/index.ts';
import { defineModule, type ModuleRegistrations, onHook } from '../module-api.ts';
import { ClientPinger } from './client-pinger.ts';

const options = s.object(
  {
    send_pings: s.bool({
      doc: 'Ping clients that have been idle for ping_interval',
      default: false,
    }),
    ping_interval: s.int({
      doc: 'Seconds of client silence before the server pings it',
      default: 60,
      min: 1,
      max: 86_400,
    }),
    ping_req_timeout: s.int({
      doc: 'Seconds a client has to answer a server ping',
      default: 32,
      min: 1,
      max: 3600,
    }),
    timeout_action: s.string({
      doc: 'What happens to a client that does not answer: kill (close the stream) or none (log)',
      default: 'kill',
      enum: ['none', 'kill'] as const,
    }),
  },
  { doc: 'XMPP Ping (XEP-0199)' },
);

/** XEP-0199 §4.2: answered by the server, for itself and on behalf of an account's bare JID. */
const pong: IqHandler = (req) => {
  if (req.type !== 'get') throw new StanzaError('not-allowed', { text: 'ping is an IQ-get' });
  return undefined;
};

export const modPing = defineModule({
  id: 'mod_ping',
  summary: 'Answers pings; optionally pings idle clients and closes those that do not answer',
  xeps: [{ xep: 199, version: '2.0.1' }],
  options,
  async start(ctx) {
    const regs: ModuleRegistrations = {
      iq: [
        { target: 'server', ns: NS_PING, handler: pong },
        { target: 'user', ns: NS_PING, handler: pong },
      ],
    };
    if (!ctx.options.send_pings) return regs;
    const pinger = new ClientPinger({
      sm: ctx.sm,
      tracker: ctx.tracker,
      log: ctx.log,
      intervalMs: ctx.options.ping_interval * 1000,
      timeoutMs: ctx.options.ping_req_timeout * 1000,
      kill: ctx.options.timeout_action === 'kill',
    });
    regs.hooks = [
      onHook('session-opened', (acc, { session }) => {
        pinger.opened(session);
        return acc;
      }),
      // Runs first: every stanza counts as activity, and our pong never reaches the router.
      onHook(
        'user-send-packet',
        (stanza, { session }) => {
          pinger.activity(session);
          return pinger.reply(session, stanza) ? new Stop() : stanza;
        },
        10,
      ),
      onHook('session-closed', (acc, { session }) => {
        pinger.closed(session);
        return acc;
      }),
    ];
    regs.stop = async () => pinger.stop();
    return regs;
  },
});
