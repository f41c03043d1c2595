import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createMucStore, type MucStore, type StoredRoom } from '../../src/modules/muc/index.ts';
import { eachBackend } from '../support/databases.ts';

function room(name: string, over: Partial<StoredRoom> = {}): StoredRoom {
  return {
    service: 'conference.m.test',
    name,
    config: { title: `Room ${name}`, persistent: true, maxUsers: 50, whois: 'anyone' },
    subject: '',
    subjectNick: '',
    affiliations: [{ jid: 'owner@m.test', affiliation: 'owner' }],
    ...over,
  };
}

eachBackend('MucStore', (db) => {
  let store: MucStore;
  before(async () => {
    store = await createMucStore(db());
  });

  test('an unknown room reads as null and an empty service lists nothing', async () => {
    assert.equal(await store.getRoom('conference.m.test', 'nothing'), null);
    assert.deepEqual(await store.listRooms('conference.empty.test', 10), []);
  });

  test('keeps config, subject and affiliations, and replaces them on the next save', async () => {
    await store.saveRoom(
      room('keep', {
        subject: 'Hello',
        subjectNick: 'boss',
        affiliations: [
          { jid: 'owner@m.test', affiliation: 'owner' },
          { jid: 'bad@m.test', affiliation: 'outcast' },
          { jid: 'mem@m.test', affiliation: 'member' },
        ],
      }),
    );
    const got = await store.getRoom('conference.m.test', 'keep');
    assert.deepEqual(got, {
      service: 'conference.m.test',
      name: 'keep',
      config: { title: 'Room keep', persistent: true, maxUsers: 50, whois: 'anyone' },
      subject: 'Hello',
      subjectNick: 'boss',
      affiliations: [
        { jid: 'bad@m.test', affiliation: 'outcast' },
        { jid: 'mem@m.test', affiliation: 'member' },
        { jid: 'owner@m.test', affiliation: 'owner' },
      ],
    });
    await store.saveRoom(
      room('keep', {
        config: { title: 'Renamed' },
        affiliations: [{ jid: 'other@m.test', affiliation: 'owner' }],
      }),
    );
    const again = await store.getRoom('conference.m.test', 'keep');
    assert.deepEqual(again?.config, { title: 'Renamed' });
    assert.deepEqual(again?.affiliations, [{ jid: 'other@m.test', affiliation: 'owner' }]);
  });

  test('lists a service’s rooms in name order with their affiliations, up to a limit', async () => {
    const service = 'conference.list.test';
    for (const n of ['b', 'a', 'c']) {
      await store.saveRoom(
        room(n, {
          service,
          affiliations: [{ jid: `${n}@list.test`, affiliation: 'owner' }],
        }),
      );
    }
    await store.saveRoom(room('elsewhere', { service: 'conference.other.test' }));
    const all = await store.listRooms(service, 10);
    assert.deepEqual(
      all.map((r) => [r.name, r.affiliations[0]?.jid]),
      [
        ['a', 'a@list.test'],
        ['b', 'b@list.test'],
        ['c', 'c@list.test'],
      ],
    );
    assert.deepEqual(
      (await store.listRooms(service, 2)).map((r) => r.name),
      ['a', 'b'],
    );
  });

  test('deleting a room removes it and its affiliations', async () => {
    await store.saveRoom(room('gone'));
    assert.equal(await store.deleteRoom('conference.m.test', 'gone'), true);
    assert.equal(await store.getRoom('conference.m.test', 'gone'), null);
    assert.equal(await store.deleteRoom('conference.m.test', 'gone'), false);
    await store.saveRoom(room('gone', { affiliations: [] }));
    assert.deepEqual((await store.getRoom('conference.m.test', 'gone'))?.affiliations, []);
  });

  test('removing a user drops its affiliations in every room', async () => {
    const service = 'conference.rm.test';
    await store.saveRoom(
      room('r1', {
        service,
        affiliations: [
          { jid: 'leaver@rm.test', affiliation: 'member' },
          { jid: 'stay@rm.test', affiliation: 'owner' },
        ],
      }),
    );
    await store.saveRoom(
      room('r2', { service, affiliations: [{ jid: 'leaver@rm.test', affiliation: 'admin' }] }),
    );
    assert.equal(await store.removeAffiliations('leaver@rm.test'), 2);
    const rooms = await store.listRooms(service, 10);
    assert.deepEqual(
      rooms.map((r) => r.affiliations.map((a) => a.jid)),
      [['stay@rm.test'], []],
    );
  });

  test('non-ASCII names and subjects round-trip', async () => {
    await store.saveRoom(room('café', { subject: 'Ünïcødé ✓', subjectNick: 'Zoë' }));
    const got = await store.getRoom('conference.m.test', 'café');
    assert.equal(got?.subject, 'Ünïcødé ✓');
    assert.equal(got?.subjectNick, 'Zoë');
  });
});
