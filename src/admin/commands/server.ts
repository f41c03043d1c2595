import { CommandError, defineCommand } from '../command-registry.ts';

export function formatUptime(ms: number): string {
  let s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return [d ? `${d}d` : '', d || h ? `${h}h` : '', d || h || m ? `${m}m` : '', `${s}s`]
    .filter(Boolean)
    .join(' ');
}

export const status = defineCommand({
  name: 'status',
  group: 'lifecycle',
  summary: 'Show the node: name, pid, status, version, uptime, listeners, data dir, log, fd limit',
  args: [],
  readOnly: true,
  async run({ node, cluster }) {
    const now = Date.now();
    const state = node.status();
    const clusterName = cluster?.name();
    const removed = cluster?.removedFrom();
    const fd = node.fdLimit();
    const info = {
      node: node.name,
      pid: node.pid,
      status: state,
      version: node.version,
      uptimeSeconds: Math.floor((now - node.startedAt) / 1000),
      listeners: node.listeners(),
      dataDir: node.dataDir,
      logFile: node.logFile ?? null,
      fdLimit: fd ?? null,
      cluster: clusterName ?? null,
      backbone: cluster?.backbone() ?? 'none',
      removedFrom: removed ?? null,
    };
    const lines = [
      `Node: ${info.node}`,
      `OS pid: ${info.pid}`,
      `Status: ${state}`,
      `Version: ${info.version}`,
      `Uptime: ${formatUptime(now - node.startedAt)}`,
      'Listeners:',
      ...info.listeners.map(
        (l) => `  ${l.kind} ${l.ip.includes(':') ? `[${l.ip}]` : l.ip}:${l.port}`,
      ),
      `Data dir: ${info.dataDir}`,
      `Log file: ${info.logFile ?? '(stdout)'}`,
      `Open files limit: ${fd ? `${fd.soft} (hard ${fd.hard})` : 'unknown'}`,
      clusterName === undefined
        ? 'Cluster: none (standalone)'
        : `Cluster: ${clusterName} (backbone ${info.backbone})`,
      // The tombstone (issue 5): a node removed while it was down says so instead of rejoining.
      ...(removed
        ? [
            `Removed: this node was removed from cluster ${removed.cluster} by ${removed.by}; to rejoin: meerkatctl join_cluster MEMBER`,
          ]
        : []),
    ];
    return { text: lines.join('\n'), json: info, exitCode: state === 'started' ? 0 : 1 };
  },
});

export const ping = defineCommand({
  name: 'ping',
  group: 'lifecycle',
  summary: "Check that the node answers: prints 'pong', or 'pang' (exit 3) when it does not",
  args: [],
  readOnly: true,
  async run() {
    return { text: 'pong', json: { result: 'pong' } };
  },
});

export const stop = defineCommand({
  name: 'stop',
  group: 'lifecycle',
  summary: 'Stop the node gracefully (closes sessions with <system-shutdown/>) and wait for it',
  args: [],
  readOnly: false,
  async run({ node }) {
    if (node.status() === 'stopping')
      throw new CommandError(`Node ${node.name} is already stopping`);
    // Answer first, then stop: the stop closes this very control connection.
    setImmediate(() => {
      node.stop().catch(() => undefined);
    });
    return { text: `Stopping node ${node.name}`, json: { result: 'stopping', node: node.name } };
  },
});

export const serverCommands = [status, ping, stop];
