import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { pack, unpack } from 'msgpackr';
import {
  after,
  createRecord,
  parse,
  print,
  tie,
  toMs,
  validateRecord,
  withSpmComponent,
  type PlainData,
  type TaskSchema,
  type TiedObject,
  type Timeout,
} from '@spm/typedef';

// The typedefs of the seed, copied byte for byte from its text (Figs. 11 and 16).
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** [path, kind text, default] for every leaf field, depth first: the structure to compare. */
function leaves(schema: TaskSchema): [string, string, string][] {
  const out: [string, string, string][] = [];
  const walk = (fields: TaskSchema['root']['fields'], prefix: string): void => {
    for (const field of fields) {
      const path = prefix === '' ? field.name : `${prefix}.${field.name}`;
      if (field.type.kind === 'struct') {
        walk(field.type.fields, path);
        continue;
      }
      const type = field.type;
      const kind =
        type.kind === 'scalar'
          ? `scalar<${type.scalar}>`
          : type.kind === 'dict'
            ? `dict<${type.key.scalar},${type.value.kind === 'scalar' ? type.value.scalar : type.value.kind}>`
            : `${type.kind}<${type.element.kind === 'scalar' ? type.element.scalar : type.element.kind}>`;
      out.push([path, kind, field.default === undefined ? 'absent' : field.default.kind]);
    }
  };
  walk(schema.root.fields, '');
  return out;
}

/** Fig. 11's record, written by hand: text has no static types, so parse takes them as an argument. */
interface Fig11Record {
  spm: {
    meta: { label: string; api: string; apiArgs: { [key: string]: PlainData }; timeout: Timeout };
    core: { relaunchPre: boolean | null; relaunchPost: boolean | null; nameHost: PlainData; whoAmI: PlainData };
    stat: { exception: PlainData; returnValue: PlainData };
  };
}

describe('Fig. 11: the typedef of the shell-launch list', () => {
  const schema = parse<Fig11Record>(fixture('fig11.typedef'));

  it('parses verbatim into the seed’s structure', () => {
    expect(schema.container).toBe('list');
    expect(schema.root.fields.map((field) => field.name)).toEqual(['spm']);
    expect(leaves(schema)).toEqual([
      ['spm.meta.label', 'scalar<stringSnippet>', 'deferred'],
      ['spm.meta.api', 'scalar<ApiMethod>', 'deferred'],
      ['spm.meta.apiArgs', 'dict<string,mixed>', 'deferred'],
      ['spm.meta.timeout', 'scalar<timeout>', 'deferred'],
      ['spm.core.relaunchPre', 'scalar<bool>', 'none'],
      ['spm.core.relaunchPost', 'scalar<bool>', 'none'],
      ['spm.core.nameHost', 'scalar<auto>', 'none'],
      ['spm.core.whoAmI', 'scalar<auto>', 'none'],
      ['spm.stat.exception', 'scalar<auto>', 'none'],
      ['spm.stat.returnValue', 'scalar<record>', 'none'],
    ]);
  });

  it('round-trips through print', () => {
    expect(parse(print(schema))).toStrictEqual(schema);
  });

  it('follows the figure’s hub code: tie, set meta, push; then the status callback reads returnValue.Has', () => {
    // main(), lines 9–16, for two entries of taskApiArgs.
    const taskApiArgs = [{ cmd: 'hostname' }, { cmd: 'uname -n' }];
    const pushed: unknown[] = [];
    let record = createRecord(schema);
    const hdl = tie(schema, record, {
      methods: {
        Push: () => {
          validateRecord(schema, record);
          pushed.push(unpack(pack(record)));
          record = createRecord(schema);
        },
      },
    });
    for (const entry of taskApiArgs) {
      // A handle is bound to one record: the figure reuses `hdl`, so re-tie after each push.
      const h = pushed.length === 0 ? hdl : tie(schema, record, { methods: { Push: hdl.Push } });
      h.spm.meta.label = '***';
      h.spm.meta.api = 'coprocess.shell.policyA';
      h.spm.meta.apiArgs = entry;
      h.spm.meta.timeout = after({ seconds: 10 });
      h.Push();
    }
    expect(pushed).toHaveLength(2);

    // On a spoke (the task's evaluation, "Task Evaluation" pseudo-code): returnValue is set.
    const task = pushed[1] as Record<string, unknown>;
    const onSpoke = tie(schema, task as Partial<Fig11Record>);
    expect(toMs(onSpoke.spm.meta.timeout)).toBe(10_000);
    onSpoke.spm.stat.returnValue = { stdOut: 'lusaka\n' };
    validateRecord(schema, task);

    // __taskStat on the hub, lines 5–12.
    const report = tie(schema, unpack(pack(task)) as Fig11Record);
    const returnValue = report.spm.stat.returnValue as TiedObject;
    expect(returnValue.Has({ attr: 'stdOut' })).toBe(true);
    expect(returnValue.Has({ attr: 'stdErr' })).toBe(false);
    expect(returnValue.Has({ attr: 'stdOutErr' })).toBe(false);
    expect(returnValue['stdOut']).toBe('lusaka\n');
  });
});

