// A streaming CSV/TSV parser (RFC 4180 and the usual deviations): fields quoted with "" escapes and
// newlines inside quotes, CRLF, LF or CR line ends, blank lines skipped. Text arrives in chunks; a row
// cut by a chunk's end is carried to the next one, so memory holds one chunk and one batch. A row with
// the wrong number of fields is kept (padded with missing values, or its extra fields dropped) and
// counted with its line, never shifted silently; a quote never closed is an error naming its line.
import { isMissingText, IssueTally, positions, type Cell, type ColumnBatch, type ReadIssue, type TallyPart } from './batch';
import { DataReadError } from './decode';
import { CELL_FLOAT, CELL_INTEGER, CELL_MISSING, CELL_TEXT, decimal, decimalAt, typedColumn, type TypedBatch, type TypedColumn } from './typedBatch';

const QUOTE = 34;
const LF = 10;
const CR = 13;
export const BATCH_ROWS = 16_384;
/** A row longer than this (characters) means a quote is left open: stop instead of holding the whole file. */
const MAX_ROW_CHARS = 1 << 25;

/** The separator of a header line: the most frequent of , tab ; | outside quotes (`,` when none). */
function guessDelimiter(firstLine: string): string {
  const counts = new Map<string, number>([[',', 0], ['\t', 0], [';', 0], ['|', 0]]);
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [ch, n] of counts) if (n > counts.get(best)!) best = ch;
  return best;
}

function nextIndex(text: string, ch: string, from: number): number {
  const at = text.indexOf(ch, from);
  return at < 0 ? text.length : at;
}

export class CsvParser {
  columns: string[] | undefined;
  rows = 0;
  delimiter: string | undefined;
  private sep = 44;
  private carry = '';
  /** Where the next " and CR are in the current text, from the last look (n when none). */
  private nextQuote = -1;
  private nextCr = -1;
  /** Line where the next row starts. */
  private line = 1;
  private readonly fields: string[] = [];
  /** Where each field of the current row is in the text (start -1: the field is fields[c], a quoted one). */
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  /** Typed mode (the profile): cells as codes, numbers and places in the text, no string per cell. */
  private readonly typed: ((batch: TypedBatch) => void) | undefined;
  private typedCols: TypedColumn[] = [];
  private typedLines = new Float64Array(0);
  private text = '';
  private values: Cell[][] = [];
  private lines: number[] = [];
  private batchRows = 0;
  private readonly headerIssues: ReadIssue[] = [];
  private readonly ragged: IssueTally;
  private readonly afterQuote: IssueTally;

  constructor(
    private readonly file: string,
    delimiter: string | undefined,
    private readonly emit: (batch: ColumnBatch) => void,
    typed?: (batch: TypedBatch) => void,
  ) {
    this.typed = typed;
    if (delimiter !== undefined) this.setDelimiter(delimiter);
    this.ragged = new IssueTally('ragged-row', (count, lines) => `${count} row${count === 1 ? ' does' : 's do'} not have ${this.columns?.length ?? 0} fields like the header (${positions(lines, count)}): short rows are padded with missing values, extra fields are dropped.`);
    this.afterQuote = new IssueTally('quote', (count, lines) => `${count} field${count === 1 ? ' has' : 's have'} text after the closing quote (${positions(lines, count)}): it is kept after the quoted text. Quotes inside a quoted field are written "".`);
  }

  private setDelimiter(d: string): void {
    this.delimiter = d;
    this.sep = d.charCodeAt(0);
  }

  issues(): ReadIssue[] {
    return [...this.headerIssues, ...[this.ragged.issue(), this.afterQuote.issue()].filter((i): i is ReadIssue => i !== undefined)];
  }

  /** The header's problems (renamed columns). */
  headerNameIssues(): ReadIssue[] {
    return this.headerIssues;
  }

  /** For a part of a file that starts after the header (parallel profiles): the columns, as the header gave them. */
  startAfterHeader(columns: string[]): void {
    this.columns = columns;
    this.allocate();
  }

  private allocate(): void {
    const columns = this.columns!;
    if (this.typed) {
      this.typedCols = columns.map(() => typedColumn(BATCH_ROWS));
      this.typedLines = new Float64Array(BATCH_ROWS);
      return;
    }
    this.values = columns.map(() => new Array<Cell>(BATCH_ROWS));
    this.lines = new Array<number>(BATCH_ROWS);
  }

  /** Whether text is held for a row not ended yet (after a non-final push: the part ends inside a quoted field). */
  get pending(): boolean {
    return this.carry.length > 0;
  }

  /** Lines read so far (rows, blank lines and newlines inside quoted fields). */
  get linesRead(): number {
    return this.line - 1;
  }

  /** The row problems of this part, by line, for absorbTallies. */
  tallies(): { ragged: TallyPart; quote: TallyPart } {
    return { ragged: { count: this.ragged.count, lines: this.ragged.lines }, quote: { count: this.afterQuote.count, lines: this.afterQuote.lines } };
  }

