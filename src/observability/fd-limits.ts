import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { Logger } from 'pino';

/**
 * Open-files limit checks (the seed's "File descriptors" section): every client connection holds
 * about one descriptor, and the common default of 1024 is far too low for a server; exceeding it
 * shows up as EMFILE on accept.
 */
export interface FdLimit {
  soft: number;
  hard: number;
}

/** Descriptors the node needs besides client connections: storage, logs, cluster, control port. */
export const FD_MARGIN = 256;

const toLimit = (v: string) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));

/** Parses the "Max open files" line of /proc/<pid>/limits. */
export function parseProcLimits(text: string): FdLimit | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  return m ? { soft: toLimit(m[1]!), hard: toLimit(m[2]!) } : undefined;
}

/** This process's open-files limit (`ulimit -n`), or undefined where /proc is unavailable. */
export function readFdLimit(procLimitsPath = '/proc/self/limits'): FdLimit | undefined {
  try {
    return parseProcLimits(readFileSync(procLimitsPath, 'utf8'));
  } catch {
    return undefined;
  }
}

export function fdNeed(maxConnections: number): number {
  return maxConnections + FD_MARGIN;
}

/** Logs one warning with the fix when the soft limit is below what max_connections needs. */
export function checkFdLimit(
  limit: FdLimit | undefined,
  maxConnections: number,
  log: Pick<Logger, 'warn'>,
  serviceUser = safeUserName(),
): boolean {
  if (!limit) return false;
  const need = fdNeed(maxConnections);
  if (limit.soft >= need) return false;
  const target = Math.max(need, 65536);
  const raiseSoft =
    limit.hard >= need
      ? ` The hard limit (${limit.hard}) allows it: run \`ulimit -n ${need}\` before starting.`
      : '';
  const fix =
    `add to /etc/security/limits.conf: "${serviceUser} soft nofile ${target}" and "${serviceUser} hard nofile ${target}"; ` +
    'on Ubuntu every /etc/pam.d/common-session* file must contain "session required pam_limits.so"; ' +
    `under systemd set LimitNOFILE=${target} in the [Service] section of the unit; check with \`ulimit -n\`.`;
  log.warn(
    { what: 'fd_limit_low', soft: limit.soft, hard: limit.hard, need, maxConnections, fix },
    `open-files limit is ${limit.soft} but max_connections = ${maxConnections} needs at least ${need} ` +
      `(${maxConnections} + ${FD_MARGIN} for storage, logs and cluster); beyond it accepts fail with EMFILE. ` +
      `Fix: ${fix}${raiseSoft}`,
  );
  return true;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'meerkat';
  }
}

export interface FdWatchOptions {
  log: Pick<Logger, 'warn' | 'info'>;
  /** Probe period; also the minimum time between two accept_emfile lines. */
  intervalMs?: number;
  /** Counted once per failed probe (a metric). */
  onExhausted?(code: string): void;
}

/**
 * Notices when the process is out of descriptors. When accept(2) fails with EMFILE, libuv
 * drops the pending connections with its reserve descriptor and tells JavaScript nothing, so
 * a listener cannot see it. Opening /dev/null once a period fails with EMFILE in exactly that
 * state: we log `accept_emfile` (one line a period at most) and `accept_emfile_recovered` once
 * descriptors are free again and accepts succeed.
 */
export function watchFdExhaustion(opts: FdWatchOptions): { stop(): void } {
  let probing = false;
  let exhausted = false;
  let failures = 0;
  const probe = async () => {
    if (probing) return;
    probing = true;
    try {
      await (await open('/dev/null', 'r')).close();
      if (exhausted) {
        opts.log.info({ what: 'accept_emfile_recovered', failedProbes: failures });
        exhausted = false;
        failures = 0;
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
      if (code !== 'EMFILE' && code !== 'ENFILE') return;
      exhausted = true;
      failures++;
      opts.onExhausted?.(code);
      opts.log.warn(
        { what: 'accept_emfile', code, limit: readFdLimit()?.soft },
        'out of file descriptors: new connections are refused until some close; ' +
          'raise the open-files limit (see docs/operations.md, "File descriptors")',
      );
    } finally {
      probing = false;
    }
  };
  const timer = setInterval(() => void probe(), opts.intervalMs ?? 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