describe('Fig. 16: the typedef of the prime-count hub', () => {
  const schema = parse(fixture('fig16.typedef'));

  it('parses verbatim into the seed’s structure', () => {
    expect(schema.container).toBe('list');
    expect(schema.root.fields.map((field) => field.name)).toEqual(['spm', 'nMin', 'nMax']);
    expect(leaves(schema)).toEqual([
      ['spm.meta.label', 'scalar<stringSnippet>', 'deferred'],
      ['spm.meta.path', 'tuple<string>', 'deferred'],
      ['spm.meta.modulePreload', 'tuple<string>', 'deferred'],
      ['spm.meta.module', 'scalar<stringSnippet>', 'deferred'],
      ['spm.meta.timeout', 'scalar<timeout>', 'deferred'],
      ['spm.core.relaunchPre', 'scalar<bool>', 'none'],
      ['spm.core.relaunchPost', 'scalar<bool>', 'none'],
      ['spm.stat.exception', 'scalar<auto>', 'none'],
      ['spm.stat.returnValue', 'scalar<auto>', 'none'],
      ['nMin', 'scalar<auto>', 'deferred'],
      ['nMax', 'scalar<auto>', 'deferred'],
    ]);
  });

  it('round-trips through print', () => {
    expect(parse(print(schema))).toStrictEqual(schema);
  });

  it('follows the figure: ten buckets pushed, evaluated on a spoke (Fig. 15), summed in __taskStat', () => {
    // The manager merges in the rest of the SPM component (api, apiArgs, nameHost, whoAmI).
    const merged = withSpmComponent(schema);
    const nBuckets = 10;
    const tasks: unknown[] = [];
    let nMin = 2;
    for (let ct = 0; ct < nBuckets; ct += 1) {
      const record = createRecord(merged);
      const hdl = tie(merged, record);
      hdl.spm.meta.label = '***';
      hdl.spm.meta.path = ['/srv/primes'];
      hdl.spm.meta.modulePreload = ['is_prime'];
      hdl.spm.meta.module = 'is_prime';
      hdl.spm.meta.timeout = after({ seconds: 10 });
      hdl['nMin'] = nMin;
      nMin += Math.floor(502347 / nBuckets);
      hdl['nMax'] = ct === nBuckets - 1 ? 502347 : nMin;
      validateRecord(merged, record);
      tasks.push(pack(record));
    }
    let total = 0;
    for (const frame of tasks) {
      // Fig. 15 on the spoke: read nMin/nMax, set returnValue.
      const task = unpack(frame as Buffer) as Record<string, unknown>;
      const hdl = tie(merged, task);
      const [low, high] = [hdl['nMin'] as number, hdl['nMax'] as number];
      hdl.spm.stat.returnValue = high - low;
      validateRecord(merged, task);
      // __taskStat on the hub.
      total += tie(merged, unpack(pack(task)) as Record<string, unknown>).spm.stat.returnValue as number;
    }
    expect(total).toBe(502347 - 2);
  });
});
