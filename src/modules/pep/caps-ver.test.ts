import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Element, NS_DATA_FORMS, NS_DISCO_INFO, x } from '../../xml/index.ts';
import { capsOf, verString } from './caps-ver.ts';

const q = (...children: Element[]): Element => x('query', NS_DISCO_INFO, {}, ...children);
const feature = (v: string): Element => x('feature', NS_DISCO_INFO, { var: v });
const field = (v: string, values: string[], type?: string): Element =>
  x(
    'field',
    NS_DATA_FORMS,
    { var: v, type },
    ...values.map((val) => x('value', NS_DATA_FORMS, {}, val)),
  );

test('XEP-0115 §5.2 simple example: ver QgayPKawpkPSDYmwT/WM94uAlu0=', () => {
  const info = q(
    x('identity', NS_DISCO_INFO, { category: 'client', type: 'pc', name: 'Exodus 0.9.1' }),
    feature('http://jabber.org/protocol/muc'),
    feature('http://jabber.org/protocol/disco#info'),
    feature('http://jabber.org/protocol/disco#items'),
    feature('http://jabber.org/protocol/caps'),
  );
  assert.equal(verString(info, 'sha-1'), 'QgayPKawpkPSDYmwT/WM94uAlu0=');
});

test('XEP-0115 §5.3 complex example with an extended form: ver q07IKJEyjvHSyhy//CH0CxmKi8w=', () => {
  const info = q(
    x('identity', NS_DISCO_INFO, {
      'xml:lang': 'en',
      category: 'client',
      name: 'Psi 0.11',
      type: 'pc',
    }),
    x('identity', NS_DISCO_INFO, {
      'xml:lang': 'el',
      category: 'client',
      name: 'Ψ 0.11',
      type: 'pc',
    }),
    feature('http://jabber.org/protocol/caps'),
    feature('http://jabber.org/protocol/disco#info'),
    feature('http://jabber.org/protocol/disco#items'),
    feature('http://jabber.org/protocol/muc'),
    x(
      'x',
      NS_DATA_FORMS,
      { type: 'result' },
      field('FORM_TYPE', ['urn:xmpp:dataforms:softwareinfo'], 'hidden'),
      field('ip_version', ['ipv4', 'ipv6']),
      field('os', ['Mac']),
      field('os_version', ['10.5.1']),
      field('software', ['Psi']),
      field('software_version', ['0.11']),
    ),
  );
  assert.equal(verString(info, 'sha-1'), 'q07IKJEyjvHSyhy//CH0CxmKi8w=');
});

test('§5.4: duplicate features, two forms of one FORM_TYPE or an unknown hash are not verifiable', () => {
  const dup = q(feature('a'), feature('a'));
  assert.equal(verString(dup, 'sha-1'), undefined);
  const form = () =>
    x('x', NS_DATA_FORMS, { type: 'result' }, field('FORM_TYPE', ['urn:t'], 'hidden'));
  assert.equal(verString(q(feature('a'), form(), form()), 'sha-1'), undefined);
  assert.equal(verString(q(feature('a')), 'md5'), undefined);
  assert.notEqual(verString(q(feature('a')), 'sha-256'), undefined);
});

test('capsOf reads hash, node and ver; legacy caps without hash are ignored', () => {
  const p = (attrs: Record<string, string>) =>
    x('presence', 'jabber:client', {}, x('c', 'http://jabber.org/protocol/caps', attrs));
  assert.deepEqual(capsOf(p({ hash: 'sha-1', node: 'n', ver: 'v' })), {
    hash: 'sha-1',
    node: 'n',
    ver: 'v',
  });
  assert.equal(capsOf(p({ node: 'n', ver: 'v' })), undefined);
});
