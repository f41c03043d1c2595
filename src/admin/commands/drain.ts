import { CommandError, type CommandFlags, defineCommand, UsageError } from '../command-registry.ts';
import type { DrainRequest } from '../services.ts';

/** Seconds (or a percentage) given as a flag: a positive number, or undefined when absent. */
function positive(flags: CommandFlags, name: string, max = Number.POSITIVE_INFINITY) {
  const v = flags[name];
  if (v === undefined || v === false) return undefined;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n <= 0 || n > max) {
    throw new UsageError(`--${name} expects a number in (0, ${max}], got '${String(v)}'`);
  }
  return n;
}

export function drainRequest(flags: CommandFlags): DrainRequest {
  const timeout = positive(flags, 'timeout');
  const grace = positive(flags, 'grace');
  const host = flags['see-other-host'];
  if (host !== undefined && (typeof host !== 'string' || !/^[^\s/@]+$/.test(host))) {
    throw new UsageError('--see-other-host expects HOST or HOST:PORT');
  }
  return {
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    batchPercent: positive(flags, 'batch', 100),
    graceMs: grace === undefined ? undefined : grace * 1000,
    seeOtherHost: host,
  };
}

/**
 * Issue 6 item 5. Answers first, then drains and stops: the stop closes this very control
 * connection, and a drain lasts longer than a control call should wait (like `stop`).
 */
export const drain = defineCommand({
  name: 'drain',
  group: 'lifecycle',
  summary:
    'Drain the node, then stop it: /ready turns 503, listeners stop accepting, clients are asked to reconnect elsewhere in batches',
  args: [],
  flags: [
    { name: 'timeout', value: 'S', doc: 'stop after S seconds even if clients remain (60)' },
    { name: 'batch', value: 'P', doc: 'percent of the sessions asked to leave each second (10)' },
    { name: 'grace', value: 'S', doc: 'seconds between /ready turning 503 and closing (0)' },
    {
      name: 'see-other-host',
      value: 'HOST[:PORT]',
      doc: 'where clients reconnect (default [cluster] advertised_host, else system-shutdown)',
    },
  ],
  readOnly: false,
  async run({ node }, _args, flags) {
    const request = drainRequest(flags);
    if (!node.drain) throw new CommandError(`Node ${node.name} cannot drain`);
    if (node.status() !== 'started') {
      throw new CommandError(`Node ${node.name} is ${node.status()}, not started`);
    }
    const run = node.drain.bind(node);
    setImmediate(() => {
      run(request).catch(() => undefined);
    });
    const seconds = (request.timeoutMs ?? 60_000) / 1000;
    return {
      text: `Draining node ${node.name}; it stops within ${seconds} s`,
      json: { result: 'draining', node: node.name, timeoutSeconds: seconds },
    };
  },
});

export const drainCommands = [drain];
