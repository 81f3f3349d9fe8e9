/**
 * Plain-text tables for anything that prints one: the CLI's commands and the reports written outside it (the
 * detection evaluation's text report). A leaf module, so a report never has to import the CLI to lay out a table.
 */

/** Fixed-width text table; columns sized to content, null and undefined shown as `-`. */
export function table(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cells = rows.map((row) => row.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths: number[] = [];
  for (const row of cells) {
    for (const [i, c] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  return cells.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}
