import { describeValue } from '@spm/exceptions';
import { escapeLogText, unprintableIndex, type HelloMessage } from '@spm/transport';

/** The longest spoke id a hello may claim, in characters (a local spoke's is `name:N`). */
export const MAX_SPOKE_ID_CHARS = 256;
/** The longest host name a hello may say (a DNS name is at most 253). */
export const MAX_HOST_CHARS = 255;
/** The most tags a hello may advertise. */
export const MAX_TAGS = 32;
/** The longest tag a hello may advertise, in characters. */
export const MAX_TAG_CHARS = 64;

/** Which fields of a hello the tracker takes from the spoke (the provisioner gives the rest). */
export interface HelloFieldsTaken {
  readonly spokeId: boolean;
  readonly host: boolean;
  readonly pid: boolean;
  /** Tags the provisioner adds itself (a spoke repeating them is not checked for them). */
  readonly givenTags: readonly string[];
}

/** The `found` part of a message: {@link describeValue} (escaped), plus where an unprintable character sits. */
function found(value: unknown): string {
  const described = escapeLogText(describeValue(value));
  if (typeof value !== 'string') return described;
  const at = unprintableIndex(value);
  return at < 0 ? described : `${described}, with U+${(value.codePointAt(at) ?? 0).toString(16).toUpperCase().padStart(4, '0')} at index ${at}`;
}

function textProblem(field: string, value: unknown, max: number, what: string): string | undefined {
  // Never in an id, host or tag what a log would escape (a newline forged log lines; a bidi
  // override reordered what a terminal showed; zero-width characters hide differences between ids).
  if (typeof value === 'string' && value.length > 0 && value.length <= max && unprintableIndex(value) < 0) return undefined;
  return `Expected \`hello.${field}\` to be ${what} of 1 to ${max} characters, none of them a control or invisible format character, got ${found(value)}`;
}

/**
 * What is wrong with the identity a spoke claims in its `hello`, or undefined. Only the fields
 * the tracker takes from the spoke are checked (a local spoke's id and host are its
 * provisioner's): an id of 1–{@link MAX_SPOKE_ID_CHARS} characters, a host of
 * 1–{@link MAX_HOST_CHARS}, neither with control, line-separator or invisible format characters;
 * a pid that is a positive safe integer; at most {@link MAX_TAGS} tags of
 * 1–{@link MAX_TAG_CHARS} such characters. A peer's hello used to be taken as it came: an empty
 * id, a 1 MiB one printed whole in log lines, a newline that forged a log line, a 3 MiB host,
 * a pid of 2⁶⁴ − 1 or −1.5.
 */
export function helloProblem(hello: HelloMessage, taken: HelloFieldsTaken): string | undefined {
  if (taken.spokeId && hello.spokeId !== undefined) {
    const problem = textProblem('spokeId', hello.spokeId, MAX_SPOKE_ID_CHARS, 'absent or a string');
    if (problem !== undefined) return problem;
  }
  if (taken.host) {
    const problem = textProblem('host', hello.host, MAX_HOST_CHARS, 'a string');
    if (problem !== undefined) return problem;
  }
  if (taken.pid && !(Number.isSafeInteger(hello.pid) && hello.pid >= 1)) {
    return `Expected \`hello.pid\` to be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got ${found(hello.pid)}`;
  }
  const own = hello.tags.filter((tag) => !taken.givenTags.includes(tag));
  if (own.length > MAX_TAGS) return `Expected \`hello.tags\` to hold at most ${MAX_TAGS} tags, got ${own.length}`;
  for (const [i, tag] of hello.tags.entries()) {
    const problem = taken.givenTags.includes(tag) ? undefined : textProblem(`tags[${i}]`, tag, MAX_TAG_CHARS, 'a string');
    if (problem !== undefined) return problem;
  }
  return undefined;
}
