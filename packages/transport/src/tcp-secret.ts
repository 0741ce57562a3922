/**
 * The TCP transport's shared secret: a string (used as UTF-8) or bytes, at least 16 bytes
 * long. Read it with `readSecret` (an environment variable or a file of mode 0600).
 */
export type TcpSecret = string | Uint8Array;
