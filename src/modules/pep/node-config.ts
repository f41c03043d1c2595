import { StanzaError } from '../../errors/index.ts';
import { type Element, NS_DATA_FORMS, x } from '../../xml/index.ts';
import { NS_PUBSUB_NODE_CONFIG } from './ns.ts';
import { pubsubError } from './pubsub-error.ts';

export type AccessModel = 'open' | 'presence' | 'roster' | 'whitelist';
export type SendLastPublished = 'never' | 'on_sub' | 'on_sub_and_presence';

/** A PEP node's configuration (XEP-0060 §16.4.3, the pubsub#node_config form). */
export interface NodeConfig {
  accessModel: AccessModel;
  persistItems: boolean;
  /** Items kept; 'max' = as many as the server allows (XEP-0060 §16.4.3, 1.15.4). */
  maxItems: number | 'max';
  rosterGroupsAllowed: string[];
  sendLastPublishedItem: SendLastPublished;
  notifyRetract: boolean;
  notifyDelete: boolean;
  notifyConfig: boolean;
  deliverPayloads: boolean;
  deliverNotifications: boolean;
  title: string;
  type: string;
}

/** XEP-0163 §4 / XEP-0060 defaults for a PEP node (presence access, last item kept). */
export const DEFAULT_CONFIG: NodeConfig = {
  accessModel: 'presence',
  persistItems: true,
  maxItems: 1,
  rosterGroupsAllowed: [],
  sendLastPublishedItem: 'on_sub_and_presence',
  notifyRetract: true,
  notifyDelete: true,
  notifyConfig: false,
  deliverPayloads: true,
  deliverNotifications: true,
  title: '',
  type: '',
};

const ACCESS_MODELS: readonly AccessModel[] = ['open', 'presence', 'roster', 'whitelist'];
const SEND_LAST: readonly SendLastPublished[] = ['never', 'on_sub', 'on_sub_and_presence'];
const MAX_TEXT = 1024;

/** Fills what a stored value lacks with the defaults (older rows, partial input). */
export function normalizeConfig(raw: unknown, defaults: NodeConfig = DEFAULT_CONFIG): NodeConfig {
  const out: NodeConfig = { ...defaults, rosterGroupsAllowed: [...defaults.rosterGroupsAllowed] };
  if (typeof raw !== 'object' || raw === null) return out;
  const r = raw as Record<string, unknown>;
  if (ACCESS_MODELS.includes(r.accessModel as AccessModel)) {
    out.accessModel = r.accessModel as AccessModel;
  }
  if (SEND_LAST.includes(r.sendLastPublishedItem as SendLastPublished)) {
    out.sendLastPublishedItem = r.sendLastPublishedItem as SendLastPublished;
  }
  if (r.maxItems === 'max' || (typeof r.maxItems === 'number' && r.maxItems >= 0)) {
    out.maxItems = r.maxItems;
  }
  if (Array.isArray(r.rosterGroupsAllowed)) {
    out.rosterGroupsAllowed = r.rosterGroupsAllowed.filter(
      (g): g is string => typeof g === 'string',
    );
  }
  for (const k of [
    'persistItems',
    'notifyRetract',
    'notifyDelete',
    'notifyConfig',
    'deliverPayloads',
    'deliverNotifications',
  ] as const) {
    if (typeof r[k] === 'boolean') out[k] = r[k];
  }
  for (const k of ['title', 'type'] as const) if (typeof r[k] === 'string') out[k] = r[k];
  return out;
}

type Field =
  | { kind: 'bool'; key: BoolKey }
  | { kind: 'text'; key: 'title' | 'type' }
  | { kind: 'list'; key: 'accessModel' | 'sendLastPublishedItem'; options: readonly string[] }
  | { kind: 'max' }
  | { kind: 'groups' };
type BoolKey =
  | 'persistItems'
  | 'notifyRetract'
  | 'notifyDelete'
  | 'notifyConfig'
  | 'deliverPayloads'
  | 'deliverNotifications';

