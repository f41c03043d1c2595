import type { Jid } from '../../jid/index.ts';
import { tryParseJid } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import { type Element, NS_CLIENT, NS_HINTS, NS_SID, x } from '../../xml/index.ts';
import type { RosterApi } from '../roster/roster-api.ts';
import { ArchiveIds } from './archive-id.ts';
import { shouldArchive } from './mam-prefs.ts';
import type { MamDefault, MamPrefs, MamStore } from './mam-store.ts';
import { encodeStanza } from './stored-stanza.ts';

export interface ArchiverDeps {
  store: MamStore;
  log: Logger;
  hosts: ReadonlySet<string>;
  defaultMode: MamDefault;
  roster: RosterApi | undefined;
}

/**
 * XEP-0313 §5.1.1: a user archive holds the 'normal' and 'chat' messages with a <body/> the user
 * sends or receives. XEP-0334: <no-store/> and <no-permanent-store/> keep a message out, <store/>
 * lets a bodyless chat message in.
 */
export function archivable(msg: Element): boolean {
  if (msg.name !== 'message') return false;
  const type = msg.attrs.type ?? 'normal';
  if (type !== 'chat' && type !== 'normal') return false;
  if (msg.getChild('no-store', NS_HINTS) || msg.getChild('no-permanent-store', NS_HINTS)) {
    return false;
  }
  return (
    msg.getChild('body', NS_CLIENT) !== undefined || msg.getChild('store', NS_HINTS) !== undefined
  );
}

const PREFS_TTL_MS = 30_000;
const PREFS_CACHE_MAX = 50_000;

/** Writes the sender's and the recipient's archive entries of one-to-one messages. */
export class MamArchiver {
  /**
   * Preferences by bare JID, read once per PREFS_TTL_MS instead of twice per message (the
   * messaging benchmark's hot path). Changes made on this node apply at once (forgetPrefs);
   * made on another cluster node, within the TTL. Bounded: oldest entries go first.
   */
  private readonly prefsCache = new Map<string, { prefs: MamPrefs; at: number }>();
  /** Time-ordered archive UIDs: index inserts at the B-tree's right edge (archive-id.ts). */
  private readonly ids = new ArchiveIds();

  constructor(private readonly d: ArchiverDeps) {}

  async prefsOf(user: Jid): Promise<MamPrefs> {
    const key = user.bareString();
    const now = Date.now();
    const hit = this.prefsCache.get(key);
    if (hit && now - hit.at < PREFS_TTL_MS) return hit.prefs;
    const stored = await this.d.store.getPrefs(user.local, user.domain);
    const prefs = stored ?? { default: this.d.defaultMode, always: [], never: [] };
    if (this.prefsCache.size >= PREFS_CACHE_MAX) {
      const oldest = this.prefsCache.keys().next();
      if (!oldest.done) this.prefsCache.delete(oldest.value);
    }
    this.prefsCache.set(key, { prefs, at: now });
    return prefs;
  }

  forgetPrefs(user: Jid): void {
    this.prefsCache.delete(user.bareString());
  }

  /** 'user-send-packet': the sender's copy ('out'). The message itself is not changed. */
  async outgoing(msg: Element, from: Jid): Promise<Element> {
    if (msg.name !== 'message') return msg;
    // XEP-0359 §4: a stanza-id claiming to come from one of our archives is a forgery.
    msg.removeChildren((c) => c.name === 'stanza-id' && c.ns === NS_SID && this.ours(c.attrs.by));
    if (!archivable(msg)) return msg;
    const to = tryParseJid(msg.attrs.to ?? '');
    // To the user's own account: archived once, as received (message-to-user).
    if (!to || to.local === '' || to.bareString() === from.bareString()) return msg;
    await this.append(from.bare(), to, 'out', msg);
    return msg;
  }

  /**
   * 'message-to-user': the recipient's copy ('in'), then the XEP-0359 stanza-id that tells the
   * recipient where it is archived (XEP-0313 §3.2), on a copy of the message.
   */
  async incoming(msg: Element, to: Jid, from: Jid): Promise<Element> {
    if (!archivable(msg)) return msg;
    const user = to.bare();
    const by = user.bareString();
    // Already archived for this user: a message re-routed by another cluster node.
    if (msg.getChildren('stanza-id', NS_SID).some((c) => c.attrs.by === by)) return msg;
    const id = await this.append(user, from, 'in', msg);
    if (id === undefined) return msg;
    return msg.clone().append(x('stanza-id', NS_SID, { by, id }));
  }

  private async append(
    user: Jid,
    peer: Jid,
    direction: 'in' | 'out',
    msg: Element,
  ): Promise<string | undefined> {
    const peerBare = peer.bareString();
    try {
      const prefs = await this.prefsOf(user);
      const roster = this.d.roster;
      const inRoster = async () =>
        roster ? (await roster.getItem(user, peer.bare())) !== undefined : true;
      if (!(await shouldArchive(prefs, peerBare, inRoster))) return undefined;
      const createdAt = Date.now();
      const id = this.ids.next(createdAt);
      await this.d.store.append(user.local, user.domain, {
        id,
        with: peerBare,
        withResource: peer.resource,
        direction,
        createdAt,
        stanza: encodeStanza(msg),
      });
      return id;
    } catch (err) {
      // Delivery goes on: losing the archive entry beats losing the message.
      this.d.log.warn({ what: 'mam_write_failed', user: user.bareString(), err });
      return undefined;
    }
  }

  private ours(by: string | undefined): boolean {
    const jid = by === undefined ? undefined : tryParseJid(by);
    return jid === undefined || this.d.hosts.has(jid.domain);
  }
}
