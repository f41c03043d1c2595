import type { Readable } from 'node:stream';

/** One slot (XEP-0363 §4) and, once its PUT completed, the file it holds. */
export interface UploadRecord {
  /** Random, unguessable (128 bits, base64url): the URL path segment. */
  id: string;
  /** Bare JID of the requester (quota and daily volume are counted per owner). */
  owner: string;
  filename: string;
  size: number;
  /** As requested; '' when the request named none. */
  contentType: string;
  createdAt: number;
  /** The PUT must start before this (ms since epoch). */
  putDeadline: number;
  /** The file is deleted after this (ms since epoch). */
  expiresAt: number;
  state: 'slot' | 'uploading' | 'complete';
}

/** Slot and file metadata, shared by every node of a cluster (the node's SQL database). */
export interface UploadMetaStore {
  insert(r: UploadRecord): Promise<void>;
  get(id: string): Promise<UploadRecord | undefined>;
  /**
   * Moves a slot from `from` to `to` in one statement; false when it was not in `from` (a second
   * PUT racing the first one, on any node, loses here).
   */
  transition(id: string, from: UploadRecord['state'], to: UploadRecord['state']): Promise<boolean>;
  /** Bytes held by `owner` (slots not yet uploaded count: they are reserved). */
  usage(owner: string): Promise<number>;
  /** (createdAt, size) of the owner's slots created at or after `since`, oldest first. */
  createdSince(owner: string, since: number): Promise<{ at: number; size: number }[]>;
  /** (expiresAt, size) of the owner's records, soonest first (when quota frees up). */
  expiries(owner: string): Promise<{ at: number; size: number }[]>;
  /**
   * Up to `limit` records to purge at `now`: files past expiry, slots never uploaded past their
   * deadline, and uploads stuck (a node died mid-PUT) `staleMs` after their deadline.
   */
  purgeable(now: number, staleMs: number, limit: number): Promise<string[]>;
  remove(id: string): Promise<void>;
  /** Every record of `owner` expires now (account removed); the purge job deletes them. */
  expireOwner(owner: string, now: number): Promise<number>;
  /** The HMAC key for PUT tokens: created once, shared by every node on the database. */
  secret(): Promise<Buffer>;
}

/** Where file bytes live; one interface, a filesystem and an SQL backend (ARCHITECTURE.md §5). */
export interface BlobStore {
  readonly kind: 'filesystem' | 'database';
  /**
   * Stores exactly `size` bytes read from `body`, pulling at the pace the backend writes
   * (backpressure). Rejects, leaving nothing stored, when the body is shorter or longer.
   */
  put(id: string, body: Readable, size: number): Promise<void>;
  /** Bytes `start..end` (inclusive) of a stored blob, streamed. */
  read(id: string, start: number, end: number): Readable;
  /** Deletes a blob; a missing one is not an error. */
  remove(id: string): Promise<void>;
}
