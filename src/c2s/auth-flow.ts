import { StreamError } from '../errors/index.ts';
import { tryParseJid } from '../jid/index.ts';
import { type Element, NS_SASL, x } from '../xml/index.ts';
import { preAuthFeatures } from './features.ts';
import {
  createSaslServer,
  listMechanisms,
  type SaslFailureCondition,
  type SaslServer,
  type SaslStep,
} from './sasl/index.ts';
import type { C2sSession } from './session.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** -PLUS attempts with a type we lack that are not counted as failures (one per -PLUS mech). */
const CB_TYPE_RETRIES = 2;

/** SASL negotiation for one session (RFC 6120 §6.4). */
export class AuthFlow {
  private sasl: SaslServer | undefined;
  private mechanism = '';
  private failures = 0;
  /** A -PLUS attempt with a type we lack, proven by this user: its 'y' retry is fine. */
  private plusRefusedFor: string | undefined;
  private cbTypeRefusals = 0;

  constructor(private readonly s: C2sSession) {}

  private tlsPending(): boolean {
    return this.s.policy.tlsMode === 'starttls_required' && !this.s.conn.isSecure();
  }

  private mechanisms(): string[] {
    if (this.tlsPending()) return [];
    return listMechanisms({
      tls: this.s.conn.isSecure(),
      allowPlainWithoutTls: this.s.policy.allowPlainWithoutTls,
      channelBinding: this.s.conn.channelBindings().length > 0,
    });
  }

  features(): Element {
    const offerTls = this.s.conn.canStartTls();
    return preAuthFeatures({
      offerTls,
      tlsRequired: offerTls && this.s.policy.tlsMode === 'starttls_required',
      mechanisms: this.mechanisms(),
      channelBindings: this.s.conn.channelBindings().map((b) => b.type),
    });
  }

  async onAuth(el: Element): Promise<void> {
    if (this.tlsPending()) return this.fail('encryption-required');
    const mechanism = el.attrs.mechanism ?? '';
    if (!this.mechanisms().includes(mechanism)) return this.fail('invalid-mechanism');
    const domain = this.s.domain!;
    const d = this.s.deps;
    const server = createSaslServer(mechanism, {
      domain,
      getSecrets: (username) => {
        const jid = tryParseJid(`${username}@${domain}`);
        if (!jid || jid.local === '' || jid.resource !== '') return Promise.resolve(null);
        return d.getSecrets(jid.local, domain);
      },
      fakeSecretsKey: d.saslFakeKey,
      channelBindings: this.s.conn.channelBindings(),
      plusRefusedFor: this.plusRefusedFor,
      iterationsForUnknown: d.scramIterations,
    });
    if (!server) return this.fail('invalid-mechanism');
    this.sasl = server;
    this.mechanism = mechanism;
    const text = el.text().trim();
    // RFC 6120 §6.4.2: "=" is an empty initial response; no text means none.
    let initial: Buffer | null = null;
    if (text === '=') initial = Buffer.alloc(0);
    else if (text !== '') {
      const decoded = decode(text);
      if (!decoded) return this.fail('incorrect-encoding');
      initial = decoded;
    }
    this.s.setState({ name: 'wait-for-sasl-response' });
    await this.apply(await server.start(initial));
  }

  async onSaslElement(el: Element): Promise<void> {
    if (el.name === 'abort') return this.fail('aborted');
    if (el.name !== 'response' || !this.sasl) return this.fail('malformed-request');
    const text = el.text().trim();
    const decoded = text === '' || text === '=' ? Buffer.alloc(0) : decode(text);
    if (!decoded) return this.fail('incorrect-encoding');
    await this.apply(await this.sasl.step(decoded));
  }

  private async apply(step: SaslStep): Promise<void> {
    const conn = this.s.conn;
    if (step.kind === 'challenge') {
      conn.send(x('challenge', NS_SASL, {}, step.data.length ? step.data.toString('base64') : '='));
      return;
    }
    if (step.kind === 'failure' && step.cbTypeRefusedFor !== undefined) {
      // The password was right, only the binding type was not ours: not a failed login.
      this.plusRefusedFor = step.cbTypeRefusedFor;
      return this.fail(step.condition, step.text, ++this.cbTypeRefusals <= CB_TYPE_RETRIES);
    }
    if (step.kind === 'failure') return this.fail(step.condition, step.text);
    const jid = tryParseJid(`${step.username}@${this.s.domain}`);
    if (!jid) return this.fail('not-authorized');
    this.s.deps.counters.login(true, this.mechanism);
    this.s.deps.log.info({
      what: 'c2s_auth_success',
      jid: jid.toString(),
      mechanism: this.mechanism,
      ip: conn.ip,
    });
    conn.send(
      x('success', NS_SASL, {}, step.data?.length ? step.data.toString('base64') : undefined),
    );
    this.sasl = undefined;
    this.s.authenticated(jid.bareString());
  }

  private async fail(
    condition: SaslFailureCondition,
    text?: string,
    uncounted = false,
  ): Promise<void> {
    this.sasl = undefined;
    const conn = this.s.conn;
    const failure = x('failure', NS_SASL, {}, x(condition, NS_SASL));
    if (text) failure.append(x('text', NS_SASL, { 'xml:lang': 'en' }, text));
    conn.send(failure);
    if (condition !== 'aborted' && !uncounted) {
      this.failures++;
      this.s.deps.counters.login(false, this.mechanism);
      this.s.deps.log.info({
        what: 'c2s_auth_failed',
        condition,
        mechanism: this.mechanism,
        ip: conn.ip,
      });
    }
    this.s.setState({ name: 'wait-for-feature-request' });
    if (this.failures >= this.s.deps.limits.maxAuthFailures) {
      // RFC 6120 §6.4.5: a reasonable number of retries, then close.
      await this.s.close(new StreamError('policy-violation', 'too many authentication failures'));
    }
  }
}

function decode(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}
