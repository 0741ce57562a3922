import { describe, it, expect } from '@jest/globals';
import { inter, interOnePerServer, intraAll, intraOnePerServer, where } from './pool.js';
import type { SpokeInfo } from './spoke-info.js';

function spoke(id: string, host: string, tags: string[] = []): SpokeInfo {
  return { id, host, coreIndex: 0, tags, kind: 'thread', state: 'idle', incarnation: 1, provisioner: 'local' };
}

// Three servers, two spokes each; the hub runs on `hub`.
const idle = [spoke('a1', 'hub'), spoke('a2', 'hub', ['gpu']), spoke('b1', 'b'), spoke('b2', 'b', ['gpu']), spoke('c1', 'c'), spoke('c2', 'c')];
const context = { hubHost: 'hub', leased: [] as SpokeInfo[] };
const ids = (list: SpokeInfo[]): string[] => list.map((s) => s.id);

describe('pools select by position, not content (seed Fig. 13)', () => {
  it('intraAll: every spoke on the hub’s server', () => {
    expect(ids(intraAll().select(idle, context))).toEqual(['a1', 'a2']);
  });

  it('intraOnePerServer: one spoke on the hub’s server', () => {
    expect(ids(intraOnePerServer().select(idle, context))).toEqual(['a1']);
    expect(ids(intraOnePerServer().select(idle, { hubHost: 'hub', leased: [spoke('a1', 'hub')] }))).toEqual([]);
  });

  it('inter: spokes on any server', () => {
    expect(ids(inter().select(idle, context))).toEqual(['a1', 'a2', 'b1', 'b2', 'c1', 'c2']);
  });

  it('interOnePerServer: one spoke per server, none for a server already held', () => {
    expect(ids(interOnePerServer().select(idle, context))).toEqual(['a1', 'b1', 'c1']);
    expect(ids(interOnePerServer().select(idle, { hubHost: 'hub', leased: [spoke('b9', 'b')] }))).toEqual(['a1', 'c1']);
  });

  it('where and withTags narrow any pool', () => {
    expect(ids(where((s) => s.host !== 'hub').select(idle, context))).toEqual(['b1', 'b2', 'c1', 'c2']);
    expect(ids(inter().withTags('gpu').select(idle, context))).toEqual(['a2', 'b2']);
    expect(ids(interOnePerServer().withTags('gpu').select(idle, context))).toEqual(['a2', 'b2']);
    expect(ids(intraAll().where((s) => s.id.endsWith('2')).select(idle, context))).toEqual(['a2']);
  });

  it('name themselves for messages', () => {
    expect(interOnePerServer().withTags('gpu').name).toBe('interOnePerServer.where(gpu)');
  });
});
