import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Element,
  NS_CLIENT,
  NS_DATA_FORMS,
  NS_DELAY,
  NS_DISCO_INFO,
  NS_FORWARD,
  NS_MAM,
  NS_PING,
  NS_RSM,
  NS_SID,
  NS_STANZAS,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

const PW = 'secret-pw';
const CAP = 5;
const MODULES = [
  'mod_disco',
  'mod_offline',
  'mod_ping',
  'mod_presence',
  'mod_roster',
  'mod_carbons',
];

function chat(to: string, text: string): Element {
  return x('message', NS_CLIENT, { to, type: 'chat' }, x('body', NS_CLIENT, {}, text));
}

function errorCondition(el: Element): string | undefined {
  return el
    .getChild('error', NS_CLIENT)
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

async function sync(c: TestClient): Promise<void> {
  const r = await c.iq(x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('ping', NS_PING)));
  assert.equal(r.attrs.type, 'result');
}

const field = (name: string, value: string) =>
  x('field', NS_DATA_FORMS, { var: name }, x('value', NS_DATA_FORMS, {}, value));

interface QueryOpts {
  fields?: Record<string, string>;
  formType?: string;
  max?: string;
  after?: string;
  before?: string;
  to?: string;
}

function queryIq(queryid: string, o: QueryOpts = {}): Element {
  const fields = Object.entries(o.fields ?? {}).map(([k, v]) => field(k, v));
  const form =
    fields.length > 0 || o.formType !== undefined
      ? x(
          'x',
          NS_DATA_FORMS,
          { type: 'submit' },
          x(
            'field',
            NS_DATA_FORMS,
            { var: 'FORM_TYPE', type: 'hidden' },
            x('value', NS_DATA_FORMS, {}, o.formType ?? NS_MAM),
          ),
          ...fields,
        )
      : undefined;
  const rsm =
    o.max !== undefined || o.after !== undefined || o.before !== undefined
      ? x(
          'set',
          NS_RSM,
          {},
          o.max !== undefined ? x('max', NS_RSM, {}, o.max) : undefined,
          o.after !== undefined ? x('after', NS_RSM, {}, o.after) : undefined,
          o.before !== undefined ? x('before', NS_RSM, {}, o.before) : undefined,
        )
      : undefined;
  return x('iq', NS_CLIENT, { type: 'set', to: o.to }, x('query', NS_MAM, { queryid }, form, rsm));
}

interface Result {
  id: string;
  stamp: string | undefined;
  message: Element;
}

let queries = 0;

/** Runs a query; returns the results (in arrival order) and the final IQ. */
async function query(
  c: TestClient,
  o: QueryOpts = {},
): Promise<{ results: Result[]; iq: Element }> {
  const queryid = `q${++queries}`;
  const iq = await c.iq(queryIq(queryid, o));
  const results: Result[] = [];
  for (;;) {
    const i = c
      .pending()
      .findIndex((el) => el.getChild('result', NS_MAM)?.attrs.queryid === queryid);
    if (i < 0) break;
    const el = await c.expect((e) => e.getChild('result', NS_MAM)?.attrs.queryid === queryid);
    const result = el.getChild('result', NS_MAM)!;
    const fwd = result.getChild('forwarded', NS_FORWARD);
    results.push({
      id: result.attrs.id ?? '',
      stamp: fwd?.getChild('delay', NS_DELAY)?.attrs.stamp,
      message: fwd?.getChild('message', NS_CLIENT) ?? x('none', NS_CLIENT),
    });
  }
  return { results, iq };
}

const bodies = (r: Result[]) => r.map((m) => m.message.getChildText('body', NS_CLIENT));

function fin(iq: Element) {
  const f = iq.getChild('fin', NS_MAM);
  const set = f?.getChild('set', NS_RSM);
  return {
    complete: f?.attrs.complete,
    first: set?.getChildText('first', NS_RSM),
    index: set?.getChild('first', NS_RSM)?.attrs.index,
    last: set?.getChildText('last', NS_RSM),
    count: set?.getChildText('count', NS_RSM),
  };
}

