/** When an account was last seen going offline, and the status it left (XEP-0012 §3). */
export interface LastActivity {
  /** ms since the epoch. */
  at: number;
  status: string;
}

/** Longest status text kept (presence status is free text; storage stays bounded). */
export const LAST_STATUS_MAX_CHARS = 1024;

export interface LastStore {
  /** Records (replaces) the user's last logout; the status is cut to LAST_STATUS_MAX_CHARS. */
  set(user: string, domain: string, activity: LastActivity): Promise<void>;
  get(user: string, domain: string): Promise<LastActivity | null>;
  /** remove-user; returns whether a record existed. */
  remove(user: string, domain: string): Promise<boolean>;
}
