import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TurnClient } from './turn-client.ts';

export interface Coturn {
  port: number;
  realm: string;
  stop(): Promise<void>;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A real coturn (Debian `coturn`, /usr/bin/turnserver) on loopback with a temp config: TURN REST
 * API credentials (`use-auth-secret` + `static-auth-secret`), no TLS, no CLI, relays on 127.0.0.1.
 */
export async function startCoturn(secret: string): Promise<Coturn> {
  const dir = await mkdtemp(join(tmpdir(), 'meerkat-coturn-'));
  const port = await freeUdpPort();
  const realm = 'meerkat.test';
  const relayBase = 40_000 + (port % 20_000);
  const conf = join(dir, 'turnserver.conf');
  await writeFile(
    conf,
    [
      'listening-ip=127.0.0.1',
      'relay-ip=127.0.0.1',
      `listening-port=${port}`,
      `min-port=${relayBase}`,
      `max-port=${relayBase + 50}`,
      'use-auth-secret',
      `static-auth-secret=${secret}`,
      `realm=${realm}`,
      'fingerprint',
      'no-tls',
      'no-dtls',
      'no-cli',
      'no-multicast-peers',
      `userdb=${join(dir, 'turndb')}`,
      `pidfile=${join(dir, 'turnserver.pid')}`,
      'log-file=stdout',
      'simple-log',
      '',
    ].join('\n'),
  );
  const proc: ChildProcess = spawn('turnserver', ['-c', conf], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const probe = new TurnClient('127.0.0.1', port);
  try {
    await probe.binding();
  } catch (err) {
    await stop();
    throw new Error(`coturn did not answer: ${String(err)}\n${output}`);
  } finally {
    probe.close();
  }
  return { port, realm, stop };
}
