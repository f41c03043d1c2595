import { Element, NS_BIND, NS_SASL, NS_SESSION, NS_STREAM, NS_TLS, x } from '../xml/index.ts';

export const NS_SASL_CB = 'urn:xmpp:sasl-cb:0';

/** Stream features before authentication (RFC 6120 §5.4.1, §6.4.1; XEP-0440). */
export function preAuthFeatures(opts: {
  offerTls: boolean;
  tlsRequired: boolean;
  mechanisms: string[];
  /** Channel-binding types of this connection (XEP-0440), advertised with the mechanisms. */
  channelBindings: readonly string[];
}): Element {
  const features = new Element('features', NS_STREAM);
  if (opts.offerTls) {
    const starttls = x('starttls', NS_TLS);
    if (opts.tlsRequired) starttls.append(x('required', NS_TLS));
    features.append(starttls);
  }
  if (opts.mechanisms.length > 0) {
    features.append(
      x('mechanisms', NS_SASL, {}, ...opts.mechanisms.map((m) => x('mechanism', NS_SASL, {}, m))),
    );
  }
  if (opts.channelBindings.length > 0 && opts.mechanisms.length > 0) {
    features.append(
      x(
        'sasl-channel-binding',
        NS_SASL_CB,
        {},
        ...opts.channelBindings.map((type) => x('channel-binding', NS_SASL_CB, { type })),
      ),
    );
  }
  return features;
}

/** Features after SASL: bind, the optional legacy session (RFC 3921 / 6121 appendix E). */
export function postAuthFeatures(extra: Element[]): Element {
  const features = new Element('features', NS_STREAM);
  features.append(x('bind', NS_BIND));
  features.append(x('session', NS_SESSION, {}, x('optional', NS_SESSION)));
  for (const f of extra) features.append(f);
  return features;
}
