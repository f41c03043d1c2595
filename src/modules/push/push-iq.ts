import { StanzaError } from '../../errors/index.ts';
import type { IqRequest } from '../../iq/index.ts';
import { tryParseJid } from '../../jid/index.ts';
import { type Element, NS_DATA_FORMS } from '../../xml/index.ts';
import type { PushRegistration, PushStore } from './push-store.ts';

export const NS_PUSH = 'urn:xmpp:push:0';
export const NS_PUBLISH_OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';

export interface PushIqDeps {
  store: PushStore;
  maxRegistrations: number;
  /** A registration changed: counters of pushes sent for it start again. */
  changed(user: string, domain: string, jid: string, node?: string): void;
}

/** XEP-0357 §5 enable and §6 disable, sent by a client to its own account (no 'to'). */
export async function handlePushIq(d: PushIqDeps, req: IqRequest): Promise<undefined> {
  if (req.type !== 'set') throw new StanzaError('bad-request', { text: 'enable/disable are sets' });
  // Only the account itself manages its registrations.
  if (req.from.bareString() !== req.to.bareString() || req.from.resource === '') {
    throw new StanzaError('forbidden');
  }
  const p = req.payload;
  const app = tryParseJid(p.attrs.jid ?? '');
  if (!app) throw new StanzaError('bad-request', { text: "a valid 'jid' is required" });
  const { local: user, domain } = req.to;
  if (p.name === 'enable') {
    const node = p.attrs.node;
    if (node === undefined || node === '') {
      throw new StanzaError('bad-request', { text: "'node' is required" });
    }
    const reg: PushRegistration = {
      jid: app.toString(),
      node,
      resource: req.from.resource,
      options: publishOptions(p),
    };
    if (!(await d.store.enable(user, domain, reg, d.maxRegistrations))) {
      throw new StanzaError('resource-constraint', { text: 'too many push registrations' });
    }
    d.changed(user, domain, reg.jid, node);
    return undefined;
  }
  if (p.name === 'disable') {
    const node = p.attrs.node === '' ? undefined : p.attrs.node;
    await d.store.disable(user, domain, app.toString(), node);
    d.changed(user, domain, app.toString(), node);
    return undefined;
  }
  throw new StanzaError('bad-request');
}

/**
 * XEP-0357 §5: an optional publish-options form (FORM_TYPE pubsub#publish-options) whose fields,
 * e.g. a secret shared by the client and its app server, go with every publish.
 */
function publishOptions(enable: Element): PushRegistration['options'] {
  const form = enable.getChild('x', NS_DATA_FORMS);
  if (!form) return [];
  const out: { name: string; values: string[] }[] = [];
  let formType: string | undefined;
  for (const f of form.getChildren('field', NS_DATA_FORMS)) {
    const name = f.attrs.var;
    const values = f.getChildren('value', NS_DATA_FORMS).map((v) => v.text());
    if (name === 'FORM_TYPE') formType = values[0];
    else if (name !== undefined) out.push({ name, values });
  }
  if (formType !== NS_PUBLISH_OPTIONS) {
    throw new StanzaError('bad-request', { text: 'the form must be pubsub#publish-options' });
  }
  if (out.length > 20 || out.some((f) => f.name.length > 256 || f.values.join('').length > 4096)) {
    throw new StanzaError('not-acceptable', { text: 'publish-options too large' });
  }
  return out;
}