  /** Counts the row problems of a later part of the file, whose lines start after `offset` lines. */
  absorbTallies(part: { ragged: TallyPart; quote: TallyPart }, offset: number): void {
    this.ragged.absorb(part.ragged, offset);
    this.afterQuote.absorb(part.quote, offset);
  }

  /** Parses the complete rows of `chunk` (after what was carried); `final` on the last call. */
  push(chunk: string, final: boolean): void {
    const text = this.carry.length > 0 ? this.carry + chunk : chunk;
    this.carry = '';
    if (this.delimiter === undefined) {
      const nl = text.indexOf('\n');
      if (nl < 0 && !final && text.length < MAX_ROW_CHARS) {
        this.carry = text;
        return;
      }
      this.setDelimiter(guessDelimiter(nl < 0 ? text : text.slice(0, nl)));
    }
    const n = text.length;
    let pos = 0;
    this.text = text;
    this.nextQuote = -1;
    this.nextCr = -1;
    while (pos < n) {
      const next = this.row(text, pos, final);
      if (next < 0) {
        if (n - pos > MAX_ROW_CHARS) {
          throw new DataReadError({ code: 'csv-quote', file: this.file, line: this.line, message: `The row that starts at line ${this.line} is over ${MAX_ROW_CHARS >> 20} MB long: a quote is probably never closed.`, fix: 'Close the quote, or write quotes inside a quoted field as "".' });
        }
        this.carry = text.slice(pos);
        break;
      }
      pos = next;
    }
    // Typed cells point into this text: their batch goes before the next chunk replaces it.
    if (final || this.typed) this.flush();
  }

  /** Reads one row from `pos`; returns where the next starts, or -1 when the row continues past the chunk. */
  private row(text: string, pos: number, final: boolean): number {
    const n = text.length;
    // Fast path: a row with no quote and no lone CR is split with indexOf (native, vectorised).
    if (this.nextQuote < pos) this.nextQuote = nextIndex(text, '"', pos);
    if (this.nextCr < pos) this.nextCr = nextIndex(text, '\r', pos);
    let nl = text.indexOf('\n', pos);
    if (nl < 0) {
      if (!final) return -1;
      nl = n;
    }
    let end = nl;
    if (this.nextCr === end - 1) end--;
    if (this.nextQuote >= nl && (this.nextCr >= end || this.nextCr === nl - 1)) {
      const line = this.line++;
      if (end === pos) return nl + 1; // a blank line
      const sep = this.delimiter!;
      let starts = this.starts;
      let ends = this.ends;
      let c = 0;
      let p = pos;
      for (;;) {
        if (c >= starts.length) {
          this.growFields();
          starts = this.starts;
          ends = this.ends;
        }
        const s = text.indexOf(sep, p);
        if (s < 0 || s >= end) {
          starts[c] = p;
          ends[c++] = end;
          break;
        }
        starts[c] = p;
        ends[c++] = s;
        p = s + 1;
      }
      this.commit(c, line);
      return nl + 1;
    }
    return this.slowRow(text, pos, final);
  }

