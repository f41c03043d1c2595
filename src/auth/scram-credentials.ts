/** SCRAM hash functions we store secrets for (RFC 5802, RFC 7677). */
export type ScramHash = 'sha1' | 'sha256';

/**
 * What the server keeps of a password for one hash (RFC 5802 §3): never the password itself.
 * StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key").
 */
export interface ScramCredentials {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** An account's secrets: one set per supported hash. */
export interface AccountSecrets {
  sha1: ScramCredentials;
  sha256: ScramCredentials;
}
