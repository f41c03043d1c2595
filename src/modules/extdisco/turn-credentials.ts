import { createHmac } from 'node:crypto';

export interface TurnCredentials {
  username: string;
  password: string;
  expires: Date;
}

/**
 * Time-limited TURN credentials from a secret shared with the TURN server, as the "TURN REST
 * API" draft (draft-uberti-behave-turn-rest-00 §2.2) defines and coturn implements with
 * `use-auth-secret` / `static-auth-secret`: username = "<expiry unix time>:<user>", password =
 * base64(HMAC-SHA1(secret, username)). The TURN server checks the HMAC and that the time has not
 * passed, so nothing is stored on either side.
 */
export function turnCredentials(
  secret: string,
  user: string,
  ttlSeconds: number,
  nowMs: number,
): TurnCredentials {
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiry}:${user}`;
  const password = createHmac('sha1', secret).update(username).digest('base64');
  return { username, password, expires: new Date(expiry * 1000) };
}