/** The pubsub#… fields we support, by var, with their form label. */
const FIELDS: Record<string, { field: Field; label: string }> = {
  'pubsub#title': { field: { kind: 'text', key: 'title' }, label: 'A friendly name for the node' },
  'pubsub#type': { field: { kind: 'text', key: 'type' }, label: 'Payload type' },
  'pubsub#access_model': {
    field: { kind: 'list', key: 'accessModel', options: ACCESS_MODELS },
    label: 'Who may subscribe and retrieve items',
  },
  'pubsub#roster_groups_allowed': {
    field: { kind: 'groups' },
    label: 'Roster groups allowed (access model roster)',
  },
  'pubsub#persist_items': { field: { kind: 'bool', key: 'persistItems' }, label: 'Persist items' },
  'pubsub#max_items': { field: { kind: 'max' }, label: 'Max number of items to persist' },
  'pubsub#send_last_published_item': {
    field: { kind: 'list', key: 'sendLastPublishedItem', options: SEND_LAST },
    label: 'When to send the last published item',
  },
  'pubsub#notify_retract': {
    field: { kind: 'bool', key: 'notifyRetract' },
    label: 'Notify subscribers when items are removed',
  },
  'pubsub#notify_delete': {
    field: { kind: 'bool', key: 'notifyDelete' },
    label: 'Notify subscribers when the node is deleted',
  },
  'pubsub#notify_config': {
    field: { kind: 'bool', key: 'notifyConfig' },
    label: 'Notify subscribers when the configuration changes',
  },
  'pubsub#deliver_payloads': {
    field: { kind: 'bool', key: 'deliverPayloads' },
    label: 'Deliver payloads with event notifications',
  },
  'pubsub#deliver_notifications': {
    field: { kind: 'bool', key: 'deliverNotifications' },
    label: 'Deliver event notifications',
  },
};

/** Field values of a config, as the form carries them. */
function values(c: NodeConfig, f: Field): string[] {
  switch (f.kind) {
    case 'bool':
      return [c[f.key] ? '1' : '0'];
    case 'text':
      return [c[f.key]];
    case 'list':
      return [c[f.key]];
    case 'max':
      return [String(c.maxItems)];
    case 'groups':
      return [...c.rosterGroupsAllowed];
  }
}

const FORM_TYPES: Record<Field['kind'], string> = {
  bool: 'boolean',
  text: 'text-single',
  list: 'list-single',
  max: 'text-single',
  groups: 'list-multi',
};

/** XEP-0060 §8.2.1: the configuration form of a node (type form) or its values (type result). */
export function configForm(c: NodeConfig, type: 'form' | 'result' = 'form'): Element {
  const form = x(
    'x',
    NS_DATA_FORMS,
    { type },
    x(
      'field',
      NS_DATA_FORMS,
      { var: 'FORM_TYPE', type: 'hidden' },
      x('value', NS_DATA_FORMS, {}, NS_PUBSUB_NODE_CONFIG),
    ),
  );
  for (const [v, { field, label }] of Object.entries(FIELDS)) {
    const el = x('field', NS_DATA_FORMS, { var: v, type: FORM_TYPES[field.kind], label });
    if (field.kind === 'list') {
      for (const o of field.options) {
        el.append(x('option', NS_DATA_FORMS, {}, x('value', NS_DATA_FORMS, {}, o)));
      }
    }
    for (const val of values(c, field)) el.append(x('value', NS_DATA_FORMS, {}, val));
    form.append(el);
  }
  return form;
}

/** The fields of a submitted data form (XEP-0004 §3.3), FORM_TYPE excluded. */
export function formFields(form: Element): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of form.getChildren('field', NS_DATA_FORMS)) {
    const v = f.attrs.var;
    if (v === undefined || v === 'FORM_TYPE') continue;
    out.set(
      v,
      f.getChildren('value', NS_DATA_FORMS).map((e) => e.text()),
    );
  }
  return out;
}