  /** A row with quotes (or CR line ends), character by character. */
  private slowRow(text: string, pos: number, final: boolean): number {
    const n = text.length;
    const sep = this.sep;
    const fields = this.fields;
    let c = 0;
    let newlines = 0;
    let quoted = false;
    for (;;) {
      if (pos >= n) {
        if (!final) return -1;
        if (c >= this.starts.length) this.growFields();
        this.starts[c] = -1;
        fields[c++] = ''; // "a,b," at the very end: a last empty field
        break;
      }
      let ch = text.charCodeAt(pos);
      let field: string;
      if (ch === QUOTE) {
        quoted = true;
        let j = pos + 1;
        field = '';
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0 || (q + 1 >= n && !final)) {
            if (!final) return -1;
            throw new DataReadError({ code: 'csv-quote', file: this.file, line: this.line + newlines, message: `A quoted field that starts at line ${this.line + newlines} is never closed (missing ").`, fix: 'Close the quote, or write quotes inside a quoted field as "".' });
          }
          for (let k = text.indexOf('\n', j); k !== -1 && k < q; k = text.indexOf('\n', k + 1)) newlines++;
          field += text.slice(j, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            field += '"';
            j = q + 2;
            continue;
          }
          pos = q + 1;
          break;
        }
        ch = pos < n ? text.charCodeAt(pos) : -1;
        if (ch !== sep && ch !== LF && ch !== CR && ch !== -1) {
          let j = pos;
          while (j < n && (ch = text.charCodeAt(j)) !== sep && ch !== LF && ch !== CR) j++;
          if (j >= n && !final) return -1;
          this.afterQuote.add(this.line + newlines);
          field += text.slice(pos, j);
          pos = j;
          ch = j < n ? ch : -1;
        }
      } else {
        let j = pos;
        while (j < n) {
          ch = text.charCodeAt(j);
          if (ch === sep || ch === LF || ch === CR) break;
          j++;
        }
        if (j >= n) {
          if (!final) return -1;
          ch = -1;
        }
        field = text.slice(pos, j);
        pos = j;
      }
      if (c >= this.starts.length) this.growFields();
      this.starts[c] = -1;
      fields[c++] = field;
      if (ch === sep) {
        pos++;
        continue;
      }
      if (ch === CR) {
        if (pos + 1 >= n && !final) return -1; // a CRLF cut between chunks
        pos++;
        if (text.charCodeAt(pos) === LF) pos++;
      } else if (ch === LF) pos++;
      break;
    }
    const line = this.line;
    this.line += newlines + 1;
    if (c === 1 && !quoted && fields[0] === '') return pos; // a blank line
    this.commit(c, line);
    return pos;
  }

  private growFields(): void {
    const starts = new Int32Array(this.starts.length * 2);
    const ends = new Int32Array(this.ends.length * 2);
    starts.set(this.starts);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
  }

  /** Field c of the current row as text. */
  private field(c: number): string {
    const start = this.starts[c]!;
    return start < 0 ? this.fields[c]! : this.text.slice(start, this.ends[c]);
  }

  private commit(count: number, line: number): void {
    if (!this.columns) {
      this.header(Array.from({ length: count }, (_, c) => this.field(c)), line);
      return;
    }
    const ncols = this.columns.length;
    if (count !== ncols) this.ragged.add(line);
    const r = this.batchRows++;
    if (this.typed) this.commitTyped(count, ncols, r);
    else {
      const values = this.values;
      for (let c = 0; c < ncols; c++) {
        const f = c < count ? this.field(c) : '';
        values[c]![r] = f.length === 0 || (f.length <= 4 && isMissingText(f)) ? null : f;
      }
      this.lines[r] = line;
    }
    if (this.typed) this.typedLines[r] = line;
    this.rows++;
    if (r + 1 >= BATCH_ROWS) this.flush();
  }

  /** One row into the typed columns: missing, a number parsed from the text, or text left in place. */
  private commitTyped(count: number, ncols: number, r: number): void {
    const text = this.text;
    const starts = this.starts;
    const ends = this.ends;
    const cols = this.typedCols;
    for (let c = 0; c < ncols; c++) {
      const col = cols[c]!;
      if (c >= count) {
        col.code[r] = CELL_MISSING;
        continue;
      }
      const s = starts[c]!;
      if (s < 0) {
        const f = this.fields[c]!;
        if (f.length === 0 || (f.length <= 4 && isMissingText(f))) col.code[r] = CELL_MISSING;
        else {
          col.code[r] = CELL_TEXT;
          col.start[r] = -1;
          col.str[r] = f;
        }
        continue;
      }
      const e = ends[c]!;
      const len = e - s;
      if (len === 0) {
        col.code[r] = CELL_MISSING;
        continue;
      }
      const c0 = text.charCodeAt(s);
      if ((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 46 || c0 === 43) {
        const x = decimalAt(text, s, e);
        if (x === x) {
          col.code[r] = decimal.float ? CELL_FLOAT : CELL_INTEGER;
          col.num[r] = x;
          col.start[r] = s;
          col.end[r] = e;
          continue;
        }
      } else if (len <= 4 && (c0 === 78 || c0 === 110 || c0 === 35 || c0 === 60) && isMissingText(text.slice(s, e))) {
        col.code[r] = CELL_MISSING;
        continue;
      }
      col.code[r] = CELL_TEXT;
      col.start[r] = s;
      col.end[r] = e;
    }
  }

  private header(names: string[], line: number): void {
    const seen = new Set<string>();
    const renamed: string[] = [];
    this.columns = names.map((raw, i) => {
      let name = raw.trim();
      if (name === '') name = `column_${i + 1}`;
      if (seen.has(name)) {
        let k = 2;
        while (seen.has(`${name}_${k}`)) k++;
        name = `${name}_${k}`;
      }
      if (name !== raw.trim()) renamed.push(`${raw.trim() === '' ? `column ${i + 1} (no name)` : `"${raw.trim()}"`} → ${name}`);
      seen.add(name);
      return name;
    });
    if (renamed.length > 0) this.headerIssues.push({ code: 'header-name', message: `The header at line ${line} has empty or repeated names, renamed: ${renamed.join(', ')}.`, count: renamed.length, lines: [line] });
    this.allocate();
  }

  private flush(): void {
    const rows = this.batchRows;
    if (!this.columns || rows === 0) return;
    if (this.typed) {
      this.typed({ columns: this.columns, rows, lines: this.typedLines, text: this.text, cols: this.typedCols });
      this.batchRows = 0;
      return;
    }
    if (rows < BATCH_ROWS) {
      for (const column of this.values) column.length = rows;
      this.lines.length = rows;
    }
    this.emit({ columns: this.columns, values: this.values, lines: this.lines, rows });
    this.values = this.columns.map(() => new Array<Cell>(BATCH_ROWS));
    this.lines = new Array<number>(BATCH_ROWS);
    this.batchRows = 0;
  }
}
