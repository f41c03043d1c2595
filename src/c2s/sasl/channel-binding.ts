/**
 * Channel binding data of a server-side TLS connection (RFC 5929, RFC 9266): which types this
 * connection supports, and the bytes each one binds to.
 */
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { ChannelBinding } from './types.ts';

/**
 * The types of one connection, in the order we advertise them (XEP-0440):
 * - tls-exporter (RFC 9266) on TLS 1.3 only: on TLS 1.2 it is safe only with the extended
 *   master secret, which Node does not let us check;
 * - tls-unique (RFC 5929 §3) on TLS 1.2 and older only: RFC 8446 §C.5 leaves it undefined for
 *   TLS 1.3 (OpenSSL clients would send their own Finished, others the server's);
 * - tls-server-end-point (RFC 5929 §4) on every TLS version, when the certificate's signature
 *   algorithm names a hash.
 */
export function tlsChannelBindings(socket: TLSSocket): ChannelBinding[] {
  const out: ChannelBinding[] = [];
  const protocol = socket.getProtocol();
  if (protocol === null || protocol === 'unknown') return out;
  if (protocol === 'TLSv1.3') {
    out.push({
      type: 'tls-exporter',
      data: socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)),
    });
  } else {
    const unique = tlsUnique(socket);
    if (unique) out.push({ type: 'tls-unique', data: unique });
  }
  const cert = socket.getCertificate();
  const raw = cert && 'raw' in cert ? (cert.raw as Buffer | undefined) : undefined;
  const endPoint = raw ? serverEndPoint(raw) : undefined;
  if (endPoint) out.push({ type: 'tls-server-end-point', data: endPoint });
  return out;
}

/**
 * RFC 5929 §3.1: the first Finished message of the most recent handshake. In a full handshake
 * the client sends it (our peer's); in an abbreviated (resumed) one the server does (ours).
 */
function tlsUnique(socket: TLSSocket): Buffer | undefined {
  const finished = socket.isSessionReused() ? socket.getFinished() : socket.getPeerFinished();
  return finished && finished.length > 0 ? finished : undefined;
}

/**
 * RFC 5929 §4.1: the hash of the DER certificate, with the hash of its signature algorithm, or
 * SHA-256 when that is MD5 or SHA-1. Undefined when the algorithm has no single hash (Ed25519,
 * Ed448): RFC 5929 does not define the binding then.
 */
export function serverEndPoint(der: Buffer): Buffer | undefined {
  const hash = certSignatureHash(der);
  return hash ? createHash(hash).update(der).digest() : undefined;
}

const SIG_HASH: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'sha256', // md5WithRSAEncryption -> SHA-256
  '1.2.840.113549.1.1.5': 'sha256', // sha1WithRSAEncryption -> SHA-256
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.10045.4.1': 'sha256', // ecdsa-with-SHA1 -> SHA-256
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.10040.4.3': 'sha256', // dsa-with-sha1 -> SHA-256
  '2.16.840.1.101.3.4.3.1': 'sha224',
  '2.16.840.1.101.3.4.3.2': 'sha256',
};
const HASH_OID: Record<string, string> = {
  '1.3.14.3.2.26': 'sha256', // SHA-1 -> SHA-256
  '1.2.840.113549.2.5': 'sha256', // MD5 -> SHA-256
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.4': 'sha224',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';

/** The hash name for tls-server-end-point of a DER certificate, or undefined. */
export function certSignatureHash(der: Buffer): string | undefined {
  try {
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, ... }
    const cert = readTlv(der, 0, 0x30);
    const tbs = readTlv(der, cert.start, 0x30);
    const alg = readTlv(der, tbs.end, 0x30);
    const oid = readTlv(der, alg.start, 0x06);
    const name = decodeOid(der.subarray(oid.start, oid.end));
    if (name !== RSASSA_PSS) return SIG_HASH[name];
    // RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] EXPLICIT AlgorithmIdentifier
    // DEFAULT sha1, ... } (RFC 4055 §3.1).
    if (oid.end >= alg.end) return 'sha256';
    const params = readTlv(der, oid.end, 0x30);
    if (params.start >= params.end || der[params.start] !== 0xa0) return 'sha256';
    const tagged = readTlv(der, params.start, 0xa0);
    const hashAlg = readTlv(der, tagged.start, 0x30);
    const hashOid = readTlv(der, hashAlg.start, 0x06);
    return HASH_OID[decodeOid(der.subarray(hashOid.start, hashOid.end))];
  } catch {
    return undefined;
  }
}

/** One DER TLV at offset with the expected tag: where its content starts and ends. */
function readTlv(buf: Buffer, offset: number, tag: number): { start: number; end: number } {
  if (buf[offset] !== tag) throw new Error('unexpected DER tag');
  let len = buf[offset + 1];
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i];
    start += n;
  }
  if (start + len > buf.length) throw new Error('truncated DER');
  return { start, end: start + len };
}

function decodeOid(b: Buffer): string {
  if (b.length === 0) throw new Error('empty OID');
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}
