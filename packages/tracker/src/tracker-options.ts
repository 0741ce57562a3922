import { hostname } from 'node:os';
import { checkOptionKeys } from '@spm/exceptions';
import { checkBoolean, checkDuration, checkFunction, checkInteger, checkObject, checkString } from './internal/checks.js';

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

/** The keys of {@link TrackerOptions}. */
export const TRACKER_OPTION_KEYS: readonly (keyof TrackerOptions)[] = ['hubHost', 'heartbeatIntervalMs', 'heartbeatTolerance', 'helloTimeoutMs', 'autoRelaunch', 'log'];

/**
 * Applies defaults to and validates tracker options. `undefined` takes an option's default; any
 * other value of the wrong type is refused (`autoRelaunch: 'no'` counted as true, `log: 'yes'`
 * threw a TypeError at the first line logged, `hubHost: 42` was taken), and so is an unknown key.
 */
export function resolveTrackerOptions(options: TrackerOptions = {}): ResolvedTrackerOptions {
  checkObject('options', options, 'an object of tracker options');
  checkOptionKeys('the tracker options', options, TRACKER_OPTION_KEYS);
  return {
    hubHost: options.hubHost === undefined ? hostname() : checkString('hubHost', options.hubHost),
    heartbeatIntervalMs: checkDuration('heartbeatIntervalMs', options.heartbeatIntervalMs === undefined ? 1000 : options.heartbeatIntervalMs, true),
    heartbeatTolerance: checkInteger('heartbeatTolerance', options.heartbeatTolerance === undefined ? 5 : options.heartbeatTolerance, 1),
    helloTimeoutMs: checkDuration('helloTimeoutMs', options.helloTimeoutMs === undefined ? 30_000 : options.helloTimeoutMs, true),
    autoRelaunch: options.autoRelaunch === undefined ? true : checkBoolean('autoRelaunch', options.autoRelaunch),
    log: options.log === undefined ? () => undefined : checkFunction<TrackerLog>('log', options.log),
  };
}
