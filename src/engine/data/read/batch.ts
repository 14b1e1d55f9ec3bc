// What the dataset readers hand their consumers (profiles, validation, drift): column-oriented batches
// of cells, each row with its position in the file, and a summary of the file with the problems found
// in it (ragged rows, odd header names, unreadable lines), each with a count and the first positions.
import { z } from 'zod';

const DATA_FORMATS = ['csv', 'tsv', 'jsonl', 'parquet'] as const;
export const DataFormatSchema = z.enum(DATA_FORMATS);
export type DataFormat = z.infer<typeof DataFormatSchema>;

export const ENCODINGS = ['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be', 'latin1', 'binary'] as const;
export const EncodingSchema = z.enum(ENCODINGS).describe('Text encoding as read: `binary` for Parquet.');
export type Encoding = z.infer<typeof EncodingSchema>;

/** One value: CSV cells are text; JSON Lines and Parquet keep numbers and booleans. null: missing. */
export type Cell = string | number | boolean | null;

export interface ColumnBatch {
  /** Column names in file order; for JSON Lines the list grows as new keys appear (earlier batches are shorter). */
  columns: string[];
  /** values[c][r]: one array per column, null where the value is missing. */
  values: Cell[][];
  /** Position of each row: its 1-based line in the file (CSV, TSV, JSON Lines) or its 1-based row number (Parquet). */
  lines: number[];
  rows: number;
}

export const ReadIssueSchema = z.object({
  code: z.string().describe('Stable code: ragged-row, header-name, empty-file, no-rows, jsonl-not-json, jsonl-not-object, unsupported-value.'),
  message: z.string(),
  count: z.number().int().describe('How many rows (or names) it concerns.'),
  lines: z.array(z.number().int()).describe('The first positions (lines, or rows for Parquet), at most 10.'),
});
export type ReadIssue = z.infer<typeof ReadIssueSchema>;

export const ReadSummarySchema = z.object({
  file: z.string(),
  format: DataFormatSchema,
  encoding: EncodingSchema,
  delimiter: z.string().nullable().describe('The field separator (CSV and TSV), else null.'),
  position: z.enum(['line', 'row']).describe('What `lines` numbers mean: lines of the file, or rows (Parquet).'),
  bytes: z.number().int(),
  rows: z.number().int().describe('Data rows (the header is not one).'),
  columns: z.array(z.string()),
  issues: z.array(ReadIssueSchema),
});
export type ReadSummary = z.infer<typeof ReadSummarySchema>;

/** The texts that stand for a missing value in CSV (pandas' defaults, the common ones). */
const MISSING = new Set(['', 'NA', 'N/A', 'n/a', 'NaN', 'nan', 'null', 'NULL', 'None', '#N/A', '<NA>']);

/** Whether a CSV cell's text stands for a missing value (all such texts are at most 4 characters). */
export function isMissingText(text: string): boolean {
  return text.length === 0 || (text.length <= 4 && MISSING.has(text));
}

const MAX_POSITIONS = 10;

/** One kind of problem in a part of a file: how many, and the first positions. */
export interface TallyPart {
  count: number;
  lines: number[];
}

/** Counts one kind of problem and keeps its first positions. */
export class IssueTally {
  count = 0;
  readonly lines: number[] = [];
  constructor(
    readonly code: string,
    private readonly describe: (count: number, lines: number[]) => string,
  ) {}
  add(line: number): void {
    this.count++;
    if (this.lines.length < MAX_POSITIONS) this.lines.push(line);
  }
  /** Adds the count and first lines of a later part of the file (lines relative to it, shifted by `offset`). */
  absorb(part: TallyPart, offset: number): void {
    this.count += part.count;
    for (const line of part.lines) if (this.lines.length < MAX_POSITIONS) this.lines.push(line + offset);
  }
  issue(): ReadIssue | undefined {
    return this.count === 0 ? undefined : { code: this.code, message: this.describe(this.count, this.lines), count: this.count, lines: this.lines };
  }
}

/** "line 3", "lines 3, 7, 9, …" (or rows). */
export function positions(lines: number[], count: number, position: 'line' | 'row' = 'line'): string {
  return `${position}${lines.length === 1 ? '' : 's'} ${lines.join(', ')}${count > lines.length ? ', …' : ''}`;
}
