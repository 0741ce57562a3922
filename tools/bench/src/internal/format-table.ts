/** Formats rows as a plain-text table: the first row is the header; numbers align right. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const numeric = (cell: string): boolean => /^[\d.,×x-]+$/u.test(cell);
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (numeric(cell) && row !== rows[0] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = rows;
  if (!head) return '';
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** A rate as an integer with thousands separators, e.g. `245,120`. */
export function formatRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US');
}
