import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SPMTransportError } from '@spm/exceptions';

/**
 * The TCP handshake: mutual proof of a shared secret by HMAC-SHA256 over fresh nonces, before
 * any frame is parsed. Every handshake message has a fixed size, so nothing in it is a length
 * the peer chooses.
 *
 *   hub   → spoke  MAGIC ‖ Nh                      (challenge, 40 bytes)
 *   spoke → hub    MAGIC ‖ Ns ‖ HMAC(k, "client" ‖ Nh ‖ Ns)   (72 bytes)
 *   hub   → spoke  HMAC(k, "server" ‖ Nh ‖ Ns)     (32 bytes)
 *
 * Nh is fresh per connection, so a recorded spoke answer is worthless on another connection
 * (replay); the two labels keep one side's proof from being reflected as the other's. The
 * secret itself never crosses the wire.
 */
export const MAGIC = Buffer.from('SPM-TCP1', 'latin1');
export const NONCE_BYTES = 32;
export const MAC_BYTES = 32;
export const CHALLENGE_BYTES = MAGIC.length + NONCE_BYTES;
export const RESPONSE_BYTES = MAGIC.length + NONCE_BYTES + MAC_BYTES;
export const CONFIRM_BYTES = MAC_BYTES;

const CLIENT_LABEL = Buffer.from('spm-ts tcp v1 client proof', 'latin1');
const SERVER_LABEL = Buffer.from('spm-ts tcp v1 server proof', 'latin1');

/** Shortest secret accepted, in bytes. */
export const MIN_SECRET_BYTES = 16;

/** Validates the secret and returns its bytes. The error never quotes the secret. */
export function secretBytes(secret: unknown): Buffer {
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    throw new SPMTransportError(`Expected \`secret\` to be a string or bytes of at least ${MIN_SECRET_BYTES} bytes, got ${secret === null ? 'null' : typeof secret}`);
  }
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new SPMTransportError(`Expected \`secret\` to be at least ${MIN_SECRET_BYTES} bytes, got ${bytes.length} bytes`);
  }
  return bytes;
}

export function freshNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

function mac(key: Buffer, label: Buffer, hubNonce: Uint8Array, spokeNonce: Uint8Array): Buffer {
  return createHmac('sha256', key).update(label).update(hubNonce).update(spokeNonce).digest();
}

export function challenge(hubNonce: Buffer): Buffer {
  return Buffer.concat([MAGIC, hubNonce]);
}

export function response(key: Buffer, hubNonce: Uint8Array, spokeNonce: Buffer): Buffer {
  return Buffer.concat([MAGIC, spokeNonce, mac(key, CLIENT_LABEL, hubNonce, spokeNonce)]);
}

export function confirm(key: Buffer, hubNonce: Uint8Array, spokeNonce: Uint8Array): Buffer {
  return mac(key, SERVER_LABEL, hubNonce, spokeNonce);
}

/** True when `bytes` starts with the protocol magic (checked as soon as 8 bytes are in). */
export function hasMagic(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.equals(bytes.subarray(0, MAGIC.length));
}

/** Checks a spoke's proof in constant time. */
export function verifyResponse(key: Buffer, hubNonce: Uint8Array, answer: Uint8Array): { ok: boolean; spokeNonce: Uint8Array } {
  const spokeNonce = answer.subarray(MAGIC.length, MAGIC.length + NONCE_BYTES);
  const proof = answer.subarray(MAGIC.length + NONCE_BYTES, RESPONSE_BYTES);
  const expected = mac(key, CLIENT_LABEL, hubNonce, spokeNonce);
  return { ok: proof.length === MAC_BYTES && timingSafeEqual(proof, expected), spokeNonce };
}

/** Checks the hub's proof in constant time. */
export function verifyConfirm(key: Buffer, hubNonce: Uint8Array, spokeNonce: Uint8Array, proof: Uint8Array): boolean {
  return proof.length === MAC_BYTES && timingSafeEqual(proof, confirm(key, hubNonce, spokeNonce));
}
