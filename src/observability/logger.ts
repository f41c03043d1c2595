/**
 * Structured JSON logging on pino: one object per line, to a file and/or stdout.
 * Convention (STYLE.md §7): every call carries a stable snake_case `what`:
 *   log.info({ what: 'c2s_login', jid });
 *   log.warn({ what: 'offline_write_failed', user, err });
 * Stanzas only at debug; passwords, cookies and secrets are redacted whatever the call passes.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import { ensurePrivateFile } from '../storage/private-files.ts';

export type { Logger } from 'pino';
export type LogLevel = LevelWithSilent;

export interface LoggerOptions {
  /** trace | debug | info | warn | error | fatal | silent. */
  level: string;
  /** Append JSON lines to this file (its directory is created). */
  file?: string;
  /** Also write to standard output. */
  stdout: boolean;
  /** Fields on every line, e.g. `{ node: 'meerkat@host' }`. */
  base?: Record<string, unknown>;
}

const SECRET_KEYS = ['password', 'cookie', 'secret'];

/** Redact secret keys at the top level and up to two levels deep (`{ creds: { password } }`). */
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

interface StreamEntry {
  stream: DestinationStream & { end?: () => void; flushSync?: () => void; fd?: number };
}

export function createLogger(opts: LoggerOptions): Logger {
  const streams: { level: 'trace'; stream: DestinationStream }[] = [];
  if (opts.file !== undefined) {
    // 0600: log lines name users, addresses and resources (issue 10).
    mkdirSync(dirname(opts.file), { recursive: true });
    ensurePrivateFile(opts.file);
    const file = pino.destination({ dest: opts.file, append: true, sync: false });
    streams.push({ level: 'trace', stream: file });
  }
  if (opts.stdout)
    streams.push({ level: 'trace', stream: pino.destination({ dest: 1, sync: false }) });
  return pino(
    {
      level: opts.level,
      base: { pid: process.pid, ...opts.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    // Streams are at trace so the logger's own level (changeable at run time) is the only filter.
    pino.multistream(streams),
  );
}

/** A logger that writes nothing, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Flushes pending lines and closes the log file (stdout stays open). Call once at shutdown,
 * on the root logger returned by createLogger.
 */
export async function closeLogger(log: Logger): Promise<void> {
  const multi = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
    | { streams?: StreamEntry[] }
    | undefined;
  const waits = (multi?.streams ?? []).map(({ stream }) => closeStream(stream));
  await Promise.all(waits);
}

function closeStream(stream: StreamEntry['stream']): Promise<void> {
  const emitter = stream as unknown as NodeJS.EventEmitter;
  if (stream.fd === 1 || stream.fd === 2) {
    return new Promise((done) => {
      // SonicBoom.flush calls back once buffered bytes reached the fd.
      const flushable = stream as unknown as { flush?: (cb: (err?: Error) => void) => void };
      if (typeof flushable.flush === 'function') flushable.flush(() => done());
      else done();
    });
  }
  return new Promise((done) => {
    emitter.once('close', () => done());
    emitter.once('error', () => done());
    stream.end?.();
  });
}
