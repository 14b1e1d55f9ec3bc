// The CSV/TSV reader for profiles and validation, on the one byte tokenizer (./csvTokenizer.ts): UTF-8
// bytes arrive in chunks (./decode.ts byteChunks), rows come back as places in the chunk, and this makes
// them batches, column by column. A row with the wrong number of fields is kept (padded with missing
// values, or its extra fields dropped) and counted with its line, never shifted silently; a quote never
// closed is an error naming its line. Two kinds of batch: cells as strings (ColumnBatch, validation), or
// typed (./typedBatch.ts, the profile: numbers parsed from the bytes, text left in the chunk).
import { isMissingText, IssueTally, positions, type Cell, type ColumnBatch, type ReadIssue, type TallyPart } from './batch';
import { CsvTokenizer, MAX_ROW_BYTES, type CsvRowSink } from './csvTokenizer';
import { DataReadError } from './decode';
import { CELL_MISSING, CELL_TEXT, decimalBytes, typedColumn, type TypedBatch, type TypedColumn } from './typedBatch';

const QUOTE = 34;
export const BATCH_ROWS = 16_384;
const GUESSED = [44, 9, 59, 124]; // , tab ; |

/** The separator of a header line: the most frequent of , tab ; | outside quotes (`,` when none). */
function guessDelimiter(header: Buffer): number {
  const counts = [0, 0, 0, 0];
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const b = header[i]!;
    if (b === QUOTE) quoted = !quoted;
    else if (!quoted) {
      const k = GUESSED.indexOf(b);
      if (k >= 0) counts[k]!++;
    }
  }
  let best = 0;
  for (let k = 1; k < 4; k++) if (counts[k]! > counts[best]!) best = k;
  return GUESSED[best]!;
}

export class CsvParser implements CsvRowSink {
  columns: string[] | undefined;
  rows = 0;
  private readonly tokenizer: CsvTokenizer;
  /** Typed mode (the profile): cells as codes, numbers and places in the chunk, no string per cell. */
  private readonly typed: ((batch: TypedBatch) => void) | undefined;
  private typedCols: TypedColumn[] = [];
  private typedLines = new Float64Array(0);
  private buf: Buffer = Buffer.alloc(0);
  private values: Cell[][] = [];
  private lines: number[] = [];
  private batchRows = 0;
  private readonly headerIssues: ReadIssue[] = [];
  private readonly ragged: IssueTally;
  private readonly afterQuotes: IssueTally;

  constructor(
    private readonly file: string,
    delimiter: string | undefined,
    private readonly emit: (batch: ColumnBatch) => void,
    typed?: (batch: TypedBatch) => void,
  ) {
    this.typed = typed;
    this.tokenizer = new CsvTokenizer(this, delimiter === undefined ? undefined : delimiter.charCodeAt(0), guessDelimiter);
    this.ragged = new IssueTally('ragged-row', (count, lines) => `${count} row${count === 1 ? ' does' : 's do'} not have ${this.columns?.length ?? 0} fields like the header (${positions(lines, count)}): short rows are padded with missing values, extra fields are dropped.`);
    this.afterQuotes = new IssueTally('quote', (count, lines) => `${count} field${count === 1 ? ' has' : 's have'} text after the closing quote (${positions(lines, count)}): it is kept after the quoted text. Quotes inside a quoted field are written "".`);
  }

  /** The field separator (known once the header line is read). */
  get delimiter(): string | undefined {
    return this.tokenizer.sep < 0 ? undefined : String.fromCharCode(this.tokenizer.sep);
  }

