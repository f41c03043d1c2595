import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NS_DATA_FORMS } from '../../xml/index.ts';
import { publishIq } from './push-publish.ts';

test('a summary without body or sender carries only FORM_TYPE and the count; no options, no publish-options', () => {
  const iq = publishIq(
    { jid: 'push.example', node: 'n', resource: 'r', options: [] },
    { count: 3 },
  );
  const pubsub = iq.getChild('pubsub', 'http://jabber.org/protocol/pubsub')!;
  assert.equal(pubsub.getChild('publish-options', pubsub.ns), undefined);
  const form = pubsub
    .getChild('publish', pubsub.ns)
    ?.getChild('item', pubsub.ns)
    ?.getChild('notification', 'urn:xmpp:push:0')
    ?.getChild('x', NS_DATA_FORMS);
  assert.deepEqual(
    form
      ?.getChildren('field', NS_DATA_FORMS)
      .map((f) => [f.attrs.var, f.getChildText('value', NS_DATA_FORMS)]),
    [
      ['FORM_TYPE', 'urn:xmpp:push:summary'],
      ['message-count', '3'],
    ],
  );
});
