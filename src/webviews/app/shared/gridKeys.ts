/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Arrow-key navigation over a table's cells (one tab stop for the whole table; the ARIA grid pattern):
// arrows move between cells, Home/End to the row's ends, Ctrl+Home/End to the table's corners.
export function makeGridNavigable(table: HTMLTableElement): void {
  const cells = (): HTMLTableCellElement[][] =>
    [...table.rows].filter((r) => !r.hidden && r.offsetParent !== null).map((r) => [...r.cells]);
  let current: HTMLTableCellElement | undefined;
  /** The column that up/down keep to, across rows with fewer cells (a section's heading spans the table). */
  let column = 0;
  const focus = (cell: HTMLTableCellElement | undefined): void => {
    if (!cell) return;
    if (current) current.tabIndex = -1;
    current = cell;
    cell.tabIndex = 0;
    cell.focus();
  };
  for (const row of table.rows) for (const cell of row.cells) cell.tabIndex = -1;
  const first = table.rows[0]?.cells[0];
  if (first) {
    first.tabIndex = 0;
    current = first;
  }
  table.addEventListener('focusin', (e) => {
    const cell = (e.target as HTMLElement).closest('td, th') as HTMLTableCellElement | null;
    if (cell && cell !== current) {
      if (current) current.tabIndex = -1;
      current = cell;
      cell.tabIndex = 0;
      column = cell.cellIndex;
    }
  });
  table.addEventListener('keydown', (e) => {
    const grid = cells();
    const r = grid.findIndex((row) => row.includes(current!));
    if (r < 0) return;
    const c = grid[r]!.indexOf(current!);
    const vertical = e.key === 'ArrowUp' || e.key === 'ArrowDown';
    const at = (row: number, col: number): HTMLTableCellElement | undefined => {
      const line = grid[Math.max(0, Math.min(grid.length - 1, row))];
      return line?.[Math.max(0, Math.min(line.length - 1, col))];
    };
    const moves: Record<string, () => HTMLTableCellElement | undefined> = {
      ArrowUp: () => at(r - 1, column),
      ArrowDown: () => at(r + 1, column),
      ArrowLeft: () => at(r, c - 1),
      ArrowRight: () => at(r, c + 1),
      Home: () => (e.ctrlKey ? at(0, 0) : at(r, 0)),
      End: () => (e.ctrlKey ? at(grid.length - 1, Infinity) : at(r, Infinity)),
    };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    const target = move();
    const keep = column;
    focus(target);
    column = vertical ? keep : (target?.cellIndex ?? column);
  });
}
