import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostMetaLinks, REL_BOSH, REL_WEBSOCKET, renderXrd } from './host-meta.ts';

test('behind a proxy, public_url replaces the request scheme and Host', () => {
  const links = hostMetaLinks(
    { websocket: '/ws-xmpp', bosh: '/http-bind', publicUrl: 'https://chat.example.org/xmpp/' },
    '127.0.0.1:5280',
    false,
  );
  assert.deepEqual(links, [
    { rel: REL_BOSH, href: 'https://chat.example.org/xmpp/http-bind' },
    { rel: REL_WEBSOCKET, href: 'wss://chat.example.org/xmpp/ws-xmpp' },
  ]);
});

test('a disabled endpoint has no link; a bad or missing Host gives no document', () => {
  assert.deepEqual(hostMetaLinks({ websocket: false, bosh: '/b' }, '[::1]:5280', true), [
    { rel: REL_BOSH, href: 'https://[::1]:5280/b' },
  ]);
  assert.equal(hostMetaLinks({ websocket: '/w', bosh: '/b' }, 'a b', false), undefined);
  assert.equal(hostMetaLinks({ websocket: '/w', bosh: '/b' }, undefined, false), undefined);
});

test('XRD attribute values are escaped', () => {
  assert.ok(
    renderXrd([{ rel: 'r', href: 'https://h/a"<&' }]).includes('href="https://h/a&quot;&lt;&amp;"'),
  );
});
