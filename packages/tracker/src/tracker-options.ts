import { hostname } from 'node:os';
import { checkDuration, checkInteger } from './internal/checks.js';

/** A log line from the tracker. */
export type TrackerLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** Options of a {@link Tracker}. */
export interface TrackerOptions {
  /** The hub's server name: what `intra*` pools select. @default os.hostname() */
  readonly hubHost?: string;
  /** How often process and TCP spokes send heartbeats, in ms. @default 1000 */
  readonly heartbeatIntervalMs?: number;
  /** How many intervals a spoke may stay silent before it is declared lost. @default 5 */
  readonly heartbeatTolerance?: number;
  /** How long a new spoke has to say hello, in ms. @default 30000 */
  readonly helloTimeoutMs?: number;
  /** Relaunch a lost spoke automatically (its provisioner's budget applies). @default true */
  readonly autoRelaunch?: boolean;
  /** Where log lines go. @default nowhere */
  readonly log?: TrackerLog;
}

/** {@link TrackerOptions} with defaults applied. */
export type ResolvedTrackerOptions = Required<TrackerOptions>;

/** Applies defaults to and validates tracker options. */
export function resolveTrackerOptions(options: TrackerOptions = {}): ResolvedTrackerOptions {
  return {
    hubHost: options.hubHost ?? hostname(),
    heartbeatIntervalMs: checkDuration('heartbeatIntervalMs', options.heartbeatIntervalMs ?? 1000, true),
    heartbeatTolerance: checkInteger('heartbeatTolerance', options.heartbeatTolerance ?? 5, 1),
    helloTimeoutMs: checkDuration('helloTimeoutMs', options.helloTimeoutMs ?? 30_000, true),
    autoRelaunch: options.autoRelaunch ?? true,
    log: options.log ?? (() => undefined),
  };
}
