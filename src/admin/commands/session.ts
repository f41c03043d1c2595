import { hostArg, jidArg, resourceArg, textArg, userArg } from '../args.ts';
import { CommandError, defineCommand } from '../command-registry.ts';

export const connectedUsers = defineCommand({
  name: 'connected_users',
  group: 'sessions',
  summary:
    'List the connected sessions (cluster-wide), one full JID a line; --verbose adds the client address, transport, priority and connection time',
  args: [],
  flags: [
    { name: 'verbose', doc: 'one line per session: JID, client IP, transport, priority, since' },
  ],
  readOnly: true,
  async run({ sessions }, _args, flags) {
    const list = sessions.list();
    if (!flags.verbose) return { text: list.map((s) => s.jid).join('\n'), json: list };
    // The client address is the real one behind a trusted proxy (PROXY protocol, X-Forwarded-For).
    const lines = list.map((s) =>
      [
        s.jid,
        s.ip || '-',
        s.transport,
        String(s.priority),
        new Date(s.connectedAt).toISOString(),
      ].join('\t'),
    );
    return { text: lines.join('\n'), json: list };
  },
});

export const connectedUsersNumber = defineCommand({
  name: 'connected_users_number',
  group: 'sessions',
  summary: 'Count the sessions connected to this node',
  args: [],
  readOnly: true,
  async run({ sessions }) {
    const n = sessions.count();
    return { text: String(n), json: n };
  },
});

export const kickSession = defineCommand({
  name: 'kick_session',
  group: 'sessions',
  summary: 'Disconnect one session, telling the client REASON',
  args: [userArg(), hostArg(), resourceArg(), textArg('REASON', 'text sent to the client')],
  readOnly: false,
  async run({ sessions }, [user, host, resource, reason]) {
    const jid = `${user}@${host}/${resource}`;
    if (!(await sessions.kick(jid, reason!))) throw new CommandError(`No session ${jid}`);
    return { text: `Session ${jid} kicked`, json: { result: 'kicked', jid } };
  },
});

export const sendMessage = defineCommand({
  name: 'send_message',
  group: 'sessions',
  summary: 'Send a chat message from FROM to TO',
  args: [
    jidArg('FROM', 'the sender JID'),
    jidArg('TO', 'the recipient JID (bare or full)'),
    textArg('BODY', 'the message text'),
  ],
  readOnly: false,
  async run({ sessions }, [from, to, body]) {
    await sessions.sendMessage(from!, to!, body!);
    return { text: `Message sent to ${to}`, json: { result: 'sent' } };
  },
});

export const sessionCommands = [connectedUsers, connectedUsersNumber, kickSession, sendMessage];
