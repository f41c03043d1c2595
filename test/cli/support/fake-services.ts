import type { AdminServices, NodeStatus, SessionInfo } from '../../../src/admin/services.ts';

/** In-memory AdminServices for unit tests of commands, the control port and meerkatctl. */
export interface FakeServices extends AdminServices {
  setStatus(s: NodeStatus): void;
  stopCalls: number;
  sent: { from: string; to: string; body: string }[];
}

export function createFakeServices(
  opts: { name?: string; onStop?: () => void } = {},
): FakeServices {
  let status: NodeStatus = 'started';
  const passwords = new Map<string, string>();
  const sessions: SessionInfo[] = [
    {
      jid: 'alice@localhost/phone',
      ip: '127.0.0.1',
      transport: 'tcp',
      priority: 5,
      connectedAt: 1,
    },
  ];
  const self: FakeServices = {
    stopCalls: 0,
    sent: [],
    setStatus: (s) => {
      status = s;
    },
    node: {
      name: opts.name ?? 'meerkat@localhost',
      pid: process.pid,
      version: '0.1.0',
      status: () => status,
      startedAt: Date.now() - 3_723_000,
      dataDir: '/var/lib/meerkat',
      logFile: undefined,
      listeners: () => [{ kind: 'c2s', ip: '0.0.0.0', port: 5222 }],
      fdLimit: () => ({ soft: 1024, hard: 4096 }),
      stop: async () => {
        self.stopCalls++;
        status = 'stopping';
        opts.onStop?.();
      },
    },
    accounts: {
      register: async (u, h, p) => {
        if (passwords.has(`${u}@${h}`)) return 'exists';
        passwords.set(`${u}@${h}`, p);
        return 'created';
      },
      unregister: async (u, h) => passwords.delete(`${u}@${h}`),
      changePassword: async (u, h, p) => {
        if (!passwords.has(`${u}@${h}`)) return false;
        passwords.set(`${u}@${h}`, p);
        return true;
      },
      exists: async (u, h) => passwords.has(`${u}@${h}`),
      checkPassword: async (u, h, p) => passwords.get(`${u}@${h}`) === p,
      list: async (h) =>
        [...passwords.keys()]
          .filter((k) => k.endsWith(`@${h}`))
          .map((k) => k.slice(0, k.lastIndexOf('@')))
          .sort(),
      hosts: () => ['localhost'],
    },
    sessions: {
      list: () => [...sessions],
      count: () => sessions.length,
      kick: async (jid) => {
        const i = sessions.findIndex((s) => s.jid === jid);
        if (i === -1) return false;
        sessions.splice(i, 1);
        return true;
      },
      sendMessage: async (from, to, body) => {
        self.sent.push({ from, to, body });
      },
    },
  };
  return self;
}