export function formType(form: Element): string | undefined {
  for (const f of form.getChildren('field', NS_DATA_FORMS)) {
    if (f.attrs.var === 'FORM_TYPE') return f.getChildText('value', NS_DATA_FORMS);
  }
  return undefined;
}

function parseBool(v: string | undefined): boolean | undefined {
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return undefined;
}

export interface ConfigLimits {
  /** The server's cap on pubsub#max_items (what 'max' means). */
  maxItemsPerNode: number;
}

/**
 * Applies submitted fields to `base` (XEP-0060 §8.2.4). An unknown field or a bad value is
 * not-acceptable naming it; a max_items above the server's limit is not-acceptable naming it.
 */
export function applyFields(
  base: NodeConfig,
  fields: ReadonlyMap<string, readonly string[]>,
  limits: ConfigLimits,
): NodeConfig {
  const out = normalizeConfig(base);
  for (const [v, vals] of fields) {
    const def = FIELDS[v];
    if (!def) throw new StanzaError('not-acceptable', { text: `unsupported field ${v}` });
    const f = def.field;
    const first = vals[0];
    const bad = (): StanzaError =>
      new StanzaError('not-acceptable', { text: `bad value for ${v}: ${first ?? '(none)'}` });
    switch (f.kind) {
      case 'bool': {
        const b = parseBool(first);
        if (b === undefined) throw bad();
        out[f.key] = b;
        break;
      }
      case 'text':
        if ((first ?? '').length > MAX_TEXT) throw bad();
        out[f.key] = first ?? '';
        break;
      case 'list':
        if (first === undefined || !f.options.includes(first)) throw bad();
        (out as unknown as Record<string, string>)[f.key] = first;
        break;
      case 'max':
        out.maxItems = parseMaxItems(first, limits, bad);
        break;
      case 'groups':
        out.rosterGroupsAllowed = vals.slice(0, 100);
        break;
    }
  }
  return out;
}

function parseMaxItems(
  v: string | undefined,
  limits: ConfigLimits,
  bad: () => StanzaError,
): number | 'max' {
  if (v === 'max') return 'max';
  if (v === undefined || !/^\d{1,9}$/.test(v)) throw bad();
  const n = Number(v);
  if (n > limits.maxItemsPerNode) {
    throw new StanzaError('not-acceptable', {
      text: `pubsub#max_items is limited to ${limits.maxItemsPerNode} items per node`,
    });
  }
  return n;
}

/** How many items a node keeps: 0 when items are not persisted. */
export function itemsKept(c: NodeConfig, limits: ConfigLimits): number {
  if (!c.persistItems) return 0;
  return c.maxItems === 'max'
    ? limits.maxItemsPerNode
    : Math.min(c.maxItems, limits.maxItemsPerNode);
}

/**
 * XEP-0060 §7.1.5: each publish-options field is a precondition the existing node's
 * configuration must meet; a mismatch is <conflict/> with <precondition-not-met/>.
 */
export function checkPreconditions(
  c: NodeConfig,
  fields: ReadonlyMap<string, readonly string[]>,
  limits: ConfigLimits,
): void {
  let wanted: NodeConfig;
  try {
    wanted = applyFields(c, fields, limits);
  } catch (err) {
    if (!(err instanceof StanzaError)) throw err;
    throw notMet(err.text ?? 'bad publish-options');
  }
  for (const v of fields.keys()) {
    const f = FIELDS[v]!.field;
    const a = values(c, f);
    const b = values(wanted, f);
    const same = f.kind === 'groups' ? sameSet(a, b) : a[0] === b[0];
    if (!same) throw notMet(`${v} is ${a.join(',') || '(empty)'} on this node`);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const s = new Set(a);
  return a.length === b.length && b.every((v) => s.has(v));
}

function notMet(text: string): StanzaError {
  return pubsubError('conflict', 'precondition-not-met', text);
}
