// Parquet through hyparquet (pure JavaScript, no native code; hyparquet-compressors adds ZSTD, GZIP,
// Brotli and LZ4 pages). Read a slice of rows at a time, column by column, so memory holds one slice:
// a file is never read whole. Positions are 1-based row numbers (a Parquet file has no lines).
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { IssueTally, positions, type Cell, type ColumnBatch, type ReadIssue } from './batch';
import { DataReadError } from './decode';

const SLICE_ROWS = 65_536;

function toCell(v: unknown, unsupported: () => void): Cell {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
      return Number.isNaN(v) ? null : v;
    case 'string':
    case 'boolean':
      return v;
    case 'bigint':
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    default:
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
      if (v instanceof Uint8Array) {
        unsupported();
        return null;
      }
      return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  }
}

interface ParquetScan {
  columns: string[];
  rows: number;
  issues: ReadIssue[];
}

export async function scanParquet(path: string, emit: (batch: ColumnBatch) => void): Promise<ParquetScan> {
  let file;
  let metadata;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new DataReadError({ code: 'parquet-unreadable', file: path, message: `Not a readable Parquet file: ${(err as Error).message}`, fix: 'Check that the file is complete Parquet (it ends with the PAR1 footer).' });
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const total = Number(metadata.num_rows);
  const binary = new IssueTally('unsupported-value', (count, lines) => `${count} binary value${count === 1 ? ' is' : 's are'} not text (${positions(lines, count, 'row')}): read as missing.`);
  for (let start = 0; start < total; start += SLICE_ROWS) {
    const end = Math.min(total, start + SLICE_ROWS);
    const rows = end - start;
    const values: Cell[][] = columns.map(() => new Array<Cell>(rows).fill(null));
    const index = new Map(columns.map((c, i) => [c, i]));
    try {
      await parquetRead({
        file,
        metadata,
        compressors,
        rowStart: start,
        rowEnd: end,
        onChunk: ({ columnName, columnData, rowStart }) => {
          const column = values[index.get(columnName) ?? -1];
          if (!column) return;
          for (let i = 0; i < columnData.length; i++) {
            const r = rowStart + i - start;
            if (r < 0 || r >= rows) continue;
            column[r] = toCell(columnData[i], () => binary.add(start + r + 1));
          }
        },
      });
    } catch (err) {
      throw new DataReadError({ code: 'parquet-unreadable', file: path, line: start + 1, message: `Cannot read rows ${start + 1}–${end} of the Parquet file: ${(err as Error).message}` });
    }
    const lines = new Array<number>(rows);
    for (let r = 0; r < rows; r++) lines[r] = start + r + 1;
    emit({ columns, values, lines, rows });
  }
  const issue = binary.issue();
  return { columns, rows: total, issues: issue ? [issue] : [] };
}
