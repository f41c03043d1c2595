import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The Debian interpreter: python3-slixmpp is installed for it, not for a pyenv python3. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../clients/slixmpp-peer.py', import.meta.url));

/** One JSON line printed by test/clients/slixmpp-peer.py. */
export interface PeerEvent {
  event: 'online' | 'message' | 'presence' | 'iq' | 'error';
  from?: string;
  to?: string;
  type?: string;
  id?: string;
  body?: string;
  payload?: string;
  status?: string;
  jid?: string;
  text?: string;
}

/** A slixmpp 1.8.3 client in a python3 subprocess, recording what slixmpp itself received. */
export interface SlixmppPeer {
  jid: string;
  events: PeerEvent[];
  /** Resolves with the first event (already seen or future) matching `pred`. */
  next(pred: (e: PeerEvent) => boolean, timeoutMs?: number): Promise<PeerEvent>;
  /** Sends a message with slixmpp's send_message (which writes xml:lang="en"). */
  sendMessage(to: string, body: string, type?: string): void;
  /** Sends raw XML through slixmpp's stream. */
  sendRaw(xml: string): void;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts the peer and waits until it is logged in with initial presence sent. */
export async function startSlixmppPeer(
  jid: string,
  password: string,
  port: number,
): Promise<SlixmppPeer> {
  const child: ChildProcessWithoutNullStreams = spawn(
    PYTHON,
    [SCRIPT, jid, password, '127.0.0.1', String(port)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const events: PeerEvent[] = [];
  const waiters = new Set<(e: PeerEvent) => void>();
  let err = '';
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (err.length < 100_000) err += d;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    let e: PeerEvent;
    try {
      e = JSON.parse(line) as PeerEvent;
    } catch {
      err += `[not json] ${line}\n`;
      return;
    }
    events.push(e);
    for (const w of [...waiters]) w(e);
  });
  const peer: SlixmppPeer = {
    jid,
    events,
    next(pred, timeoutMs = 15_000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(
            new Error(
              `slixmpp ${jid}: timed out; events ${JSON.stringify(events)}; stderr ${err.slice(-2000)}`,
            ),
          );
        }, timeoutMs);
        const w = (e: PeerEvent) => {
          if (!pred(e)) return;
          clearTimeout(timer);
          waiters.delete(w);
          resolve(e);
        };
        waiters.add(w);
      });
    },
    sendMessage(to, body, type = 'chat') {
      child.stdin.write(`${JSON.stringify({ message: { to, body, type } })}\n`);
    },
    sendRaw(xml) {
      child.stdin.write(`${JSON.stringify({ raw: xml })}\n`);
    },
    stderr: () => err,
    async stop() {
      if (exited) return;
      child.stdin.end('quit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
  try {
    await peer.next((e) => e.event === 'online' || e.event === 'error', 30_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const failed = events.find((e) => e.event === 'error');
  if (failed) {
    await peer.stop();
    throw new Error(`slixmpp ${jid}: ${failed.text}; stderr ${err.slice(-2000)}`);
  }
  return peer;
}
