import { randomFillSync } from 'node:crypto';

/**
 * 64 URL-safe characters in ascending byte order, so that comparing two ids as strings (SQLite
 * BINARY, PostgreSQL COLLATE "C") compares the numbers they encode: ids sort in time order.
 */
const ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

/** 48-bit millisecond timestamp: 8 characters, good until the year 10889. */
const TIME_CHARS = 8;
/** 12-bit sequence within one millisecond: 2 characters. */
const SEQ_CHARS = 2;
const SEQ_MAX = 0xfff;
/** A fresh millisecond starts its sequence below this, at random (see `next`). */
const SEQ_START_SPAN = 0x800;
/** 72 random bits: 12 characters (9 bytes, 6 bits a character). */
const RANDOM_BYTES = 9;
const POOL_IDS = 256;

/** Length of every id `ArchiveIds.next` returns. */
export const ARCHIVE_ID_LENGTH = TIME_CHARS + SEQ_CHARS + (RANDOM_BYTES * 8) / 6;

/**
 * Archive UIDs (XEP-0359 §4: unique and stable; XEP-0313 §3.2: the RSM id of the message).
 *
 * Time-ordered: a 48-bit millisecond timestamp, then a 12-bit sequence, then 72 random bits. New
 * ids go to the right edge of the B-tree that indexes them (one hot page per group commit)
 * instead of a random leaf each, which made archive writes the biggest cost of messaging with
 * MAM on. Ids never repeat nor go backwards within one generator: the sequence orders ids of
 * one millisecond, and when it runs out (or the clock steps back) the generator runs ahead of
 * the clock by a millisecond. Across cluster nodes the random part keeps ids apart.
 *
 * What an id tells its only reader (the archive owner): when it was archived, which the <delay/>
 * stamp of the result says anyway. The sequence starts at a random point each millisecond, so
 * two ids of one millisecond bound the node's traffic in it only loosely; the 72 random bits make
 * an id unguessable. Clients cannot forge ids: the archiver strips any stanza-id claiming to be
 * ours (XEP-0359 §4), and RSM ids only ever look up the querying user's own archive.
 */
export class ArchiveIds {
  #lastMs = 0;
  #seq = 0;
  readonly #pool = Buffer.alloc(RANDOM_BYTES * POOL_IDS);
  #poolAt = this.#pool.length;

  /** A new id; `now` is the archiving time in ms since the epoch. */
  next(now: number = Date.now()): string {
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#seq = this.#randomByte() * (SEQ_START_SPAN / 256);
    } else if (this.#seq < SEQ_MAX) {
      this.#seq += 1;
    } else {
      this.#lastMs += 1;
      this.#seq = 0;
    }
    let out = encode(this.#lastMs, TIME_CHARS) + encode(this.#seq, SEQ_CHARS);
    for (let i = 0; i < RANDOM_BYTES; i += 3) {
      const b = this.#take(3);
      out +=
        ALPHABET.charAt(b[0] >> 2) +
        ALPHABET.charAt(((b[0] & 3) << 4) | (b[1] >> 4)) +
        ALPHABET.charAt(((b[1] & 15) << 2) | (b[2] >> 6)) +
        ALPHABET.charAt(b[2] & 63);
    }
    return out;
  }

  #randomByte(): number {
    return this.#take(1)[0];
  }

  /** Random bytes from a pool refilled 2 KiB at a time (one getrandom call per 256 ids). */
  #take(n: number): [number, number, number] {
    if (this.#poolAt + n > this.#pool.length) {
      randomFillSync(this.#pool);
      this.#poolAt = 0;
    }
    const p = this.#pool;
    const at = this.#poolAt;
    this.#poolAt += n;
    return [p[at] ?? 0, p[at + 1] ?? 0, p[at + 2] ?? 0];
  }
}

/** Big-endian base-64 digits of a non-negative integer below 2^53, left-padded to `chars`. */
function encode(value: number, chars: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < chars; i++) {
    out = ALPHABET.charAt(v % 64) + out;
    v = Math.floor(v / 64);
  }
  return out;
}

/** The millisecond timestamp an id made by `ArchiveIds` starts with (undefined for others). */
export function archiveIdTime(id: string): number | undefined {
  if (id.length !== ARCHIVE_ID_LENGTH) return undefined;
  let v = 0;
  for (let i = 0; i < TIME_CHARS; i++) {
    const d = ALPHABET.indexOf(id[i] ?? '');
    if (d < 0) return undefined;
    v = v * 64 + d;
  }
  return v;
}
