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

// Issue 5: `[cluster] discovery = "auto"` with a name: nodes join at start, without a command.
describe('automatic clustering (discovery = "auto")', () => {
  let nats: NatsServer;
  let db: { url: string; dispose(): Promise<void> };
  let nodes: ClusterProcess[] = [];

  before(async () => {
    [nats, db] = await Promise.all([startNats(), createTestDatabase()]);
    const range = await freePortRange(4);
    nodes = await Promise.all(
      ['auto1@localhost', 'auto2@localhost'].map((name) =>
        makeClusterProcess({
          name,
          cookie: 'auto-cookie',
          natsUrl: nats.url,
          pgUrl: db.url,
          portMin: range.min,
          portMax: range.max,
          extraToml: 'discovery = "auto"\nname = "kube"',
        }),
      ),
    );
    await Promise.all(nodes.map((n) => n.start()));
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.cleanup()));
    await Promise.all([nats?.dispose(), db?.dispose()]);
  });

  test('both nodes are members of the named cluster as soon as they run', async () => {
    for (const n of nodes) await expectDbNodes(n, ['auto1@localhost', 'auto2@localhost']);
    const status = JSON.parse((await nodes[1]!.run(['--json', 'cluster_status'])).stdout);
    assert.equal(status.cluster, 'kube');
    assert.equal(status.backbone, 'connected');
  });
});