  issues(): ReadIssue[] {
    return [...this.headerIssues, ...[this.ragged.issue(), this.afterQuotes.issue()].filter((i): i is ReadIssue => i !== undefined)];
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

  /** Whether bytes are held for a row not ended yet (after a non-final push: the part ends inside a quoted field). */
  get pending(): boolean {
    return this.tokenizer.pending;
  }

  /** Lines read so far (rows, blank lines and newlines inside quoted fields). */
  get linesRead(): number {
    return this.tokenizer.line - 1;
  }

  /** The row problems of this part, by line, for absorbTallies. */
  tallies(): { ragged: TallyPart; quote: TallyPart } {
    return { ragged: { count: this.ragged.count, lines: this.ragged.lines }, quote: { count: this.afterQuotes.count, lines: this.afterQuotes.lines } };
  }

  /** Counts the row problems of a later part of the file, whose lines start after `offset` lines. */
  absorbTallies(part: { ragged: TallyPart; quote: TallyPart }, offset: number): void {
    this.ragged.absorb(part.ragged, offset);
    this.afterQuotes.absorb(part.quote, offset);
  }

  /** Reads the complete rows of `chunk` (UTF-8, after what was carried); `final` on the last call. */
  push(chunk: Buffer, final: boolean): void {
    const stop = this.tokenizer.push(chunk, final);
    if (stop?.kind === 'open-quote') {
      throw new DataReadError({ code: 'csv-quote', file: this.file, line: stop.line, message: `A quoted field that starts at line ${stop.line} is never closed (missing ").`, fix: 'Close the quote, or write quotes inside a quoted field as "".' });
    }
    if (stop?.kind === 'too-long') {
      throw new DataReadError({ code: 'csv-quote', file: this.file, line: stop.line, message: `The row that starts at line ${stop.line} is over ${MAX_ROW_BYTES >> 20} MB long: a quote is probably never closed.`, fix: 'Close the quote, or write quotes inside a quoted field as "".' });
    }
    // Typed cells point into this chunk: their batch goes before the next chunk comes.
    if (final || this.typed) this.flush();
  }

  afterQuote(_buf: Buffer, _at: number, line: number): void {
    this.afterQuotes.add(line);
  }

  row(buf: Buffer, count: number, starts: Int32Array, ends: Int32Array, line: number): void {
    if (!this.columns) {
      this.header(Array.from({ length: count }, (_, c) => buf.toString('utf8', starts[c], ends[c])), line);
      return;
    }
    if (buf !== this.buf) {
      if (this.typed && this.batchRows > 0) this.flush();
      this.buf = buf;
    }
    const ncols = this.columns.length;
    if (count !== ncols) this.ragged.add(line);
    const r = this.batchRows++;
    if (this.typed) {
      this.commitTyped(buf, count, starts, ends, ncols, r);
      this.typedLines[r] = line;
    } else {
      const values = this.values;
      for (let c = 0; c < ncols; c++) {
        const f = c < count ? buf.toString('utf8', starts[c], ends[c]) : '';
        values[c]![r] = f.length === 0 || (f.length <= 4 && isMissingText(f)) ? null : f;
      }
      this.lines[r] = line;
    }
    this.rows++;
    if (r + 1 >= BATCH_ROWS) this.flush();
  }

  /** One row into the typed columns: missing, a number parsed from the bytes, or text left in place. */
  private commitTyped(buf: Buffer, count: number, starts: Int32Array, ends: Int32Array, ncols: number, r: number): void {
    const cols = this.typedCols;
    for (let c = 0; c < ncols; c++) {
      const col = cols[c]!;
      if (c >= count) {
        col.code[r] = CELL_MISSING;
        continue;
      }
      const s = starts[c]!;
      const e = ends[c]!;
      const len = e - s;
      if (len === 0) {
        col.code[r] = CELL_MISSING;
        continue;
      }
      const c0 = buf[s]!;
      if ((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 46 || c0 === 43) {
        const kind = decimalBytes(buf, s, e, col.num, r);
        if (kind >= 0) {
          col.code[r] = kind;
          col.start[r] = s;
          col.end[r] = e;
          continue;
        }
      } else if (len <= 4 && (c0 === 78 || c0 === 110 || c0 === 35 || c0 === 60) && isMissingText(buf.toString('latin1', s, e))) {
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
      this.typed({ columns: this.columns, rows, lines: this.typedLines, buf: this.buf, cols: this.typedCols });
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
