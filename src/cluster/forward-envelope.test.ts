import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeForward, encodeForward } from './forward-envelope.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('forward envelope', () => {
  test('round-trips sender, recipient, hops and XML', () => {
    const e = { f: 'a@localhost/1', t: 'b@localhost/2', h: 1, x: '<message xml:lang="en"/>' };
    assert.deepEqual(decodeForward(bytes(encodeForward(e))), e);
  });

  test('anything else is not an envelope', () => {
    for (const bad of [
      'not json',
      '[]',
      'null',
      '{"f":"a","t":"b","h":0}',
      '{"f":"a","t":"b","h":-1,"x":"<m/>"}',
      '{"f":"a","t":"b","h":"0","x":"<m/>"}',
      '{"f":1,"t":"b","h":0,"x":"<m/>"}',
    ]) {
      assert.equal(decodeForward(bytes(bad)), undefined, bad);
    }
    assert.equal(decodeForward(new Uint8Array([0xff, 0xfe])), undefined, 'invalid UTF-8');
  });
});
