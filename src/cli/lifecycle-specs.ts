import type { ArgSpec } from '../admin/command-registry.ts';

/** Commands meerkatctl runs itself (they manage the node process); shown with the node's own. */
export interface LocalCommandSpec {
  name: string;
  group: 'lifecycle';
  summary: string;
  args: readonly ArgSpec[];
  /** Accepts --timeout S as the time to wait. */
  waits?: boolean;
}

const spec = (name: string, summary: string, waits = false): LocalCommandSpec => ({
  name,
  group: 'lifecycle',
  summary,
  args: [],
  waits,
});

export const LOCAL_COMMANDS: readonly LocalCommandSpec[] = [
  spec('start', 'Start the node in the background (writes <data_dir>/meerkat.pid)'),
  spec('foreground', 'Run the node attached to this terminal, logging to stdout'),
  spec('live', 'Same as foreground'),
  spec('started', 'Wait until the node reports status started (--timeout S, default 60)', true),
  spec('stopped', 'Wait until the node has stopped (--timeout S, default 60)', true),
  spec('stop', 'Stop the node gracefully and wait until it has exited', true),
  spec('restart', 'Stop the node, start it again and wait until it is started', true),
  spec(
    'status',
    'Show node, pid, status, version, uptime, listeners, dirs, fd limit (exit 0 if started)',
  ),
  spec('ping', "Print 'pong' if the node answers, 'pang' (exit 3) if not"),
];
