import { lookup } from 'node:dns/promises';

/** A node name is `name@host`, as Erlang node names are; the host says where its control port is. */
export interface NodeName {
  name: string;
  host: string;
}

export function parseNodeName(full: string): NodeName {
  const at = full.indexOf('@');
  const name = full.slice(0, at);
  const host = full.slice(at + 1);
  if (at <= 0 || host === '' || host.includes('@') || /\s/.test(full)) {
    throw new Error(`invalid node name '${full}': expected name@host`);
  }
  return { name, host };
}

/** The address the node's host part resolves to; server and client resolve it the same way. */
export async function resolveNodeHost(host: string): Promise<string> {
  const { address } = await lookup(host);
  return address;
}
