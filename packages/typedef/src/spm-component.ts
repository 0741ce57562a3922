import { SPMTypedefError } from '@spm/exceptions';
import { t, type StructSpec } from './builder.js';
import { assertSchema } from './internal/assert-schema.js';
import { deepFreeze } from './internal/deep-freeze.js';
import { childPath } from './internal/field-path.js';
import { describeValue } from './internal/describe-value.js';
import { typeText } from './internal/type-text.js';
import { isTimeoutMs, MAX_TIMEOUT_MS } from './timeout.js';
import type { Field, RecordTypes, StructType, TaskSchema } from './schema.js';

/**
 * The standard SPM component, every field `= None` (DESIGN.md, "Typedef language"; seed
 * Figs. 11 and 16):
 * ```
 * spm :: struct {
 *   meta :: struct { label :: scalar<stringSnippet>; api :: scalar<ApiMethod>;
 *                    apiArgs :: dict<string,mixed>; timeout :: scalar<timeout>;
 *                    path :: tuple<string>; modulePreload :: tuple<string>;
 *                    module :: scalar<stringSnippet>; };           # the user's
 *   core :: struct { relaunchPre :: scalar<bool>; relaunchPost :: scalar<bool>;
 *                    nameHost :: scalar<auto>; whoAmI :: scalar<auto>; };  # the runtime's
 *   stat :: struct { exception :: scalar<auto>; returnValue :: scalar<record>; }; # the spoke's
 * };
 * ```
 * None, not deferred: a merged-in component requires nothing of a user who wrote only their
 * own fields. A typedef that writes `deferred` for one of these fields keeps it required.
 * Use it in the builder as `t.struct({ spm: SPM_COMPONENT, … })`.
 */
export const SPM_COMPONENT = t.struct({
  meta: t.struct({
    label: t.scalar('stringSnippet').none(),
    api: t.scalar('ApiMethod').none(),
    apiArgs: t.dict('string', 'mixed').none(),
    timeout: t.scalar('timeout').none(),
    path: t.tuple('string').none(),
    modulePreload: t.tuple('string').none(),
    module: t.scalar('stringSnippet').none(),
  }),
  core: t.struct({
    relaunchPre: t.scalar('bool').none(),
    relaunchPost: t.scalar('bool').none(),
    nameHost: t.scalar('auto').none(),
    whoAmI: t.scalar('auto').none(),
  }),
  stat: t.struct({
    exception: t.scalar('auto').none(),
    returnValue: t.scalar('record').none(),
  }),
});

type SpmViews = typeof SPM_COMPONENT extends StructSpec<infer V> ? V : never;

/** The record types of a schema once the SPM component is merged in. */
export interface WithSpmRecordTypes<T extends RecordTypes> extends RecordTypes {
  readonly record: T['record'] & { spm: SpmViews['record'] };
  readonly input: T['input'] & { spm?: SpmViews['input'] };
  readonly draft: T['draft'] & { spm?: SpmViews['draft'] };
}

/**
 * The standard leaves the runtime reads with a meaning, and the types a typedef may give them:
 * another type would be accepted here and then refuse every task (`timeout :: scalar<string>`),
 * or be silently ignored (`relaunchPre :: scalar<string> = "true"` never relaunches).
 */
const RUNTIME_LEAVES: Readonly<Record<string, readonly string[]>> = {
  'spm.meta.timeout': ['scalar<timeout>', 'scalar<int>', 'scalar<auto>', 'scalar<mixed>'],
  // Only booleans: the runtime relaunches on `true` alone, so `auto` let `"true"` be ignored.
  'spm.core.relaunchPre': ['scalar<bool>'],
  'spm.core.relaunchPost': ['scalar<bool>'],
};

/**
 * Refuses a declaration of a standard leaf the runtime reads with a type it cannot read (see
 * {@link RUNTIME_LEAVES}), and a literal default it would refuse in every task
 * (`timeout :: scalar<int> = -1`, `scalar<auto> = "10s"`).
 */
function checkRuntimeLeaf(at: string, field: Field): void {
  const allowed = RUNTIME_LEAVES[at];
  if (allowed === undefined) return;
  const found = typeText(field.type);
  if (!allowed.includes(found)) {
    const expected = allowed.length === 1 ? (allowed[0] as string) : `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1) as string}`;
    throw new SPMTypedefError(`Expected \`${at}\` to be ${expected} (the runtime reads it: it is the SPM component's), got ${found}`, { path: at, expected, found });
  }
  const literal = field.default?.kind === 'value' ? field.default.value : undefined;
  if (at === 'spm.meta.timeout' && literal !== undefined && !isTimeoutMs(literal)) {
    const expected = `milliseconds from 0 to ${MAX_TIMEOUT_MS}`;
    throw new SPMTypedefError(`Expected the default of \`${at}\` to be ${expected} (the runtime would refuse every task), got ${describeValue(literal)}`, {
      path: at,
      expected,
      found: describeValue(literal),
    });
  }
}

/**
 * `user`'s fields, then those of `standard` that `user` lacks; where both have a struct
 * field, the two merge. The user's declaration of a leaf field wins (Fig. 16 declares
 * `returnValue :: scalar<auto>`, and `deferred` where it wants a field required).
 */
function mergeStruct(user: StructType, standard: StructType, path: string): StructType {
  const fields: Field[] = user.fields.map((field) => {
    const theirs = standard.fields.find((candidate) => candidate.name === field.name);
    if (theirs === undefined) return field;
    const at = childPath(path, field.name);
    if (theirs.type.kind !== 'struct') {
      checkRuntimeLeaf(at, field);
      return field;
    }
    if (field.type.kind !== 'struct') {
      throw new SPMTypedefError(`Expected \`${at}\` to be a struct (the SPM component's), got ${typeText(field.type)}`, {
        path: at,
        expected: 'struct',
        found: typeText(field.type),
      });
    }
    return { name: field.name, type: mergeStruct(field.type, theirs.type, at) };
  });
  for (const field of standard.fields) {
    if (!user.fields.some((candidate) => candidate.name === field.name)) fields.push(field);
  }
  return { kind: 'struct', fields };
}

/**
 * `schema` with the standard SPM component: added first when `schema` has no `spm` field,
 * or merged into a partial one (Fig. 16 has no `api`, `apiArgs`, `nameHost`, `whoAmI`):
 * missing fields are appended, `= None`. Fields the schema declares keep their type and
 * default. Task managers use it so that every record has `spm.meta.timeout`, `spm.core.*`
 * and `spm.stat.*`. Idempotent.
 *
 * @throws SPMTypedefError when `spm`, `spm.meta`, `spm.core` or `spm.stat` is declared
 * as something other than a struct, or a leaf the runtime reads (`spm.meta.timeout`,
 * `spm.core.relaunchPre`, `spm.core.relaunchPost`) as a type it cannot read.
 */
export function withSpmComponent<T extends RecordTypes>(schema: TaskSchema<T>): TaskSchema<WithSpmRecordTypes<T>> {
  assertSchema(schema, 'withSpmComponent()');
  const standard: StructType = { kind: 'struct', fields: [{ name: 'spm', type: SPM_COMPONENT.node }] };
  const hasSpm = schema.root.fields.some((field) => field.name === 'spm');
  const root = hasSpm
    ? mergeStruct(schema.root, standard, '')
    : { kind: 'struct' as const, fields: [...standard.fields, ...schema.root.fields] };
  const merged: TaskSchema<never> = { kind: 'task', container: schema.container, root };
  return deepFreeze(merged);
}

