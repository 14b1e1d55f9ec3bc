// A quick look at a dataset file for the sidebar and the CLI: size, columns (header line) and row count,
// streamed so a large file costs one sequential read, and cached by size and mtime.
import { createReadStream, statSync } from 'node:fs';
import { z } from 'zod';
import { fail, ok, type Result } from '../result';

export const DatasetFileInfoSchema = z.object({
  path: z.string(),
  sizeBytes: z.number().int(),
  modifiedAt: z.string(),
  columns: z.array(z.string()),
  rows: z.number().int().describe('Data rows, excluding the header line.'),
});
type DatasetFileInfo = z.infer<typeof DatasetFileInfoSchema>;

const cache = new Map<string, { key: string; info: DatasetFileInfo }>();

/** Splits a CSV header line, honouring double quotes. */
function splitHeader(line: string, delimiter = ','): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      fields.push(field.trim());
      field = '';
    } else field += ch;
  }
  fields.push(field.trim());
  return fields;
}

export async function inspectDatasetFile(path: string): Promise<Result<DatasetFileInfo>> {
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    return fail({ code: 'dataset-missing', file: path, message: `The dataset file does not exist: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, fix: 'Create the file or fix `path` in the pipeline.' });
  }
  if (stat.isDirectory()) return fail({ code: 'dataset-is-folder', file: path, message: 'The dataset is a folder; point `path` at a CSV file.' });
  const key = `${stat.size}:${stat.mtimeMs}`;
  const hit = cache.get(path);
  if (hit?.key === key) return ok(hit.info);
  const delimiter = path.endsWith('.tsv') ? '\t' : ',';
  return new Promise((resolve) => {
    let header = '';
    let headerDone = false;
    let newlines = 0;
    let lastByte = 10;
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    stream.on('data', (data: string | Buffer) => {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      if (!headerDone) {
        const nl = chunk.indexOf(10);
        header += chunk.subarray(0, nl === -1 ? chunk.length : nl).toString('utf8');
        if (nl !== -1) headerDone = true;
        if (header.length > 1 << 20) {
          stream.destroy();
          resolve(fail({ code: 'dataset-bad-header', file: path, line: 1, message: 'The first line is over 1 MB long: this does not look like a CSV file with a header.' }));
          return;
        }
      }
      let at = chunk.indexOf(10);
      while (at !== -1) {
        newlines++;
        at = chunk.indexOf(10, at + 1);
      }
      lastByte = chunk[chunk.length - 1] ?? lastByte;
    });
    stream.on('error', (err) => resolve(fail({ code: 'dataset-unreadable', file: path, message: `Cannot read the dataset: ${err.message}` })));
    stream.on('end', () => {
      const lines = newlines + (lastByte === 10 ? 0 : 1);
      const info: DatasetFileInfo = {
        path,
        sizeBytes: stat.size,
        modifiedAt: stat.mtime.toISOString(),
        columns: header.length > 0 ? splitHeader(header.replace(/\r$/, ''), delimiter) : [],
        rows: Math.max(0, lines - 1),
      };
      cache.set(path, { key, info });
      resolve(ok(info));
    });
  });
}
