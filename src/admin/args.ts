import type { ArgSpec } from './command-registry.ts';

/** Argument builders shared by the command definitions, so every USER/HOST reads the same. */

const MAX_PART = 1023; // RFC 7622 §3.3.1: each JID part is at most 1023 octets

function partCheck(what: string, forbidden: RegExp): (v: string) => string | undefined {
  return (v) => {
    if (v.length === 0) return `a non-empty ${what}`;
    if (Buffer.byteLength(v) > MAX_PART) return `a ${what} of at most ${MAX_PART} bytes`;
    if (forbidden.test(v))
      return `a ${what} without whitespace or the characters ${forbidden.source}`;
    return undefined;
  };
}

export function userArg(name = 'USER'): ArgSpec {
  return {
    name,
    doc: 'the local part of the account JID',
    check: partCheck('user name', /[@/\s]/),
  };
}

export function hostArg(name = 'HOST'): ArgSpec {
  return { name, doc: 'a virtual host served by this node', check: partCheck('host', /[@/\s]/) };
}

export function resourceArg(name = 'RESOURCE'): ArgSpec {
  return {
    name,
    doc: 'the resource of the session',
    check: (v) => (v.length === 0 ? 'a non-empty resource' : undefined),
  };
}

export function passwordArg(name = 'PASSWORD'): ArgSpec {
  return {
    name,
    doc: "the password, or '-' to read it from stdin",
    stdinSecret: true,
    check: (v) => (v.length === 0 ? 'a non-empty password' : undefined),
  };
}

export function jidArg(name: string, doc: string): ArgSpec {
  return {
    name,
    doc,
    check: (v) => {
      const at = v.indexOf('@');
      const domain = at === -1 ? v.split('/')[0] : v.slice(at + 1).split('/')[0];
      return domain === '' || /\s/.test(v) || at === 0 ? 'a JID such as user@host' : undefined;
    },
  };
}

export function textArg(name: string, doc: string): ArgSpec {
  return { name, doc };
}
