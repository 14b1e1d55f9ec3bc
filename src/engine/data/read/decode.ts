// Bytes to text for the text formats, streamed: the encoding comes from the byte-order mark (UTF-8,
// UTF-16 LE or BE) and is UTF-8 without one, unless the caller names it. Invalid UTF-8 stops the read
// with an error naming the byte and its line; nothing is replaced silently.
import { isAscii, isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import type { EngineError } from '../../result';
import type { Encoding } from './batch';

/** A read that cannot go on, with where and why; scan.ts turns it into a failed Result. */
export class DataReadError extends Error {
  constructor(readonly error: EngineError) {
    super(error.message);
  }
}

export const CHUNK_BYTES = 1 << 22;
/** A part's chunks are smaller: several parts are read at once, each in its own thread (../profile/parallel.ts). */
const PART_CHUNK_BYTES = 1 << 20;

/** Where the last UTF-8 sequence that is cut off by the end of `buf` starts (buf.length when none is). */
export function completeUtf8(buf: Uint8Array): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(4, n); back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (only called once isUtf8 said no). */
function firstInvalid(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    let need = 0;
    let min = 0;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= buf.length) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return buf.length;
}

/** 1-based line of a byte offset: counts the newlines before it (a second read, only on the error path). */
async function lineAt(path: string, offset: number): Promise<number> {
  let line = 1;
  if (offset === 0) return line;
  for await (const data of createReadStream(path, { end: offset - 1, highWaterMark: CHUNK_BYTES })) {
    const buf = data as Buffer;
    for (let at = buf.indexOf(10); at !== -1; at = buf.indexOf(10, at + 1)) line++;
  }
  return line;
}

async function invalidUtf8(path: string, offset: number, bytes: Uint8Array): Promise<DataReadError> {
  const line = await lineAt(path, offset);
  const hex = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return new DataReadError({
    code: 'data-encoding',
    file: path,
    line,
    message: `Invalid UTF-8 at byte ${offset} (line ${line}: bytes ${hex}): the file is not UTF-8 text.`,
    fix: 'Convert it to UTF-8 (e.g. `iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv`), or name its encoding (`--encoding latin1`).',
  });
}

interface ByteStream {
  /** Known once the first chunk is read. */
  encoding: Encoding;
  chunks: AsyncGenerator<Buffer>;
}

interface TextStream {
  encoding: Encoding;
  chunks: AsyncGenerator<string>;
}

/**
 * The file's text in chunks of about CHUNK_BYTES, as UTF-8 bytes: checked (invalid UTF-8 is an error
 * naming its byte and line), the byte-order mark left out, each chunk ending on a whole character; UTF-16
 * and Latin-1 files are decoded and written again as UTF-8 (the CSV reader works on bytes: csvTokenizer.ts).
 * `forced` overrides the detection. `range`: only the bytes [start, end) (a part of a file cut at a line
 * end, read by a parallel profile's worker), in 1 MB chunks.
 */
export function byteChunks(path: string, forced?: 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1', range?: { start: number; end: number }): ByteStream {
  const state: ByteStream = { encoding: forced ?? 'utf-8', chunks: undefined as unknown as AsyncGenerator<Buffer> };
  async function* generate(): AsyncGenerator<Buffer> {
    let first = !range || range.start === 0;
    let offset = range?.start ?? 0;
    let carry: Buffer | undefined;
    let utf16: TextDecoder | undefined;
    for await (const data of createReadStream(path, { highWaterMark: range ? PART_CHUNK_BYTES : CHUNK_BYTES, ...(range ? { start: range.start, end: range.end - 1 } : {}) })) {
      let buf = data as Buffer;
      if (first) {
        first = false;
        if (!forced) {
          if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) state.encoding = 'utf-8-bom';
          else if (buf[0] === 0xff && buf[1] === 0xfe) state.encoding = 'utf-16le';
          else if (buf[0] === 0xfe && buf[1] === 0xff) state.encoding = 'utf-16be';
        }
        if (state.encoding === 'utf-16le' || state.encoding === 'utf-16be') utf16 = new TextDecoder(state.encoding, { fatal: true });
        else if (state.encoding === 'utf-8-bom' || (state.encoding === 'utf-8' && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf)) {
          buf = buf.subarray(3);
          offset = 3;
        }
      }
      if (utf16) {
        try {
          yield Buffer.from(utf16.decode(buf, { stream: true }), 'utf8');
        } catch {
          throw new DataReadError({ code: 'data-encoding', file: path, message: `Invalid ${state.encoding.toUpperCase()} text after byte ${offset}: an unpaired surrogate or a cut-off character.`, fix: 'Convert it to UTF-8, or name its encoding (`--encoding`).' });
        }
        offset += buf.length;
        continue;
      }
      if (state.encoding === 'latin1') {
        yield isAscii(buf) ? buf : Buffer.from(buf.toString('latin1'), 'utf8');
        continue;
      }
      if (carry) {
        buf = Buffer.concat([carry, buf]);
        carry = undefined;
      }
      const cut = completeUtf8(buf);
      if (cut < buf.length) {
        carry = Buffer.from(buf.subarray(cut));
        buf = buf.subarray(0, cut);
      }
      if (!isUtf8(buf)) {
        const at = firstInvalid(buf);
        throw await invalidUtf8(path, offset + at, buf.subarray(at));
      }
      offset += buf.length;
      yield buf;
    }
    if (carry) throw await invalidUtf8(path, offset, carry);
    if (utf16) {
      let rest: string;
      try {
        rest = utf16.decode();
      } catch {
        throw new DataReadError({ code: 'data-encoding', file: path, message: `The file ends in the middle of a ${state.encoding.toUpperCase()} character.`, fix: 'The file is probably cut off; write it again.' });
      }
      if (rest) yield Buffer.from(rest, 'utf8');
    }
  }
  state.chunks = generate();
  return state;
}

/** The file's text in chunks, decoded (JSON Lines): byteChunks' checked UTF-8 as strings (ASCII copied as Latin-1, no decoding). */
export function textChunks(path: string, forced?: 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1'): TextStream {
  const bytes = byteChunks(path, forced);
  async function* generate(): AsyncGenerator<string> {
    for await (const buf of bytes.chunks) yield isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8');
  }
  return {
    get encoding() {
      return bytes.encoding;
    },
    chunks: generate(),
  };
}
