import { SPMTypedefError } from '@spm/exceptions';
import { describeValue } from './internal/describe-value.js';

/**
 * A duration as plain data: the value type of `scalar<timeout>`, with milliseconds (the seed's
 * `spm.util.timeout.after(seconds = 10)`). Made by {@link after}; read with {@link toMs}.
 */
export interface Timeout {
  /** The duration in milliseconds: finite, ≥ 0 and at most {@link MAX_TIMEOUT_MS}. */
  readonly ms: number;
}

/**
 * The longest duration a Timeout may hold: 2,147,483,647 ms (2³¹ − 1, about 24.8 days), the
 * longest a Node.js timer waits. A longer delay given to `setTimeout` fires after 1 ms instead:
 * a task timeout of 30 days would time every task out at once, so it is refused here.
 */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** The parts of a duration given to {@link after}; they add up. */
export interface AfterOptions {
  /** @default 0 */
  readonly hours?: number;
  /** @default 0 */
  readonly minutes?: number;
  /** @default 0 */
  readonly seconds?: number;
  /** @default 0 */
  readonly ms?: number;
}

const UNIT_MS = { hours: 3_600_000, minutes: 60_000, seconds: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

function isUnit(key: string): key is Unit {
  return Object.hasOwn(UNIT_MS, key);
}

/**
 * A {@link Timeout} of the given duration: `after({ seconds: 10 })` is `{ ms: 10000 }`.
 * Every part must be a finite number ≥ 0 and the sum at most {@link MAX_TIMEOUT_MS}; an unknown
 * part is an error.
 * @throws SPMTypedefError naming the part, e.g. ``Expected `seconds` to be a finite number ≥ 0, got `-1` (number)``.
 */
export function after(duration: AfterOptions): Timeout {
  const proto: unknown = typeof duration === 'object' && duration !== null ? Object.getPrototypeOf(duration) : undefined;
  // A Map, a class instance or an object inheriting its parts was read as no parts: 0 ms.
  if (typeof duration !== 'object' || duration === null || Array.isArray(duration) || (proto !== Object.prototype && proto !== null)) {
    throw new SPMTypedefError(`Expected after() to get { hours?, minutes?, seconds?, ms? }, got ${describeValue(duration)}`, {
      expected: '{ hours?, minutes?, seconds?, ms? }',
      found: describeValue(duration),
    });
  }
  let total = 0;
  for (const [key, part] of Object.entries(duration)) {
    if (!isUnit(key)) {
      throw new SPMTypedefError(`Expected after() to get only hours, minutes, seconds or ms, got \`${key}\``, {
        path: key,
        expected: 'hours, minutes, seconds or ms',
        found: `\`${key}\``,
      });
    }
    if (part === undefined) continue;
    if (typeof part !== 'number' || !Number.isFinite(part) || part < 0) {
      throw new SPMTypedefError(`Expected \`${key}\` to be a finite number ≥ 0, got ${describeValue(part)}`, {
        path: key,
        expected: 'a finite number ≥ 0',
        found: describeValue(part),
      });
    }
    total += part * UNIT_MS[key];
  }
  if (!Number.isFinite(total)) {
    throw new SPMTypedefError(`Expected after() to make a finite duration, got ${total} ms`, {
      expected: 'a finite duration',
      found: `${total} ms`,
    });
  }
  if (total > MAX_TIMEOUT_MS) {
    throw new SPMTypedefError(`Expected after() to make a duration of at most ${MAX_TIMEOUT_MS} ms (about 24.8 days, the longest a timer waits), got ${total} ms`, {
      expected: `at most ${MAX_TIMEOUT_MS} ms`,
      found: `${total} ms`,
    });
  }
  return Object.freeze({ ms: total });
}

/**
 * True when `value` is a {@link Timeout}: a plain object whose only key is `ms`, a finite
 * number from 0 to {@link MAX_TIMEOUT_MS} (so a timeout that crossed the wire as msgpackr data
 * still is one).
 */
export function isTimeout(value: unknown): value is Timeout {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== 'ms') return false;
  const ms = (value as { ms: unknown }).ms;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIMEOUT_MS;
}

/**
 * True when `value` is a number of milliseconds a timer can wait: finite, from 0 to
 * {@link MAX_TIMEOUT_MS}. A `scalar<timeout>` holds one or a {@link Timeout}.
 */
export function isTimeoutMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_TIMEOUT_MS;
}

/**
 * The milliseconds of a `scalar<timeout>` value — a {@link Timeout} or a number of milliseconds
 * (see {@link isTimeoutMs}) — checked: durations are converted once, here.
 * @throws SPMTypedefError when `timeout` is neither.
 */
export function toMs(timeout: Timeout | number): number {
  if (isTimeoutMs(timeout)) return timeout;
  if (!isTimeout(timeout)) {
    throw new SPMTypedefError(`Expected a Timeout such as after({ seconds: 10 }) or milliseconds from 0 to ${MAX_TIMEOUT_MS}, got ${describeValue(timeout)}`, {
      expected: `a Timeout ({ ms } with ms from 0 to ${MAX_TIMEOUT_MS}) or milliseconds`,
      found: describeValue(timeout),
    });
  }
  return timeout.ms;
}
