import { type Client, client, xml } from '@xmpp/client';

// The test server's certificate is self-signed; @xmpp/client's STARTTLS upgrade passes no TLS
// options, so tests accept it the way Node allows for a whole process.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
process.removeAllListeners('warning');

export interface XmppJsOptions {
  service: string;
  username: string;
  password: string;
  resource?: string;
  /** Force a SASL mechanism (default: the library's own choice, SCRAM-SHA-1 first). */
  mechanism?: 'PLAIN' | 'SCRAM-SHA-1';
}

/** Starts an @xmpp/client (xmpp.js) connection and resolves once it is online. */
export async function xmppJs(opts: XmppJsOptions): Promise<Client> {
  const xmpp = client({
    // xmpp.js waits 2 s by default for each stream step; its SCRAM runs in pure JS and a busy
    // 2-core CI machine can exceed that, which would make tests flaky, not wrong.
    timeout: 15_000,
    service: opts.service,
    domain: 'localhost',
    resource: opts.resource,
    credentials: async (
      authenticate: (c: { username: string; password: string }, m: string) => Promise<void>,
      mechanisms: string[],
    ) => {
      const mechanism = opts.mechanism ?? mechanisms[0];
      if (!mechanism || !mechanisms.includes(mechanism)) {
        throw new Error(`${opts.mechanism} not offered: ${mechanisms.join(',')}`);
      }
      await authenticate({ username: opts.username, password: opts.password }, mechanism);
    },
  });
  xmpp.on('error', () => {});
  xmpp.reconnect.stop();
  await xmpp.start();
  return xmpp;
}

export async function stopXmppJs(xmpp: Client): Promise<void> {
  try {
    await xmpp.stop();
  } catch {
    // already closed
  }
}

export { xml };
