// A CSV reader for datasets (RFC 4180 and the usual deviations): quoted fields with "" escapes and
// newlines inside quotes, CRLF or LF, a UTF-8 BOM, comma/tab/semicolon separators. Missing values
// ("", NA, NaN, null, None, N/A) become null. A row with the wrong number of fields, or a quote left
// open, is an error naming the file and the line, never a silent shift of columns.
import { readFileSync } from 'node:fs';
import { fail, ok, type Result } from '../result';

export interface Table {
  file: string;
  columns: string[];
  /** Column-major values: values[c][r]; null where missing. */
  values: (string | null)[][];
  /** 1-based source line of each row (for messages that point at the file). */
  lines: Int32Array;
  rowCount: number;
}

const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None']);

interface CsvOptions {
  separator?: ',' | '\t' | ';';
}

function guessSeparator(file: string, firstLine: string): ',' | '\t' | ';' {
  if (file.endsWith('.tsv')) return '\t';
  const counts = { ',': 0, '\t': 0, ';': 0 } as Record<',' | '\t' | ';', number>;
  for (const ch of firstLine) if (ch in counts) counts[ch as ',' | '\t' | ';']++;
  return counts['\t'] > counts[','] && counts['\t'] >= counts[';'] ? '\t' : counts[';'] > counts[','] ? ';' : ',';
}

/** Parses CSV text; `file` names the source in errors. */
export function parseCsv(text: string, file: string, options: CsvOptions = {}): Result<Table> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstNewline = text.indexOf('\n');
  const sep = options.separator ?? guessSeparator(file, firstNewline < 0 ? text : text.slice(0, firstNewline));
  const sepCode = sep.charCodeAt(0);
  const QUOTE = 34;
  const CR = 13;
  const LF = 10;

  let columns: string[] | undefined;
  let values: (string | null)[][] = [];
  const lineList: number[] = [];
  let line = 1;
  let rowStartLine = 1;
  let fields: string[] = [];
  let i = 0;
  const n = text.length;

  const endRow = (): Result<void> | undefined => {
    // A blank line (one empty unquoted field) is skipped.
    if (fields.length === 1 && fields[0] === '') {
      fields = [];
      return undefined;
    }
    if (!columns) {
      columns = fields.map((f) => f.trim());
      const seen = new Set<string>();
      for (const c of columns) {
        if (c === '') return fail({ code: 'csv-header', file, line: rowStartLine, message: `The header has an empty column name (column ${columns.indexOf(c) + 1}).` });
        if (seen.has(c)) return fail({ code: 'csv-header', file, line: rowStartLine, message: `The header names column "${c}" twice.` });
        seen.add(c);
      }
      values = columns.map(() => []);
    } else {
      if (fields.length !== columns.length) {
        return fail({
          code: 'csv-row',
          file,
          line: rowStartLine,
          message: `Row has ${fields.length} fields, but the header has ${columns.length} (${columns.join(', ')}).`,
          fix: 'Quote fields that contain the separator, or fix the row.',
        });
      }
      for (let c = 0; c < fields.length; c++) {
        const f = fields[c]!;
        values[c]!.push(MISSING.has(f.trim()) ? null : f);
      }
      lineList.push(rowStartLine);
    }
    fields = [];
    return undefined;
  };

  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === QUOTE) {
      // Quoted field.
      let value = '';
      let j = i + 1;
      const quoteLine = line;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return fail({ code: 'csv-quote', file, line: quoteLine, message: 'A quoted field is never closed (missing ").', fix: 'Close the quote, or escape quotes inside a field as "".' });
        const chunk = text.slice(j, q);
        for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === LF) line++;
        value += chunk;
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      const next = j < n ? text.charCodeAt(j) : LF;
      if (next !== sepCode && next !== LF && next !== CR) {
        return fail({ code: 'csv-quote', file, line, message: `Unexpected text after a closing quote: "${text.slice(j, j + 20)}".`, fix: 'Escape quotes inside a quoted field as "".' });
      }
      fields.push(value);
      i = j;
      if (next === sepCode) {
        i++;
        if (i === n) fields.push('');
      } else {
        if (text.charCodeAt(i) === CR) i++;
        if (i < n && text.charCodeAt(i) === LF) i++;
        const r = endRow();
        if (r) return r as Result<never>;
        line++;
        rowStartLine = line;
        if (i >= n) break;
      }
      continue;
    }
    // Unquoted field: up to the separator or end of line.
    let j = i;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === sepCode || c === LF || c === CR) break;
      j++;
    }
    fields.push(text.slice(i, j));
    if (j < n && text.charCodeAt(j) === sepCode) {
      i = j + 1;
      if (i === n) fields.push('');
      continue;
    }
    // End of line or text.
    i = j;
    if (i < n && text.charCodeAt(i) === CR) i++;
    if (i < n && text.charCodeAt(i) === LF) i++;
    const r = endRow();
    if (r) return r as Result<never>;
    line++;
    rowStartLine = line;
    if (i >= n) break;
  }
  if (fields.length > 0) {
    const r = endRow();
    if (r) return r as Result<never>;
  }
  if (!columns) return fail({ code: 'csv-empty', file, message: 'The file is empty: no header row.' });
  const cols = columns as string[];
  return ok({ file, columns: cols, values, lines: Int32Array.from(lineList), rowCount: lineList.length });
}

export function readCsv(file: string, options: CsvOptions = {}): Result<Table> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return fail({ code: 'dataset-unreadable', file, message: `Cannot read the dataset: ${(err as Error).message}` });
  }
  return parseCsv(text, file, options);
}

export function columnIndex(table: Table, name: string): Result<number> {
  const index = table.columns.indexOf(name);
  if (index < 0) return fail({ code: 'dataset-column', file: table.file, line: 1, message: `No column "${name}"; the columns are ${table.columns.join(', ')}.` });
  return ok(index);
}

/** A column as numbers (NaN where missing); a value that is not a number is an error with its line. */
export function numericColumn(table: Table, name: string): Result<Float64Array> {
  const index = columnIndex(table, name);
  if (!index.ok) return index;
  const raw = table.values[index.value]!;
  const out = new Float64Array(table.rowCount);
  for (let r = 0; r < raw.length; r++) {
    const v = raw[r];
    if (v === null || v === undefined) {
      out[r] = NaN;
      continue;
    }
    const x = Number(v.trim());
    if (!Number.isFinite(x)) {
      const what = Number.isNaN(x) ? 'not a number' : 'not a finite number';
      return fail({ code: 'dataset-not-numeric', file: table.file, line: table.lines[r], message: `Column "${name}" has "${v}", which is ${what}.`, fix: 'Leave the field empty for a missing value, or drop the column from `features`.' });
    }
    out[r] = x;
  }
  return ok(out);
}
