import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseJid } from '../../jid/index.ts';
import {
  type Element,
  NS_CARBONS,
  NS_CLIENT,
  NS_FORWARD,
  NS_HINTS,
  NS_MUC_USER,
  x,
} from '../../xml/index.ts';
import { carbonCopy, carbonsEligible, isCarbonCopy, withoutPrivate } from './carbons-rules.ts';

const msg = (type: string | undefined, ...children: Element[]) =>
  x('message', NS_CLIENT, { type, to: 'b@x/r', from: 'a@x/r' }, ...children);
const body = () => x('body', NS_CLIENT, {}, 'hi');

describe('carbons eligibility (XEP-0280 §6)', () => {
  test('chat messages are eligible with or without a body', () => {
    assert.equal(carbonsEligible(msg('chat', body())), true);
    assert.equal(
      carbonsEligible(msg('chat', x('active', 'http://jabber.org/protocol/chatstates'))),
      true,
    );
  });

  test('normal messages only with a body', () => {
    assert.equal(carbonsEligible(msg(undefined, body())), true);
    assert.equal(carbonsEligible(msg('normal', body())), true);
    assert.equal(carbonsEligible(msg('normal')), false);
  });

  test('errors, headlines and groupchat are not eligible', () => {
    for (const type of ['error', 'headline', 'groupchat']) {
      assert.equal(carbonsEligible(msg(type, body())), false, type);
    }
  });

  test('private, no-copy, MUC and carbon copies are excluded', () => {
    assert.equal(carbonsEligible(msg('chat', body(), x('private', NS_CARBONS))), false);
    assert.equal(carbonsEligible(msg('chat', body(), x('no-copy', NS_HINTS))), false);
    assert.equal(carbonsEligible(msg('chat', body(), x('x', NS_MUC_USER))), false);
    assert.equal(carbonsEligible(msg('chat', x('sent', NS_CARBONS))), false);
    assert.equal(carbonsEligible(x('presence', NS_CLIENT)), false);
  });
});

describe('carbon copies', () => {
  test('wrap the original in forwarded, from the bare JID to the resource', () => {
    const original = msg('chat', body());
    const copy = carbonCopy('received', original, parseJid('b@x/r'), parseJid('b@x/other'));
    assert.equal(copy.attrs.from, 'b@x');
    assert.equal(copy.attrs.to, 'b@x/other');
    assert.equal(copy.attrs.type, 'chat');
    const inner = copy.getChild('received', NS_CARBONS)?.getChild('forwarded', NS_FORWARD);
    assert.equal(inner?.getChild('message', NS_CLIENT)?.getChildText('body', NS_CLIENT), 'hi');
    assert.equal(isCarbonCopy(copy), true);
    assert.notEqual(inner?.getChild('message', NS_CLIENT), original);
  });

  test('private is removed from a copy of the message, the original untouched', () => {
    const original = msg('chat', body(), x('private', NS_CARBONS));
    const out = withoutPrivate(original);
    assert.equal(out.getChild('private', NS_CARBONS), undefined);
    assert.ok(original.getChild('private', NS_CARBONS));
    const plain = msg('chat', body());
    assert.equal(withoutPrivate(plain), plain);
  });
});
