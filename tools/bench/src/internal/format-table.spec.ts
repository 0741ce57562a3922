import { describe, it, expect } from '@jest/globals';
import { formatRate, formatTable } from './format-table.js';

describe('formatTable', () => {
  it('pads columns, right-aligns numbers and underlines the header', () => {
    const table = formatTable([
      ['channel', 'msgs/s', 'ratio'],
      ['thread', '1,234', '0.50'],
      ['process (batched)', '98', '1.20'],
    ]);
    expect(table.split('\n')).toEqual([
      'channel            msgs/s  ratio',
      '-----------------  ------  -----',
      'thread              1,234   0.50',
      'process (batched)      98   1.20',
    ]);
  });

  it('formats rates as integers with separators', () => {
    expect(formatRate(245120.6)).toBe('245,121');
    expect(formatTable([])).toBe('');
  });
});
