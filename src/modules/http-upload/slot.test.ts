import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StanzaError } from '../../errors/index.ts';
import { x } from '../../xml/index.ts';
import { contentDisposition, parseRange } from './http-headers.ts';
import {
  NS_HTTP_UPLOAD,
  parseSlotRequest,
  putToken,
  safeFilename,
  typeAllowed,
  whenFits,
} from './slot.ts';

const req = (attrs: Record<string, string>) => x('request', NS_HTTP_UPLOAD, attrs);

test('a slot request needs a filename and a positive integer size; content-type is optional', () => {
  assert.deepEqual(parseSlotRequest(req({ filename: 'a.jpg', size: '12' })), {
    filename: 'a.jpg',
    size: 12,
    contentType: '',
  });
  assert.equal(
    parseSlotRequest(req({ filename: 'a', size: '1', 'content-type': 'text/plain; charset=utf-8' }))
      .contentType,
    'text/plain; charset=utf-8',
  );
  for (const bad of <Record<string, string>[]>[
    { filename: 'a', size: '-1' },
    { filename: 'a', size: '0' },
    { filename: 'a', size: '1.5' },
    { filename: '', size: '1' },
    { filename: '...', size: '1' },
    { filename: 'a', size: '1', 'content-type': 'text/html\r\nX-Evil: 1' },
    { filename: 'a', size: '1', 'content-type': 'nonsense' },
  ]) {
    assert.throws(
      () => parseSlotRequest(req(bad)),
      (e: unknown) => e instanceof StanzaError && e.condition === 'bad-request',
      JSON.stringify(bad),
    );
  }
});

test('filenames become one safe path segment and keep their extension', () => {
  assert.equal(safeFilename('../../etc/passwd'), '_.._etc_passwd');
  assert.equal(safeFilename('.hidden'), 'hidden');
  assert.equal(safeFilename('a\u0000b\nc.txt'), 'a_b_c.txt');
  const long = safeFilename(`${'é'.repeat(300)}.jpeg`);
  assert.ok(Buffer.byteLength(long) <= 255);
  assert.ok(long.endsWith('.jpeg'));
});

test('allowed_types patterns match media types without parameters', () => {
  assert.ok(typeAllowed('image/png', []));
  assert.ok(typeAllowed('IMAGE/PNG', ['image/*']));
  assert.ok(typeAllowed('video/mp4; codecs=avc1', ['video/mp4']));
  assert.ok(!typeAllowed('text/html', ['image/*', 'video/mp4']));
  assert.ok(!typeAllowed('', ['image/*']), 'no type means application/octet-stream');
});

test('the PUT token changes with every field the slot granted', () => {
  const secret = Buffer.alloc(32, 1);
  const slot = { id: 'abc', size: 10, contentType: 'image/png', putDeadline: 5 };
  const t = putToken(secret, slot);
  assert.equal(putToken(secret, { ...slot }), t);
  for (const changed of [
    { ...slot, id: 'abd' },
    { ...slot, size: 11 },
    { ...slot, contentType: 'image/gif' },
    { ...slot, putDeadline: 6 },
  ]) {
    assert.notEqual(putToken(secret, changed), t);
  }
  assert.notEqual(putToken(Buffer.alloc(32, 2), slot), t);
});

test('whenFits: the first time enough bytes leave the window', () => {
  const items = [
    { at: 10, size: 5 },
    { at: 20, size: 5 },
  ];
  assert.equal(whenFits(10, 3, 10, items), 10);
  assert.equal(whenFits(10, 8, 10, items), 20);
  assert.equal(whenFits(10, 11, 10, items), undefined);
});

test('Range: one satisfiable range, 416 past the end, anything else served whole', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), [0, 9]);
  assert.deepEqual(parseRange('bytes=90-', 100), [90, 99]);
  assert.deepEqual(parseRange('bytes=-10', 100), [90, 99]);
  assert.deepEqual(parseRange('bytes=-1000', 100), [0, 99]);
  assert.deepEqual(parseRange('bytes=50-1000', 100), [50, 99]);
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
  assert.equal(parseRange(undefined, 100), undefined);
  assert.equal(parseRange('bytes=0-1,5-6', 100), undefined);
  assert.equal(parseRange('bytes=9-3', 100), undefined);
  assert.equal(parseRange('items=0-1', 100), undefined);
});

test('Content-Disposition: inline only for media, ASCII fallback plus the exact UTF-8 name', () => {
  assert.equal(
    contentDisposition('photo é.jpg', 'image/jpeg'),
    `inline; filename="photo _.jpg"; filename*=UTF-8''photo%20%C3%A9.jpg`,
  );
  assert.match(contentDisposition('x.html', 'text/html'), /^attachment; /);
  assert.match(contentDisposition('x.svg', 'image/svg+xml'), /^attachment; /);
  assert.match(contentDisposition('q"\\.txt', 'text/plain'), /filename="q__\.txt"/);
});
