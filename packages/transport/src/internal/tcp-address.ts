import { isIP } from 'node:net';
import { SPMTransportError } from '@spm/exceptions';

/** A `tcp://host:port` address, parsed. */
export interface TcpAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `tcp://host:port` (IPv6 in brackets: `tcp://[::1]:4100`; port 1–65535). Throws an
 * `SPMTransportError` naming the URL otherwise — what a bin checks a `--hub` with before it connects.
 */
export function parseTcpUrl(url: string): TcpAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // A port past 65535 fails here, in URL's own parse: the hint is said here too.
    throw new SPMTransportError(`Expected a URL of the form \`tcp://host:port\` (port 1–65535), got \`${url}\``);
  }
  const port = Number(parsed.port);
  if (parsed.protocol !== 'tcp:' || parsed.hostname === '' || parsed.port === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SPMTransportError(`Expected a URL of the form \`tcp://host:port\` (port 1–65535), got \`${url}\``);
  }
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return { host, port };
}

/** `host:port`, an IPv6 host in brackets (`[::1]:4100`): how URLs, labels and logs name a peer. */
export function formatHostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** The `tcp://` URL of an address. */
export function formatTcpUrl(host: string, port: number): string {
  return `tcp://${formatHostPort(host, port)}`;
}

/** True for addresses that only this host can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/u.test(h) || /^::ffff:127(\.\d{1,3}){3}$/u.test(h);
}
