import { StanzaError } from '../../errors/index.ts';
import type { IqRequest } from '../../iq/index.ts';
import type { Jid } from '../../jid/index.ts';
import { type Element, NS_DATA_FORMS, x } from '../../xml/index.ts';
import { configForm, formFields, formType } from './node-config.ts';
import {
  NS_PUBSUB,
  NS_PUBSUB_NODE_CONFIG,
  NS_PUBSUB_OWNER,
  NS_PUBSUB_PUBLISH_OPTIONS,
} from './ns.ts';
import type { PepService } from './pep-service.ts';
import { pubsubError, unsupported } from './pubsub-error.ts';

const MAX_IDS = 100;

/** The account whose PEP service an IQ addresses (its bare JID; RFC 6120 §10.3 for no 'to'). */
const ownerOf = (req: IqRequest): Jid => req.to.bare();
const isOwner = (req: IqRequest): boolean => req.from.bareString() === req.to.bareString();

function requireOwner(req: IqRequest): void {
  // XEP-0163 §3 / XEP-0060 §7.1.3.1: only the account may publish to or manage its nodes.
  if (!isOwner(req))
    throw new StanzaError('forbidden', { text: 'not the owner of this PEP service' });
}

function nodeOf(el: Element): string {
  const node = el.attrs.node;
  // XEP-0060 (pubsub#errors): a request naming no node is bad-request + nodeid-required.
  if (node === undefined || node === '') throw pubsubError('bad-request', 'nodeid-required');
  return node;
}

/** The one action child of <pubsub/> (plus publish-options / configure next to it). */
function action(pubsub: Element): { verb: Element; extra: Element[] } {
  if (pubsub.name !== 'pubsub') throw new StanzaError('bad-request');
  const [verb, ...extra] = pubsub.elements();
  if (!verb) throw new StanzaError('bad-request', { text: 'no pubsub action' });
  return { verb, extra };
}

/** A submitted form of FORM_TYPE `type` inside `wrapper` (publish-options, configure). */
function submittedFields(
  wrapper: Element | undefined,
  type: string,
): Map<string, string[]> | undefined {
  const form = wrapper?.getChild('x', NS_DATA_FORMS);
  if (!form) return undefined;
  if (form.attrs.type !== 'submit' && form.attrs.type !== undefined) return undefined;
  const t = formType(form);
  if (t !== undefined && t !== type) {
    throw new StanzaError('bad-request', { text: `FORM_TYPE must be ${type}` });
  }
  return formFields(form);
}

/** XEP-0060 §6, §7 on an account's bare JID (the pubsub namespace). */
export async function handlePubsubIq(
  pep: PepService,
  req: IqRequest,
): Promise<Element | undefined> {
  const { verb, extra } = action(req.payload);
  const owner = ownerOf(req);
  if (req.type === 'get') {
    if (verb.name === 'items') return getItems(pep, req, verb);
    if (verb.name === 'default')
      return x('pubsub', NS_PUBSUB, {}, x('default', NS_PUBSUB, {}, configForm(pep.defaults)));
    throw unsupported(
      verb.name === 'subscriptions' || verb.name === 'affiliations'
        ? `retrieve-${verb.name}`
        : verb.name,
    );
  }
  switch (verb.name) {
    case 'publish': {
      requireOwner(req);
      const node = nodeOf(verb);
      const items = verb.getChildren('item', NS_PUBSUB);
      // XEP-0060 §7.1.3.6: exactly one item (PEP nodes are not collections).
      if (items.length !== 1) throw pubsubError('bad-request', 'item-required');
      const item = items[0]!;
      const payloads = item.elements();
      // §7.1.3.5: exactly one payload element.
      if (payloads.length !== 1)
        throw pubsubError(
          'bad-request',
          payloads.length === 0 ? 'payload-required' : 'invalid-payload',
        );
      const opts = extra.find((e) => e.name === 'publish-options' && e.ns === NS_PUBSUB);
      const id = await pep.publish(owner, req.from, {
        node,
        id: item.attrs.id || undefined,
        payload: payloads[0]!,
        options: submittedFields(opts, NS_PUBSUB_PUBLISH_OPTIONS),
      });
      return x(
        'pubsub',
        NS_PUBSUB,
        {},
        x('publish', NS_PUBSUB, { node }, x('item', NS_PUBSUB, { id })),
      );
    }
    case 'retract': {
      requireOwner(req);
      const node = nodeOf(verb);
      const ids = verb.getChildren('item', NS_PUBSUB).map((i) => i.attrs.id ?? '');
      // XEP-0060 §7.2.3.3 / .4: an item id is required.
      if (ids.length === 0 || ids.some((i) => i === ''))
        throw pubsubError('bad-request', 'item-required');
      const notify = verb.attrs.notify === 'true' || verb.attrs.notify === '1';
      await pep.retract(owner, node, ids.slice(0, MAX_IDS), notify);
      return undefined;
    }
    case 'create': {
      requireOwner(req);
      // XEP-0060 §8.1.2: instant nodes (no name) are not offered on PEP (one node per namespace).
      const node = nodeOf(verb);
      const conf = extra.find((e) => e.name === 'configure' && e.ns === NS_PUBSUB);
      await pep.create(owner, node, submittedFields(conf, NS_PUBSUB_NODE_CONFIG));
      return undefined;
    }
    case 'subscribe':
    case 'unsubscribe':
    case 'options':
      // XEP-0163 §4.3.1: subscriptions to PEP nodes are implicit (presence and caps).
      throw unsupported('subscribe');
    default:
      throw new StanzaError('feature-not-implemented');
  }
}

