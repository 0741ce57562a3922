import { PROTOCOL_VERSION, type Message, type MessageType } from '../protocol.js';
import { escapeLogText } from '../escape-log-text.js';

/** Why a decoded value is not a {@link Message}; the caller wraps it in an `SPMTransportError`. */
export class InvalidMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMessageError';
  }
}

type FieldKind = 'string' | 'string?' | 'number' | 'number?' | 'boolean' | 'boolean?' | 'taskId' | 'strings' | 'value' | 'wireError' | 'phase';

const ATTEMPT: Readonly<Record<string, FieldKind>> = { taskId: 'taskId', attempt: 'number' };

/** Required fields per message type (and per `ok` branch for `status` and `reply`). */
const FIELDS: Readonly<Record<Exclude<MessageType, 'batch'>, Readonly<Record<string, FieldKind>>>> = {
  hello: { spokeId: 'string?', host: 'string', pid: 'number', tags: 'strings' },
  welcome: { spokeId: 'string', heartbeatMs: 'number' },
  heartbeat: { seq: 'number' },
  task: { ...ATTEMPT, module: 'string', signature: 'string', preload: 'strings', record: 'value', reportStart: 'boolean?' },
  'next-task': { ...ATTEMPT, record: 'value', reportStart: 'boolean?' },
  started: ATTEMPT,
  status: { ...ATTEMPT, ok: 'boolean', ms: 'number?' },
  request: { ...ATTEMPT, requestId: 'number', body: 'value' },
  reply: { ...ATTEMPT, requestId: 'number', ok: 'boolean' },
  notify: { ...ATTEMPT, body: 'value' },
  shutdown: { reason: 'string' },
  cancel: { reason: 'string' },
};

const BRANCHES: Readonly<Partial<Record<MessageType, { readonly ok: Readonly<Record<string, FieldKind>>; readonly failed: Readonly<Record<string, FieldKind>> }>>> = {
  status: { ok: { value: 'value' }, failed: { phase: 'phase', error: 'wireError' } },
  reply: { ok: { body: 'value' }, failed: { error: 'wireError' } },
};

type FieldList = readonly (readonly [string, FieldKind])[];
// The tables as entry lists, built once: validation runs on every message sent and received.
const FIELD_LISTS = new Map<string, FieldList>(Object.entries(FIELDS).map(([type, fields]) => [type, Object.entries(fields)]));
const BRANCH_LISTS = new Map<string, { readonly ok: FieldList; readonly failed: FieldList }>(
  Object.entries(BRANCHES).map(([type, branches]) => [type, { ok: Object.entries(branches.ok), failed: Object.entries(branches.failed) }]),
);

function describe(value: unknown): string {
  if (value === null) return '`null`';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  // Quoted and escaped: the peer's text ends up in log lines (a bidi override must not reorder them).
  if (typeof value === 'string') return `\`${escapeLogText(JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value))}\` (string)`;
  return `\`${String(value)}\` (${typeof value})`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function check(message: Record<string, unknown>, type: string, field: string, kind: FieldKind, normalize: boolean): void {
  const value = message[field];
  const fail = (expected: string): never => {
    throw new InvalidMessageError(`Expected \`${type}.${field}\` to be ${expected}, got ${describe(value)}`);
  };
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') fail('a string');
      return;
    case 'string?':
      if (value !== undefined && typeof value !== 'string') fail('a string or absent');
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('a finite number');
      return;
    case 'number?':
      if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) fail('a finite number ≥ 0 or absent');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail('a boolean');
      return;
    case 'boolean?':
      if (value !== undefined && typeof value !== 'boolean') fail('a boolean or absent');
      return;
    case 'taskId':
      if (typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value))) fail('a string or a finite number');
      return;
    case 'strings':
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) fail('an array of strings');
      return;
    case 'phase':
      if (value !== 'load' && value !== 'eval' && value !== 'cancelled') fail('`load`, `eval` or `cancelled`');
      return;
    case 'wireError':
      if (!isRecord(value) || typeof value['name'] !== 'string' || typeof value['message'] !== 'string') {
        fail('a wire error (an object with string `name` and `message`)');
      }
      return;
    case 'value':
      // `undefined` is not data: a sender's `value: undefined` arrives without the key. It
      // means "nothing", so it reads as `null` rather than failing the whole channel.
      if (value === undefined && normalize) message[field] = null;
      return;
  }
}

function validateOne(value: unknown, insideBatch: boolean, normalize: boolean): Message {
  if (!isRecord(value)) throw new InvalidMessageError(`Expected a message (an object), got ${describe(value)}`);
  const type = value['type'];
  if (value['v'] !== PROTOCOL_VERSION) {
    throw new InvalidMessageError(`Expected protocol version \`v\` to be ${PROTOCOL_VERSION}, got ${describe(value['v'])}`);
  }
  if (type === 'batch') {
    if (insideBatch) throw new InvalidMessageError('Expected a message inside a batch, got a nested `batch`');
    const messages = value['messages'];
    if (!Array.isArray(messages)) throw new InvalidMessageError(`Expected \`batch.messages\` to be an array, got ${describe(messages)}`);
    for (const inner of messages) validateOne(inner, true, normalize);
    return value as unknown as Message;
  }
  const fields = typeof type === 'string' ? FIELD_LISTS.get(type) : undefined;
  if (fields === undefined) throw new InvalidMessageError(`Expected \`type\` to be a known message type, got ${describe(type)}`);
  const known = type as string;
  for (const [field, kind] of fields) check(value, known, field, kind, normalize);
  const branches = BRANCH_LISTS.get(known);
  if (branches) {
    for (const [field, kind] of value['ok'] === true ? branches.ok : branches.failed) check(value, known, field, kind, normalize);
  }
  return value as unknown as Message;
}

/**
 * Checks that a decoded value is a {@link Message} of this protocol version: a known `type`,
 * `v === PROTOCOL_VERSION`, and every required field of the right primitive type. The value
 * must already be plain data (the codec's scan guarantees it). Returns it typed; throws
 * {@link InvalidMessageError} otherwise. A `batch` is checked message by message.
 *
 * With `normalize` (on received, freshly decoded values only) an absent data field such as
 * `status.value` is set to `null`; without it the value is never written to.
 */
export function validateMessage(value: unknown, options: { readonly normalize: boolean }): Message {
  return validateOne(value, false, options.normalize);
}
