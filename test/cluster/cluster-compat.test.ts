import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type ClusterProcess,
  expectDbNodes,
  freePortRange,
  makeClusterProcess,
} from '../support/cluster-process.ts';
import { type NatsServer, startNats } from '../support/nats-server.ts';
import { createTestDatabase } from '../support/postgres.ts';

// Issue 5: join_cluster refuses, changing nothing, when the two nodes do not share the same
// database and backbone, or do not know the same cookie; the refusal says what to set.
const A = 'compat1@localhost';

describe('join_cluster refuses incompatible nodes (real node processes)', () => {
  let nats: NatsServer;
  let otherNats: NatsServer;
  let db: { url: string; dispose(): Promise<void> };
  let otherDb: { url: string; dispose(): Promise<void> };
  let member: ClusterProcess;
  let sqlite: ClusterProcess;
  let dbNode: ClusterProcess;
  let natsNode: ClusterProcess;
  let cookieNode: ClusterProcess;

  before(async () => {
    [nats, otherNats, db, otherDb] = await Promise.all([
      startNats(),
      startNats(),
      createTestDatabase(),
      createTestDatabase(),
    ]);
    const range = await freePortRange(8);
    const common = {
      cookie: 'compat-cookie',
      natsUrl: nats.url,
      pgUrl: db.url,
      portMin: range.min,
      portMax: range.max,
    };
    [member, sqlite, dbNode, natsNode, cookieNode] = await Promise.all([
      makeClusterProcess({ ...common, name: A }),
      makeClusterProcess({ ...common, name: 'sqlite@localhost', pgUrl: undefined }),
      makeClusterProcess({ ...common, name: 'otherdb@localhost', pgUrl: otherDb.url }),
      makeClusterProcess({ ...common, name: 'othernats@localhost', natsUrl: otherNats.url }),
      makeClusterProcess({ ...common, name: 'othercookie@localhost', cookie: 'another-cookie' }),
    ]);
    await Promise.all([member, sqlite, dbNode, natsNode, cookieNode].map((n) => n.start()));
  });

  after(async () => {
    await Promise.all([member, sqlite, dbNode, natsNode, cookieNode].map((n) => n?.cleanup()));
    await Promise.all([nats?.dispose(), otherNats?.dispose(), db?.dispose(), otherDb?.dispose()]);
  });

  const attempt = async (n: ClusterProcess) => {
    const r = await n.run(['join_cluster', '-f', A]);
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '');
    return r.stderr;
  };

  test('SQLite storage: a cluster needs one shared PostgreSQL', async () => {
    assert.equal(
      await attempt(sqlite),
      'Error: the node sqlite@localhost uses sqlite storage; a cluster needs one shared PostgreSQL: set [storage] backend = "postgres" and the same postgres.url on every node\n',
    );
  });

  test('another PostgreSQL database', async () => {
    assert.match(
      await attempt(dbNode),
      /^Error: the nodes use different databases \(otherdb@localhost: postgres:\S+, compat1@localhost: postgres:\S+\); set the same \[storage\] postgres.url on both\n$/,
    );
  });

  test('another NATS system', async () => {
    assert.match(
      await attempt(natsNode),
      /^Error: the nodes use different NATS systems \(othernats@localhost: nats:\/\/\S+, compat1@localhost: nats:\/\/\S+\); set the same \[cluster\] nats.servers on both\n$/,
    );
  });

  test('another cookie: the member refuses the connection; meerkatctl with a wrong cookie exits 3', async () => {
    assert.equal(
      await attempt(cookieNode),
      `Error: cannot reach the node ${A}: the node refused the connection: wrong cookie\n`,
    );
    const wrong = await member.run(['--cookie', 'another-cookie', 'mnesia', 'info']);
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /^Failed to connect to the node compat1@localhost: /);
  });

  test('nothing changed: every node is still standalone', async () => {
    for (const n of [member, sqlite, dbNode, natsNode, cookieNode])
      await expectDbNodes(n, [n.name]);
  });
});
