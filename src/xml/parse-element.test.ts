import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StreamError } from '../errors/index.ts';
import { NS_CLIENT } from './namespaces.ts';
import { parseElement } from './parse-element.ts';
import { serialize } from './serializer.ts';

// What node 1 published for a slixmpp sender in issue 19: serialized for a jabber:client
// context (no xmlns of its own), with slixmpp's xml:lang and a child in another namespace.
const FORWARDED =
  '<message to="bob@localhost/b" type="chat" xml:lang="en" id="m1" from="alice@localhost/a">' +
  '<body>hi bob</body><stanza-id xmlns="urn:xmpp:sid:0" id="s1" by="bob@localhost"/></message>';

describe('parseElement (fragments forwarded between nodes, stored presences)', () => {
  test('a stanza serialized for jabber:client, with xml:lang, parses back into jabber:client', () => {
    const el = parseElement(FORWARDED);
    assert.equal(el.name, 'message');
    assert.equal(el.ns, NS_CLIENT);
    assert.equal(el.attrs['xml:lang'], 'en');
    assert.equal(el.getChild('body')?.ns, NS_CLIENT);
    assert.equal(el.getChildText('body'), 'hi bob');
    assert.equal(el.getChild('stanza-id', 'urn:xmpp:sid:0')?.attrs.id, 's1');
    // Written into a client stream it carries no xmlns="" (which slixmpp drops unseen).
    assert.equal(serialize(el, NS_CLIENT), FORWARDED);
  });

  test('a stanza that declares xmlns="jabber:client" itself parses the same', () => {
    const own = FORWARDED.replace('<message ', '<message xmlns="jabber:client" ');
    const el = parseElement(own);
    assert.equal(el.ns, NS_CLIENT);
    assert.equal(serialize(el, NS_CLIENT), FORWARDED);
  });

  test('xml:lang needs no declaration on nested elements either', () => {
    const el = parseElement('<presence xml:lang="de"><status xml:lang="fr">là</status></presence>');
    assert.equal(el.ns, NS_CLIENT);
    assert.equal(el.getChild('status')?.attrs['xml:lang'], 'fr');
  });

  test('another context namespace can be given', () => {
    assert.equal(parseElement('<item/>', undefined, 'urn:example').ns, 'urn:example');
  });

  test('still rejects what is not one well-formed, namespace-correct element', () => {
    for (const bad of [
      '<message foo:bar="x"/>',
      '<message><body>unclosed</message>',
      '<message/><message/>',
      '',
      '<message xmlns:xml="urn:not-xml"/>',
    ]) {
      assert.throws(() => parseElement(bad), StreamError, bad);
    }
  });
});
