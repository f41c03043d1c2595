/**
 * The real-client matrix (issue 10): client programs and libraries we did not write, each with
 * its default settings (only the certificate check off), against a freshly started node.
 *
 * Every entry does the same thing: log in as `<name>`, bind, get the roster (which holds the
 * peer, put there beforehand), send available presence, send a chat message to the peer (an
 * @xmpp/client connection), receive the peer's answer, disconnect. The server's own log says
 * which SASL mechanism the client chose.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import tls from 'node:tls';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

export type TlsVersion = '1.2' | '1.3';

export interface AuthRecord {
  ok: boolean;
  mechanism: string;
  condition?: string;
}

export interface MatrixServer extends TestServer {
  tls: TlsVersion;
  /** SASL outcomes per bare JID, from the server's c2s_auth_success / c2s_auth_failed lines. */
  auth(bareJid: string): AuthRecord[];
}

/**
 * A node whose TLS listeners speak at most `version`. Node reads tls.DEFAULT_MAX_VERSION when a
 * secure context is created, so it is set only while the node starts (its contexts are made
 * then) and restored before any client connects. TLS 1.3 is Node's default maximum; the minimum
 * is the server's own (TLS 1.2), so a "1.3" server also proves the clients negotiate 1.3.
 */
export async function startMatrixServer(version: TlsVersion): Promise<MatrixServer> {
  const records = new Map<string, AuthRecord[]>();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        const rec = JSON.parse(line) as Record<string, string>;
        if (rec.what === 'c2s_auth_success' && rec.jid) {
          const bare = rec.jid.split('/')[0]!;
          const list = records.get(bare) ?? [];
          list.push({ ok: true, mechanism: rec.mechanism ?? '' });
          records.set(bare, list);
        }
      }
      done();
    },
  });
  const saved = tls.DEFAULT_MAX_VERSION;
  tls.DEFAULT_MAX_VERSION = version === '1.2' ? 'TLSv1.2' : 'TLSv1.3';
  let server: TestServer;
  try {
    server = await startTestServer({ logger: pino({ level: 'info' }, sink) });
  } finally {
    tls.DEFAULT_MAX_VERSION = saved;
  }
  return Object.assign(server, {
    tls: version,
    auth: (bare: string) => records.get(bare) ?? [],
  });
}

export interface Accounts {
  user: string;
  jid: string;
  password: string;
  peerJid: string;
}

/**
 * Registers `<user>` and `<user>-peer`, and puts the peer on the user's roster (so a roster
 * get has something to show) through an @xmpp/client connection that then leaves.
 */
export async function prepareAccounts(server: MatrixServer, user: string): Promise<Accounts> {
  const password = `pw-${user}`;
  await server.register(user, password);
  await server.register(`${user}-peer`, password);
  const jid = `${user}@${server.domain}`;
  const peerJid = `${user}-peer@${server.domain}`;
  const setup = await xmppJs({
    service: `xmpp://127.0.0.1:${server.port}`,
    username: user,
    password,
    resource: 'setup',
  });
  try {
    const res = await setup.iqCaller.request(
      xml(
        'iq',
        { type: 'set' },
        xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: peerJid, name: 'Peer' })),
      ),
    );
    assert.equal(res.attrs.type, 'result');
  } finally {
    await stopXmppJs(setup);
  }
  // The setup session must be gone, or it could receive the peer's answer.
  await waitFor(() => !hasSession(server, jid), `setup session of ${jid} to close`);
  return { user, jid, password, peerJid };
}

export function hasSession(server: TestServer, bareJid: string): boolean {
  return server.node.admin.sessions.list().some((s) => s.jid.split('/')[0] === bareJid);
}

export async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Peer {
  /** The first chat body received from `fromBare`, with the sender's full JID. */
  received: Promise<{ from: string; body: string }>;
  stop(): Promise<void>;
}

/**
 * The other client: @xmpp/client online as the peer. It answers the first chat message from
 * the user with `answer`, to the sender's full JID.
 */
export async function startPeer(
  server: MatrixServer,
  acc: Accounts,
  answer: string,
  opts: { reply?: boolean } = {},
): Promise<Peer> {
  const peer = await xmppJs({
    service: `xmpp://127.0.0.1:${server.port}`,
    username: `${acc.user}-peer`,
    password: acc.password,
    resource: 'peer',
  });
  let resolve!: (v: { from: string; body: string }) => void;
  const received = new Promise<{ from: string; body: string }>((r) => {
    resolve = r;
  });
  peer.on('stanza', (s) => {
    if (!s.is('message')) return;
    const body = s.getChildText('body');
    const from = s.attrs.from ?? '';
    if (body === null || from.split('/')[0] !== acc.jid) return;
    resolve({ from, body });
    if (opts.reply !== false) {
      void peer.send(xml('message', { to: from, type: 'chat' }, xml('body', {}, answer)));
    }
  });
  await peer.send(xml('presence'));
  return { received, stop: () => stopXmppJs(peer) };
}

export interface ProgramResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client program to its end (killed after `timeoutMs`), stdin closed unless given. */
export function runProgram(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The mechanism of the user's one successful login (the setup login by @xmpp/client excluded). */
export function loginMechanism(server: MatrixServer, acc: Accounts): string {
  const ok = server.auth(acc.jid).filter((r) => r.ok);
  // The first success is prepareAccounts' own @xmpp/client connection.
  assert.ok(ok.length >= 2, `no login of the client under test for ${acc.jid}`);
  return ok[ok.length - 1]!.mechanism;
}

/** Lines of a program's output that start with `tag `. */
export function tagged(out: string, tag: string): string[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith(`${tag} `))
    .map((l) => l.slice(tag.length + 1).trim());
}

export function describeResult(r: ProgramResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

/** Debian's Python, not whatever python3 comes first on PATH (the packages live in dist-packages). */
export const PYTHON = '/usr/bin/python3';
