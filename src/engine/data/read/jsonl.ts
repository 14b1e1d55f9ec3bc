// A streaming JSON Lines parser: one JSON object per line, blank lines skipped. Columns are the keys in
// the order they first appear; a key missing from a row is a missing value. Nested values (objects,
// arrays) are kept as their JSON text. A line that is not JSON, or not an object, is counted with its
// line number and skipped: one bad line does not hide the rest of the file.
import { IssueTally, positions, type Cell, type ColumnBatch, type ReadIssue } from './batch';
import { BATCH_ROWS } from './csv';
import { DataReadError } from './decode';

/** A line longer than this (characters) is not a JSON Lines record: stop instead of holding the file. */
const MAX_LINE_CHARS = 1 << 25;

export class JsonLinesParser {
  readonly columns: string[] = [];
  rows = 0;
  private readonly index = new Map<string, number>();
  private carry = '';
  private line = 1;
  private values: Cell[][] = [];
  private lines: number[] = [];
  private readonly notJson = new IssueTally('jsonl-not-json', (count, lines) => `${count} line${count === 1 ? ' is' : 's are'} not valid JSON (${positions(lines, count)}): skipped.`);
  private readonly notObject = new IssueTally('jsonl-not-object', (count, lines) => `${count} line${count === 1 ? ' holds' : 's hold'} JSON that is not an object (${positions(lines, count)}): skipped. Each line must be one {"column": value, …} object.`);

  constructor(
    private readonly file: string,
    private readonly emit: (batch: ColumnBatch) => void,
  ) {}

  issues(): ReadIssue[] {
    return [this.notJson.issue(), this.notObject.issue()].filter((i): i is ReadIssue => i !== undefined);
  }

  push(chunk: string, final: boolean): void {
    const text = this.carry.length > 0 ? this.carry + chunk : chunk;
    this.carry = '';
    let pos = 0;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) {
        if (final) {
          if (pos < text.length) this.parseLine(text.slice(pos));
        } else if (text.length - pos > MAX_LINE_CHARS) {
          throw new DataReadError({ code: 'jsonl-line', file: this.file, line: this.line, message: `Line ${this.line} is over ${MAX_LINE_CHARS >> 20} MB long: this is not JSON Lines (one object per line).`, fix: 'Write one JSON object per line, or give the right format.' });
        } else this.carry = text.slice(pos);
        break;
      }
      this.parseLine(text.slice(pos, nl));
      pos = nl + 1;
    }
    if (final) this.flush();
  }

  private parseLine(raw: string): void {
    const line = this.line++;
    const text = raw.trim();
    if (text === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.notJson.add(line);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.notObject.add(line);
      return;
    }
    const rowIndex = this.lines.length;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      let c = this.index.get(key);
      if (c === undefined) {
        c = this.columns.length;
        this.index.set(key, c);
        this.columns.push(key);
        this.values.push(new Array<Cell>(rowIndex).fill(null));
      }
      const column = this.values[c]!;
      while (column.length < rowIndex) column.push(null);
      column.push(v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean));
    }
    this.lines.push(line);
    this.rows++;
    for (const column of this.values) while (column.length <= rowIndex) column.push(null);
    if (this.lines.length >= BATCH_ROWS) this.flush();
  }

  private flush(): void {
    if (this.lines.length === 0) return;
    this.emit({ columns: [...this.columns], values: this.values, lines: this.lines, rows: this.lines.length });
    this.values = this.columns.map(() => []);
    this.lines = [];
  }
}