describe('mod_mam end to end (XEP-0313)', () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  const login = async (user: string, resource = 'r') => {
    const c = await TestClient.connect(server.plainPort);
    await c.login(user, PW, { mechanism: 'PLAIN', starttls: false, resource });
    clients.push(c);
    return c;
  };
  const body = (text: string) => (el: Element) =>
    el.name === 'message' && el.getChildText('body', NS_CLIENT) === text;

  before(async () => {
    const tables = MODULES.map((m) => `[modules.${m}]\n`).join('');
    server = await startTestServer({
      toml: `${tables}[modules.mod_mam]\ndefault_page_size = 3\nmax_page_size = ${CAP}\n`,
    });
    for (const n of ['al', 'bo', 'cy', 'di', 'ed', 'fi', 'gi', 'ha', 'iv', 'jo', 'ky', 'lu']) {
      await server.register(n, PW);
    }
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  test('accounts advertise urn:xmpp:mam:2 and urn:xmpp:sid:0', async () => {
    const c = await login('al', 'disco');
    const r = await c.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'al@localhost' }, x('query', NS_DISCO_INFO)),
    );
    const features = r
      .getChild('query', NS_DISCO_INFO)
      ?.getChildren('feature', NS_DISCO_INFO)
      .map((f) => f.attrs.var);
    assert.ok(features?.includes(NS_MAM));
    assert.ok(features?.includes(NS_SID));
  });

  test('an empty archive gives no results and a complete fin with count 0', async () => {
    const c = await login('lu');
    const { results, iq } = await query(c);
    assert.equal(iq.attrs.type, 'result');
    assert.deepEqual(results, []);
    assert.deepEqual(fin(iq), {
      complete: 'true',
      first: undefined,
      index: undefined,
      last: undefined,
      count: '0',
    });
  });

  test('the query form lists with, start and end', async () => {
    const c = await login('lu', 'form');
    const r = await c.iq(x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_MAM)));
    const vars = r
      .getChild('query', NS_MAM)
      ?.getChild('x', NS_DATA_FORMS)
      ?.getChildren('field', NS_DATA_FORMS)
      .map((f) => f.attrs.var);
    assert.deepEqual(vars, ['FORM_TYPE', 'with', 'start', 'end']);
  });

  test('both sides are archived; the delivered message carries the recipient archive stanza-id', async () => {
    const al = await login('al');
    const bo = await login('bo');
    al.send(chat('bo@localhost/r', 'hello bo'));
    const got = await bo.expect(body('hello bo'));
    const sids = got.getChildren('stanza-id', NS_SID);
    assert.equal(sids.length, 1);
    assert.equal(sids[0]!.attrs.by, 'bo@localhost');
    const mine = await query(bo);
    assert.deepEqual(bodies(mine.results), ['hello bo']);
    assert.equal(mine.results[0]!.id, sids[0]!.attrs.id);
    assert.equal(mine.results[0]!.message.attrs.from, 'al@localhost/r');
    assert.ok(mine.results[0]!.stamp && Date.parse(mine.results[0]!.stamp) > 0);
    assert.equal(fin(mine.iq).first, sids[0]!.attrs.id);
    const theirs = await query(al);
    assert.deepEqual(bodies(theirs.results), ['hello bo']);
    assert.equal(theirs.results[0]!.message.attrs.to, 'bo@localhost/r');
    assert.notEqual(theirs.results[0]!.id, sids[0]!.attrs.id);
  });

  test('messages for an offline user are archived and delivered later with their stanza-id', async () => {
    const cy = await login('cy');
    cy.send(chat('di@localhost', 'while away'));
    await sync(cy);
    const di = await login('di');
    di.send(x('presence', NS_CLIENT));
    const got = await di.expect(body('while away'));
    const sid = got.getChild('stanza-id', NS_SID);
    const archived = await query(di);
    assert.deepEqual(bodies(archived.results), ['while away']);
    assert.equal(archived.results[0]!.id, sid?.attrs.id);
  });

  test('RSM pages forward with after, backward with before, and the last page with <before/>', async () => {
    const ed = await login('ed');
    for (let i = 1; i <= 7; i++) ed.send(chat('fi@localhost', `m${i}`));
    await sync(ed);
    const fi = await login('fi');
    const p1 = await query(fi, { max: '3' });
    assert.deepEqual(bodies(p1.results), ['m1', 'm2', 'm3']);
    const f1 = fin(p1.iq);
    assert.notEqual(f1.complete, 'true');
    assert.equal(f1.count, '7');
    assert.equal(f1.index, '0');
    assert.equal(f1.first, p1.results[0]!.id);
    assert.equal(f1.last, p1.results[2]!.id);
    const p2 = await query(fi, { max: '3', after: f1.last });
    assert.deepEqual(bodies(p2.results), ['m4', 'm5', 'm6']);
    assert.equal(fin(p2.iq).index, '3');
    const p3 = await query(fi, { max: '3', after: fin(p2.iq).last });
    assert.deepEqual(bodies(p3.results), ['m7']);
    assert.equal(fin(p3.iq).complete, 'true');
    const last = await query(fi, { max: '2', before: '' });
    assert.deepEqual(bodies(last.results), ['m6', 'm7']);
    const prev = await query(fi, { max: '2', before: fin(last.iq).first });
    assert.deepEqual(bodies(prev.results), ['m4', 'm5']);
    // No <max/>: the configured default page size (3).
    assert.deepEqual(bodies((await query(fi)).results), ['m1', 'm2', 'm3']);
    const missing = await fi.iq(queryIq('gone', { after: 'no-such-id' }));
    assert.equal(errorCondition(missing), 'item-not-found');
  });

  test('a <max/> above the cap is lowered to max_page_size', async () => {
    const gi = await login('gi');
    for (let i = 1; i <= CAP + 2; i++) gi.send(chat('ha@localhost', `c${i}`));
    await sync(gi);
    const ha = await login('ha');
    const page = await query(ha, { max: '1000' });
    assert.equal(page.results.length, CAP);
    assert.notEqual(fin(page.iq).complete, 'true');
    assert.equal(fin(page.iq).count, String(CAP + 2));
  });

  test('filters by with (bare or full JID), start and end', async () => {
    const iv = await login('iv', 'one');
    const jo = await login('jo');
    const ky = await login('ky');
    iv.send(chat('jo@localhost/r', 'from iv 1'));
    await jo.expect(body('from iv 1'));
    await sleep(5);
    ky.send(chat('jo@localhost/r', 'from ky'));
    await jo.expect(body('from ky'));
    await sleep(5);
    iv.send(chat('jo@localhost/r', 'from iv 2'));
    await jo.expect(body('from iv 2'));
    const all = await query(jo);
    assert.deepEqual(bodies(all.results), ['from iv 1', 'from ky', 'from iv 2']);
    const byIv = await query(jo, { fields: { with: 'iv@localhost' } });
    assert.deepEqual(bodies(byIv.results), ['from iv 1', 'from iv 2']);
    assert.equal(fin(byIv.iq).count, '2');
    assert.deepEqual(bodies((await query(jo, { fields: { with: 'iv@localhost/one' } })).results), [
      'from iv 1',
      'from iv 2',
    ]);
    assert.deepEqual(
      bodies((await query(jo, { fields: { with: 'iv@localhost/two' } })).results),
      [],
    );
    const [s1, s2] = [all.results[0]!.stamp!, all.results[1]!.stamp!];
    assert.deepEqual(bodies((await query(jo, { fields: { start: s2 } })).results), [
      'from ky',
      'from iv 2',
    ]);
    assert.deepEqual(bodies((await query(jo, { fields: { end: s1 } })).results), ['from iv 1']);
    assert.deepEqual(
      bodies((await query(jo, { fields: { start: s1, end: s2, with: 'ky@localhost' } })).results),
      ['from ky'],
    );
  });

  test('invalid forms and paging are refused with the XEP-0313 errors', async () => {
    const c = await login('lu', 'errors');
    const cond = async (o: QueryOpts) => errorCondition(await c.iq(queryIq('bad', o)));
    assert.equal(await cond({ formType: 'urn:xmpp:mam:1' }), 'bad-request');
    assert.equal(await cond({ fields: { start: 'yesterday' } }), 'bad-request');
    assert.equal(await cond({ fields: { end: '2024-13-45T99:00:00Z' } }), 'bad-request');
    assert.equal(await cond({ fields: { with: '@@' } }), 'bad-request');
    assert.equal(await cond({ max: 'ten' }), 'bad-request');
    assert.equal(await cond({ fields: { 'urn:example:search': 'x' } }), 'feature-not-implemented');
    assert.equal(await cond({ to: 'al@localhost' }), 'forbidden');
  });

  test("prefs: stored and returned; 'never' keeps messages out, 'always' JIDs override it", async () => {
    const ha = await login('ha', 'prefs');
    const get = await ha.iq(x('iq', NS_CLIENT, { type: 'get' }, x('prefs', NS_MAM)));
    assert.equal(get.getChild('prefs', NS_MAM)?.attrs.default, 'always');
    const set = await ha.iq(
      x(
        'iq',
        NS_CLIENT,
        { type: 'set' },
        x(
          'prefs',
          NS_MAM,
          { default: 'never' },
          x('always', NS_MAM, {}, x('jid', NS_MAM, {}, 'ky@localhost')),
          x('never', NS_MAM),
        ),
      ),
    );
    const stored = set.getChild('prefs', NS_MAM);
    assert.equal(stored?.attrs.default, 'never');
    assert.deepEqual(
      stored
        ?.getChild('always', NS_MAM)
        ?.getChildren('jid', NS_MAM)
        .map((j) => j.text()),
      ['ky@localhost'],
    );
    const again = await ha.iq(x('iq', NS_CLIENT, { type: 'get' }, x('prefs', NS_MAM)));
    assert.equal(again.getChild('prefs', NS_MAM)?.attrs.default, 'never');
    const before = fin((await query(ha, { max: '0' })).iq).count;
    const gi = await login('gi', 'prefs');
    const ky = await login('ky', 'prefs');
    gi.send(chat('ha@localhost/prefs', 'not kept'));
    const got = await ha.expect(body('not kept'));
    assert.equal(got.getChild('stanza-id', NS_SID), undefined);
    ky.send(chat('ha@localhost/prefs', 'kept'));
    const kept = await ha.expect(body('kept'));
    assert.ok(kept.getChild('stanza-id', NS_SID));
    assert.equal(fin((await query(ha, { max: '0' })).iq).count, String(Number(before) + 1));
    // The sender's own archive follows the sender's preferences ('always' by default).
    const sent = await query(gi, { fields: { with: 'ha@localhost' }, before: '', max: '1' });
    assert.deepEqual(bodies(sent.results), ['not kept']);
    const bad = await ha.iq(
      x('iq', NS_CLIENT, { type: 'set' }, x('prefs', NS_MAM, { default: 'sometimes' })),
    );
    assert.equal(errorCondition(bad), 'bad-request');
  });

  test('a forged stanza-id from a client is removed before delivery', async () => {
    const ky = await login('ky', 'forge');
    const jo = await login('jo', 'forge');
    const msg = chat('jo@localhost/forge', 'forged');
    msg.append(x('stanza-id', NS_SID, { by: 'jo@localhost', id: 'fake' }));
    ky.send(msg);
    const got = await jo.expect(body('forged'));
    const sids = got.getChildren('stanza-id', NS_SID);
    assert.equal(sids.length, 1);
    assert.notEqual(sids[0]!.attrs.id, 'fake');
  });

  test('removing the account deletes its archive', async () => {
    await server.register('gone', PW);
    const g = await login('gone');
    g.send(chat('lu@localhost', 'bye'));
    await sync(g);
    assert.equal(fin((await query(g)).iq).count, '1');
    assert.equal(await server.node.admin.accounts.unregister('gone', 'localhost'), true);
    await server.register('gone', PW);
    const again = await login('gone', 'again');
    assert.equal(fin((await query(again)).iq).count, '0');
  });

  test('@xmpp/client queries its archive and gets results before the fin', async () => {
    await server.register('xjs', PW);
    const sender = await login('al', 'xjs');
    sender.send(chat('xjs@localhost', 'for the library'));
    await sync(sender);
    const xjs = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'xjs',
      password: PW,
      resource: 'lib',
    });
    try {
      const results: string[] = [];
      xjs.on('stanza', (st) => {
        const r = st.getChild('result', NS_MAM);
        if (r?.attrs.queryid !== 'lib1') return;
        const m = r.getChild('forwarded', NS_FORWARD)?.getChild('message');
        results.push(m?.getChildText('body') ?? '');
      });
      const reply = await xjs.iqCaller.request(
        xml('iq', { type: 'set' }, xml('query', { xmlns: NS_MAM, queryid: 'lib1' })),
      );
      assert.deepEqual(results, ['for the library']);
      const f = reply.getChild('fin', NS_MAM);
      assert.equal(f?.attrs.complete, 'true');
      assert.equal(f?.getChild('set', NS_RSM)?.getChildText('count'), '1');
    } finally {
      await stopXmppJs(xjs);
    }
  });
});