async function getItems(pep: PepService, req: IqRequest, verb: Element): Promise<Element> {
  const node = nodeOf(verb);
  const ids = verb
    .getChildren('item', NS_PUBSUB)
    .map((i) => i.attrs.id)
    .filter((i): i is string => !!i);
  const rawMax = verb.attrs.max_items;
  let max: number | undefined;
  if (rawMax !== undefined) {
    if (!/^\d{1,9}$/.test(rawMax)) throw new StanzaError('bad-request', { text: 'bad max_items' });
    max = Number(rawMax);
  }
  const items = await pep.items(
    ownerOf(req),
    req.from,
    node,
    ids.length > 0 ? { ids: ids.slice(0, MAX_IDS) } : { max },
  );
  return x('pubsub', NS_PUBSUB, {}, x('items', NS_PUBSUB, { node }, ...items));
}

/** XEP-0060 §8 (pubsub#owner): node configuration, deletion, purge by the account. */
export async function handleOwnerIq(pep: PepService, req: IqRequest): Promise<Element | undefined> {
  const { verb } = action(req.payload);
  requireOwner(req);
  const owner = ownerOf(req);
  if (req.type === 'get') {
    if (verb.name === 'configure') {
      const node = nodeOf(verb);
      const { config } = await pep.node(owner, node);
      return x(
        'pubsub',
        NS_PUBSUB_OWNER,
        {},
        x('configure', NS_PUBSUB_OWNER, { node }, configForm(config)),
      );
    }
    if (verb.name === 'default') {
      return x(
        'pubsub',
        NS_PUBSUB_OWNER,
        {},
        x('default', NS_PUBSUB_OWNER, {}, configForm(pep.defaults)),
      );
    }
    throw unsupported(
      verb.name === 'subscriptions' ? 'manage-subscriptions' : 'modify-affiliations',
    );
  }
  switch (verb.name) {
    case 'configure': {
      const node = nodeOf(verb);
      const form = verb.getChild('x', NS_DATA_FORMS);
      // XEP-0060 §8.2.5: a cancelled form changes nothing.
      if (form?.attrs.type === 'cancel') {
        await pep.node(owner, node);
        return undefined;
      }
      const fields = submittedFields(verb, NS_PUBSUB_NODE_CONFIG);
      if (!fields) throw new StanzaError('bad-request', { text: 'a submitted form is required' });
      await pep.configure(owner, node, fields);
      return undefined;
    }
    case 'delete':
      await pep.delete(owner, nodeOf(verb));
      return undefined;
    case 'purge':
      await pep.purge(owner, nodeOf(verb));
      return undefined;
    default:
      throw unsupported(
        verb.name === 'subscriptions' ? 'manage-subscriptions' : 'modify-affiliations',
      );
  }
}
