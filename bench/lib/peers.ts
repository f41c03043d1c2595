/**
 * ejabberd and Prosody as bench targets, started and stopped with the scripts of
 * ../shared/bench-peers/ (see its README: private instances on 127.0.0.1:15222 and :16222 with
 * users user1..userN / "pass" on localhost, plain password storage, no TLS).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchPriority, setProcessPriority } from './proc.ts';
import type { Target } from './target.ts';

export type PeerName = 'ejabberd' | 'prosody';

const PORTS: Record<PeerName, number> = { ejabberd: 15222, prosody: 16222 };

function sh(dir: string, script: string, args: string[], runDir: string): void {
  const r = spawnSync(join(dir, script), args, {
    env: { ...process.env, BENCH_PEERS_RUN: runDir },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stdout}`);
}

export function startPeer(name: PeerName, users: number, peersDir: string, runDir: string): Target {
  sh(peersDir, `stop-${name}.sh`, [], runDir);
  sh(peersDir, `setup-${name}.sh`, [`${users}`], runDir);
  const pid = Number(readFileSync(join(runDir, name, `${name}.pid`), 'utf8').trim());
  const nice = benchPriority();
  if (nice !== undefined) setProcessPriority(pid, nice);
  return {
    name,
    host: '127.0.0.1',
    port: PORTS[name],
    pid,
    domain: 'localhost',
    prefix: 'user',
    password: 'pass',
    async stop() {
      sh(peersDir, `stop-${name}.sh`, [], runDir);
    },
  };
}
