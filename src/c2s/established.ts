import { randomBytes } from 'node:crypto';
import { errorReply, StanzaError, StreamError } from '../errors/index.ts';
import { type Jid, tryParseJid } from '../jid/index.ts';
import { Element, NS_BIND, NS_CLIENT, NS_SESSION, x } from '../xml/index.ts';
import type { C2sSession } from './session.ts';

const STANZAS = new Set(['message', 'presence', 'iq']);
const IQ_TYPES = new Set(['get', 'set', 'result', 'error']);

/** Resource binding and the stanza path of a bound session (RFC 6120 §7, §8, §10). */
export class EstablishedHandler {
  private closedHooksRun = false;

  constructor(private readonly s: C2sSession) {}

  async beforeBind(el: Element): Promise<void> {
    if (el.name === 'iq' && el.ns === NS_CLIENT && el.attrs.type === 'set') {
      const bind = el.getChild('bind', NS_BIND);
      if (bind) return this.bind(el, bind);
    }
    // RFC 6120 §7.1: stanzas need a bound resource.
    throw new StreamError('not-authorized', 'bind a resource first');
  }

  private async bind(iq: Element, bind: Element): Promise<void> {
    const s = this.s;
    const [local, domain] = splitBare(s.authJid!);
    const requested = bind.getChildText('resource', NS_BIND)?.trim() ?? '';
    const resource = requested !== '' ? requested : randomBytes(6).toString('hex');
    const jid = tryParseJid(`${local}@${domain}/${resource}`);
    if (!jid || jid.resource === '') {
      // RFC 6120 §7.7.2.1: a resource that cannot be processed.
      s.conn.send(errorReply(iq, new StanzaError('bad-request', { text: 'invalid resource' })));
      return;
    }
    s.bindTo(jid);
    const old = s.deps.sm.bind(s);
    // RFC 6120 §7.7.2.2: the new session wins; the old one gets <conflict/>. This one is
    // established first: what the old one reroutes as it ends (XEP-0198 §5 unacked messages)
    // is for this very JID.
    const replaced =
      old && old !== s
        ? old.close(new StreamError('conflict', 'replaced by a new connection'))
        : undefined;
    s.setState({ name: 'session-established' });
    s.conn.send(
      x(
        'iq',
        NS_CLIENT,
        { type: 'result', id: iq.attrs.id },
        x('bind', NS_BIND, {}, x('jid', NS_BIND, {}, jid.toString())),
      ),
    );
    await replaced;
    s.deps.counters.sessionOpened(s.conn.kind);
    s.deps.log.info({
      what: 'c2s_session_opened',
      jid: jid.toString(),
      ip: s.ip,
      transport: s.conn.kind,
    });
    await s.deps.hooks.run('session-opened', undefined, { session: s });
  }

  async onStanza(el: Element): Promise<void> {
    const s = this.s;
    if (!STANZAS.has(el.name)) {
      throw new StreamError('unsupported-stanza-type', `<${el.name}/> is not a stanza`);
    }
    if (el.ns !== NS_CLIENT) throw new StreamError('invalid-namespace');
    s.deps.counters.stanzaIn(el.name);
    const me = s.jid;
    const fromAttr = el.attrs.from;
    if (fromAttr !== undefined) {
      const from = tryParseJid(fromAttr);
      // RFC 6120 §8.1.2.1: a 'from' that is not the client's own JID is a stream error.
      if (!from || !(from.equals(me) || (from.isBare() && from.bareString() === me.bareString()))) {
        throw new StreamError('invalid-from');
      }
    }
    el.setAttr('from', me.toString());
    const toAttr = el.attrs.to;
    let to: Jid | undefined;
    if (toAttr !== undefined) {
      to = tryParseJid(toAttr);
      if (!to) return this.reject(el, new StanzaError('jid-malformed'));
    }
    if (el.name === 'iq') {
      const type = el.attrs.type ?? '';
      if (!IQ_TYPES.has(type) || el.attrs.id === undefined) {
        return this.reject(
          el,
          new StanzaError('bad-request', { text: 'iq needs an id and a valid type' }),
        );
      }
      // The legacy session IQ (RFC 3921 §3): nothing to do but say yes.
      if (
        type === 'set' &&
        el.getChild('session', NS_SESSION) &&
        (!to || (to.domain === me.domain && to.local === ''))
      ) {
        s.send(new Element('iq', NS_CLIENT, { type: 'result', id: el.attrs.id }));
        return;
      }
    }
    if (el.name === 'presence' && !to) this.updatePresence(el);
    const sent = await s.deps.hooks.run('user-send-packet', el, { session: s, from: me });
    if (sent.stopped) return;
    const stanza = sent.acc;
    if (!to) {
      if (stanza.name === 'presence') {
        if (this.becameAvailable) {
          this.becameAvailable = false;
          await s.deps.hooks.run('user-available', undefined, { session: s });
        }
        return;
      }
      // RFC 6120 §10.3: no 'to' means the user's own account.
      to = me.bare();
    }
    await s.deps.router.route(stanza, me, to);
  }

  private becameAvailable = false;

  /** RFC 6121 §4.2 / §4.5: presence broadcast sets availability and priority. */
  private updatePresence(el: Element): void {
    const type = el.attrs.type;
    if (type === undefined) {
      const raw = el.getChildText('priority');
      let priority = raw === undefined ? 0 : Number.parseInt(raw, 10);
      if (!Number.isFinite(priority)) priority = 0;
      priority = Math.max(-128, Math.min(127, priority));
      if (!this.s.available) this.becameAvailable = true;
      this.s.setPresence(true, priority);
    } else if (type === 'unavailable') {
      this.s.setPresence(false, undefined);
    }
  }

  private reject(el: Element, err: StanzaError): void {
    const t = el.attrs.type;
    if (t === 'error' || t === 'result') return;
    const reply = errorReply(el, err);
    reply.setAttr('from', undefined);
    reply.setAttr('to', this.s.jid.toString());
    this.s.send(reply);
  }

  async ended(reason: string): Promise<void> {
    const s = this.s;
    if (!s.isBound || this.closedHooksRun) return;
    this.closedHooksRun = true;
    s.setPresence(false, undefined);
    const removed = s.deps.sm.unbind(s);
    s.deps.counters.sessionClosed(s.conn.kind);
    s.deps.log.info({ what: 'c2s_session_closed', jid: s.jid.toString(), reason });
    void removed;
    await s.deps.hooks.run('session-closed', undefined, { session: s, reason });
  }
}

function splitBare(bare: string): [string, string] {
  const at = bare.indexOf('@');
  return [bare.slice(0, at), bare.slice(at + 1)];
}
