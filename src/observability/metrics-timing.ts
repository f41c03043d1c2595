import type { Router } from '../router/index.ts';
import type { SqlDb } from '../storage/index.ts';
import type { NodeMetrics } from './metrics.ts';

/**
 * A SqlDb that reports the duration of every call to the storage latency histogram. Stores get
 * it from node.ts like any SqlDb, so timing needs no change in any store.
 */
export function timedDb(db: SqlDb, metrics: Pick<NodeMetrics, 'observeStorage'>): SqlDb {
  const time = async <T>(
    op: 'query' | 'run' | 'exec' | 'transaction',
    fn: () => Promise<T>,
  ): Promise<T> => {
    const start = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      metrics.observeStorage(op, Number(process.hrtime.bigint() - start) / 1e9);
    }
  };
  return {
    get dialect() {
      return db.dialect;
    },
    query<T>(sql: string, params?: unknown[]) {
      return time('query', () => db.query<T>(sql, params));
    },
    run: (sql, params) => time('run', () => db.run(sql, params)),
    exec: (script) => time('exec', () => db.exec(script)),
    // Statements inside a transaction are timed too, and the transaction as a whole.
    transaction<T>(fn: (tx: SqlDb) => Promise<T>, opts?: Parameters<SqlDb['transaction']>[1]) {
      return time('transaction', () => db.transaction((tx) => fn(timedDb(tx, metrics)), opts));
    },
    ping: () => db.ping(),
    close: () => db.close(),
  };
}

/**
 * Times every router.route call (the one entry point of every stanza) into the routing latency
 * histogram. The router stays free of metrics; bounces re-enter route() and are timed as well.
 */
export function timeRouting(router: Router, metrics: Pick<NodeMetrics, 'observeRouting'>): void {
  const route = router.route.bind(router);
  router.route = async (stanza, from, to) => {
    const start = process.hrtime.bigint();
    try {
      await route(stanza, from, to);
    } finally {
      metrics.observeRouting(Number(process.hrtime.bigint() - start) / 1e9);
    }
  };
}
