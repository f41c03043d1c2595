import { errorReply, StanzaError } from '../../errors/index.ts';
import type { Jid } from '../../jid/index.ts';
import type { Router } from '../../router/index.ts';
import {
  type Element,
  NS_CLIENT,
  NS_DATA_FORMS,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  x,
} from '../../xml/index.ts';
import {
  fileTooLarge,
  NS_HTTP_UPLOAD,
  newUploadId,
  parseSlotRequest,
  putToken,
  quotaReached,
  typeAllowed,
  whenFits,
} from './slot.ts';
import type { UploadMetaStore, UploadRecord } from './upload-store.ts';

const DAY_MS = 86_400_000;

export interface UploadLimits {
  maxFileSize: number;
  allowedTypes: readonly string[];
  /** Bytes one user may hold; 0: no limit. */
  quota: number;
  /** Bytes one user may upload per 24 hours; 0: no limit. */
  dailyQuota: number;
  putTimeoutMs: number;
  expireAfterMs: number;
}

export interface UploadServiceDeps {
  router: Router;
  meta: UploadMetaStore;
  secret: Buffer;
  /** The URL prefix that maps to the HTTP listener's /upload/ (ends with '/'). */
  baseUrl(): string;
  /** Whether `from` may upload (a user of a host this server serves). */
  mayUpload(from: Jid): boolean;
  now(): number;
}

/** One XEP-0363 service (upload.<host>): disco and slot requests; HTTP is in http-handler.ts. */
export class UploadService {
  constructor(
    readonly domain: string,
    private readonly name: string,
    private readonly limits: UploadLimits,
    private readonly d: UploadServiceDeps,
  ) {}

  handle = async (stanza: Element, from: Jid, to: Jid): Promise<void> => {
    const type = stanza.attrs.type;
    if (stanza.name !== 'iq' || (type !== 'get' && type !== 'set')) return;
    let out: Element;
    let failure: unknown;
    try {
      out = result(stanza, await this.answer(stanza, from, to));
    } catch (err) {
      // RFC 6120 §8.3.3.5: an unexpected failure is answered without details and rethrown for
      // the router to log.
      if (!(err instanceof StanzaError)) failure = err;
      out = errorReply(
        stanza,
        err instanceof StanzaError ? err : new StanzaError('internal-server-error'),
      );
    }
    out.setAttr('from', to.toString());
    out.setAttr('to', from.toString());
    await this.d.router.route(out, to, from);
    if (failure !== undefined) throw failure;
  };

  private async answer(iq: Element, from: Jid, to: Jid): Promise<Element | undefined> {
    const q = iq.elements()[0];
    if (to.local !== '' || to.resource !== '' || !q) throw new StanzaError('service-unavailable');
    const get = iq.attrs.type === 'get';
    if (get && q.ns === NS_DISCO_INFO && q.attrs.node === undefined) return this.info();
    if (get && q.ns === NS_DISCO_ITEMS && q.attrs.node === undefined) {
      return x('query', NS_DISCO_ITEMS);
    }
    if (q.ns === NS_HTTP_UPLOAD && q.name === 'request') {
      // §4: a slot is requested with an IQ-get.
      if (!get) throw new StanzaError('bad-request', { text: 'request a slot with an IQ-get' });
      return this.slot(q, from);
    }
    throw new StanzaError('service-unavailable');
  }

  /** XEP-0363 §3: store/file identity, the feature, and max-file-size (XEP-0128). */
  info(): Element {
    const field = (v: string, value: string, type?: string) =>
      x('field', NS_DATA_FORMS, { var: v, type }, x('value', NS_DATA_FORMS, {}, value));
    return x(
      'query',
      NS_DISCO_INFO,
      {},
      x('identity', NS_DISCO_INFO, { category: 'store', type: 'file', name: this.name }),
      x('feature', NS_DISCO_INFO, { var: NS_DISCO_INFO }),
      x('feature', NS_DISCO_INFO, { var: NS_DISCO_ITEMS }),
      x('feature', NS_DISCO_INFO, { var: NS_HTTP_UPLOAD }),
      x(
        'x',
        NS_DATA_FORMS,
        { type: 'result' },
        field('FORM_TYPE', NS_HTTP_UPLOAD, 'hidden'),
        field('max-file-size', String(this.limits.maxFileSize)),
      ),
    );
  }

  private async slot(q: Element, from: Jid): Promise<Element> {
    if (!this.d.mayUpload(from)) {
      throw new StanzaError('not-allowed', { text: 'only users of this server may upload' });
    }
    const req = parseSlotRequest(q);
    const l = this.limits;
    if (req.size > l.maxFileSize) throw fileTooLarge(l.maxFileSize);
    if (!typeAllowed(req.contentType, l.allowedTypes)) {
      throw new StanzaError('not-acceptable', { text: 'files of this type are not accepted' });
    }
    const owner = from.bareString();
    const now = this.d.now();
    await this.checkQuotas(owner, req.size, now);
    const rec: UploadRecord = {
      id: newUploadId(),
      owner,
      ...req,
      createdAt: now,
      putDeadline: now + l.putTimeoutMs,
      expiresAt: now + l.expireAfterMs,
      state: 'slot',
    };
    const url = `${this.d.baseUrl()}${rec.id}/${encodeURIComponent(rec.filename)}`;
    await this.d.meta.insert(rec);
    const token = putToken(this.d.secret, rec);
    return x(
      'slot',
      NS_HTTP_UPLOAD,
      {},
      x('put', NS_HTTP_UPLOAD, { url: `${url}?token=${token}` }),
      x('get', NS_HTTP_UPLOAD, { url }),
    );
  }

  /**
   * §5: over quota is a temporary error with the time it frees up. Two requests racing may both
   * pass (the check is not locked): the overshoot is bounded by one request per session.
   */
  private async checkQuotas(owner: string, size: number, now: number): Promise<void> {
    const l = this.limits;
    if (l.quota > 0) {
      const used = await this.d.meta.usage(owner);
      if (used + size > l.quota) {
        const retry = whenFits(used, size, l.quota, await this.d.meta.expiries(owner));
        throw quotaReached(`Quota reached: you may store ${l.quota} bytes`, retry);
      }
    }
    if (l.dailyQuota > 0) {
      const recent = await this.d.meta.createdSince(owner, now - DAY_MS);
      const used = recent.reduce((n, r) => n + r.size, 0);
      if (used + size > l.dailyQuota) {
        const leaving = recent.map((r) => ({ at: r.at + DAY_MS, size: r.size }));
        const retry = whenFits(used, size, l.dailyQuota, leaving);
        throw quotaReached(
          `Daily quota reached: you may upload ${l.dailyQuota} bytes a day`,
          retry,
        );
      }
    }
  }
}

function result(iq: Element, payload: Element | undefined): Element {
  return x('iq', NS_CLIENT, { type: 'result', id: iq.attrs.id }, payload);
}
