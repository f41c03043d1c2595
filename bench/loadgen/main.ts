/**
 * Load-generator process, driven over child_process IPC by the bench runner (bench/run.ts,
 * bench/peers.ts). Its own process: it holds up to ~19,000 client sockets under the
 * 20,000-descriptor cap, and its CPU is measured apart from the server's.
 */
import { performance } from 'node:perf_hooks';
import { percentiles, round1, round2 } from '../lib/stats.ts';
import { LoadClient } from './client.ts';
import type {
  ChatCommand,
  ChatResult,
  Command,
  LoginCommand,
  LoginResult,
  Reply,
} from './protocol.ts';

const clients: LoadClient[] = [];
/** LoginCommand.group of each client (ChatCommand.crossGroups sends across groups). */
const groupOf = new WeakMap<LoadClient, number>();
let received: { seen: Uint8Array; lat: Float64Array; n: number; dup: number; last: number } = {
  seen: new Uint8Array(0),
  lat: new Float64Array(0),
  n: 0,
  dup: 0,
  last: 0,
};
let foreign = 0;

function reply(r: Reply): void {
  process.send?.(r);
}

function login(c: LoginCommand): Promise<LoginResult> {
  return new Promise((resolve) => {
    const cpu0 = process.cpuUsage();
    const errors: Record<string, number> = {};
    const pending = new Set<LoadClient>();
    const done: LoadClient[] = [];
    let next = 0;
    let finished = 0;
    let online = 0;
    let failed = 0;
    let lastOnline = 0;
    const t0 = performance.now();
    const startOne = () => {
      const i = next++;
      const cl = new LoadClient(
        {
          host: c.host,
          port: c.port,
          localAddress: `127.0.0.${1 + (i % c.sourceIps)}`,
          domain: c.domain,
          user: `${c.prefix}${c.first + i}`,
          password: c.password,
          mechanism: c.mechanism,
        },
        {
          online(x) {
            pending.delete(x);
            online++;
            lastOnline = performance.now();
            done.push(x);
            settle();
          },
          failed(x, why) {
            errors[why] = (errors[why] ?? 0) + 1;
            if (pending.delete(x)) {
              failed++;
              settle();
            }
          },
          message: onMessage,
          foreign: () => foreign++,
        },
      );
      clients.push(cl);
      groupOf.set(cl, c.group ?? 0);
      pending.add(cl);
      cl.start();
    };
    const settle = () => {
      finished++;
      if (next < c.count) startOne();
      if (finished < c.count) return;
      clearInterval(sweep);
      const windowS = (lastOnline - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      resolve({
        kind: 'login',
        online,
        failed,
        errors,
        windowS: round2(windowS),
        loginsPerS: windowS > 0 ? Math.round(online / windowS) : 0,
        loginMs: percentiles(done.map((x) => x.loginMs)),
        samples: done.map((x) => Math.round(x.loginMs * 100) / 100),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      });
    };
    const sweep = setInterval(() => {
      const now = performance.now();
      for (const x of pending) if (now - x.startedAt > c.timeoutMs) x.fail('login_timeout');
    }, 500);
    for (let k = 0; k < Math.min(c.concurrency, c.count); k++) startOne();
  });
}

function onMessage(seq: number, sentAt: number): void {
  const r = received;
  if (!(seq >= 0 && seq < r.seen.length)) return void foreign++;
  if (r.seen[seq]) return void r.dup++;
  r.seen[seq] = 1;
  const now = performance.now();
  r.lat[r.n++] = now - sentAt;
  r.last = now;
}

/** For each group, the online clients of every other group (the partners its users write to). */
function crossGroupPools(up: LoadClient[]): Map<number, LoadClient[]> {
  const groups = new Set(up.map((x) => groupOf.get(x) ?? 0));
  if (groups.size < 2) throw new Error('crossGroups needs online clients in two groups');
  const pools = new Map<number, LoadClient[]>();
  for (const g of groups)
    pools.set(
      g,
      up.filter((x) => (groupOf.get(x) ?? 0) !== g),
    );
  return pools;
}

function chat(c: ChatCommand): Promise<ChatResult> {
  const up = clients.filter((x) => x.isOnline);
  const total = Math.floor(c.rate * c.durationS);
  received = { seen: new Uint8Array(total), lat: new Float64Array(total), n: 0, dup: 0, last: 0 };
  foreign = 0;
  const pad = 'x'.repeat(Math.max(0, c.bodyBytes - 24));
  const others = c.crossGroups ? crossGroupPools(up) : undefined;
  return new Promise((resolve) => {
    if (up.length < 2) throw new Error('chat needs at least two online clients');
    let sent = 0;
    let rr = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let tEnd = 0;
    const tick = setInterval(() => {
      const el = (performance.now() - t0) / 1000;
      const want = Math.min(total, Math.floor(el * c.rate));
      while (sent < want) {
        const from = up[rr];
        rr = (rr + 1) % up.length;
        let to: LoadClient;
        if (others) {
          const pool = others.get(groupOf.get(from) ?? 0)!;
          to = pool[Math.floor(Math.random() * pool.length)];
        } else {
          let k = Math.floor(Math.random() * (up.length - 1));
          if (up[k] === from) k = up.length - 1;
          to = up[k];
        }
        from.send(
          `<message to='${to.jid}' type='chat' id='m${sent}'>` +
            `<body>lg:${sent}:${performance.now().toFixed(3)}:${pad}</body></message>`,
        );
        sent++;
      }
      if (sent < total) return;
      clearInterval(tick);
      tEnd = performance.now();
      const cpu = process.cpuUsage(cpu0);
      const drain = setInterval(() => {
        const r = received;
        if (r.n < sent && performance.now() - tEnd < c.drainS * 1000) return;
        clearInterval(drain);
        const sendWindowS = (tEnd - t0) / 1000;
        const deliverWindowS = Math.max(sendWindowS, (r.last - t0) / 1000);
        resolve({
          kind: 'chat',
          sent,
          delivered: r.n,
          lost: sent - r.n,
          duplicates: r.dup,
          sendWindowS: round1(sendWindowS),
          deliveredPerS: Math.round(r.n / deliverWindowS),
          samples: Array.from(r.lat.subarray(0, r.n), (v) => Math.round(v * 100) / 100),
          latencyMs: percentiles(r.lat, r.n),
          startEpochMs: performance.timeOrigin + t0,
          lastEpochMs: performance.timeOrigin + r.last,
          loadgenCpuPct: round1((cpu.user + cpu.system) / 1e4 / sendWindowS),
        });
      }, 20);
    }, 1);
  });
}

process.on('message', (m: Command) => {
  const run = async (): Promise<Reply> => {
    switch (m.cmd) {
      case 'login':
        return login(m);
      case 'chat':
        return chat(m);
      case 'close': {
        const online = clients.filter((c) => c.isOnline).length;
        for (const c of clients) c.close();
        clients.length = 0;
        return { kind: 'closed', online };
      }
    }
  };
  run().then(reply, (err: unknown) =>
    reply({ kind: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
