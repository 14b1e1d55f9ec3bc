// The one CSV/TSV tokenizer (RFC 4180 and the usual deviations), on UTF-8 bytes: fields quoted with ""
// escapes and newlines inside quotes, CRLF, LF or CR line ends, blank lines skipped. Bytes arrive in
// chunks; a row cut by a chunk's end is carried to the next one. Each complete row goes to a sink as the
// places of its fields in the buffer (a quoted field is unescaped in place: its quotes dropped, "" made "),
// with the line it starts on, so no string is made per field. Text after a closing quote ("ab"c) is kept
// after the quoted text and told to the sink. A quote never closed, or a row over MAX_ROW_BYTES, stops
// the read with its line. Readers on top: csv.ts (profiles, validation) and columnTable.ts (drift, training).

const QUOTE = 34;
const LF = 10;
const CR = 13;
/** A row longer than this (bytes) means a quote is left open: stop instead of holding the whole file. */
export const MAX_ROW_BYTES = 1 << 25;

export interface CsvRowSink {
  /** One row: field f is buf[starts[f], ends[f]), valid only during the call. True stops the read. */
  row(buf: Buffer, count: number, starts: Int32Array, ends: Int32Array, line: number): boolean | void;
  /** Text after a closing quote at buf[at] (before the row is unescaped), on `line`. True stops the read. */
  afterQuote(buf: Buffer, at: number, line: number): boolean | void;
}

/** Why a push stopped: a quote never closed (on `line`, in the row that starts on `rowLine`), a row too long, or the sink asked. */
export type TokenStop = { kind: 'open-quote' | 'too-long'; line: number; rowLine: number } | { kind: 'stopped' };

export class CsvTokenizer {
  /** The separator byte; -1 until the header line is seen (then `guess` picks it). */
  sep: number;
  /** Line where the next row starts. */
  line = 1;
  private carry: Buffer | undefined;
  private starts: Int32Array = new Int32Array(64);
  private ends: Int32Array = new Int32Array(64);
  /** For each field of the row being read: its closing quote when it must be unescaped, else -1. */
  private closes: Int32Array = new Int32Array(64);
  /** Where text follows a closing quote in the row being read, and its line (told when the row is complete). */
  private readonly afters: number[] = [];
  private afterCount = 0;
  private stop: TokenStop | undefined;

  constructor(
    private readonly sink: CsvRowSink,
    sep: number | undefined,
    private readonly guess: (header: Buffer) => number = () => 44,
  ) {
    this.sep = sep ?? -1;
  }

  /** Whether bytes are held for a row not ended yet (after a non-final push). */
  get pending(): boolean {
    return this.carry !== undefined && this.carry.length > 0;
  }

  /** Tokenizes the complete rows of `chunk` (after what was carried); `final` on the last call. */
  push(chunk: Buffer, final: boolean): TokenStop | undefined {
    if (this.sep < 0) {
      const head = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
      const nl = head.indexOf(LF);
      if (nl < 0 && !final && head.length < MAX_ROW_BYTES) {
        this.carry = Buffer.from(head);
        return undefined;
      }
      this.sep = this.guess(nl < 0 ? head : head.subarray(0, nl));
    }
    let pos = 0;
    const carry = this.carry;
    this.carry = undefined;
    if (carry && carry.length > 0) {
      // The row cut by the last chunk's end: joined with the start of this chunk, a line at a time (and
      // more at once for a long quoted field), so the chunk itself is never copied.
      let k = 0;
      for (;;) {
        const nl = chunk.indexOf(LF, Math.max(k, 2 * k - carry.length));
        k = nl < 0 ? chunk.length : nl + 1;
        const whole = k >= chunk.length;
        const joined = Buffer.concat([carry, chunk.subarray(0, k)]);
        const rest = this.rows(joined, 0, final && whole);
        if (rest < 0) return this.stopped();
        if (whole || rest >= carry.length) {
          if (whole) return this.keep(joined, rest);
          pos = rest - carry.length;
          break;
        }
      }
    }
    const rest = this.rows(chunk, pos, final);
    return rest < 0 ? this.stopped() : this.keep(chunk, rest);
  }

  /** Rows from `pos` while they are whole; returns where the rest starts (-1: the read stops). */
  private rows(buf: Buffer, pos: number, final: boolean): number {
    const n = buf.length;
    while (pos < n) {
      const next = this.row(buf, pos, final);
      if (next < 0) return this.stop ? -1 : pos;
      pos = next;
    }
    return pos;
  }

  private stopped(): TokenStop {
    const stop = this.stop!;
    this.stop = undefined;
    return stop;
  }

  /** Carries buf[rest, …) (a row not ended yet) to the next push, copied: a small carry must not hold a large chunk. */
  private keep(buf: Buffer, rest: number): TokenStop | undefined {
    if (rest >= buf.length) return undefined;
    if (buf.length - rest > MAX_ROW_BYTES) return { kind: 'too-long', line: this.line, rowLine: this.line };
    this.carry = Buffer.from(buf.subarray(rest));
    return undefined;
  }

  private grow(): void {
    const widen = (a: Int32Array): Int32Array => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.starts = widen(this.starts);
    this.ends = widen(this.ends);
    this.closes = widen(this.closes);
  }

  /** Reads the row at `pos`; returns where the next starts, or -1 when it continues past the chunk (or the read stops). */
  private row(buf: Buffer, pos: number, final: boolean): number {
    const n = buf.length;
    const sep = this.sep;
    let starts = this.starts;
    let ends = this.ends;
    let closes = this.closes;
    let c = 0;
    let i = pos;
    let newlines = 0;
    let unescape = false;
    let quoted = false;
    this.afterCount = 0;
    for (;;) {
      if (c >= starts.length) {
        this.grow();
        starts = this.starts;
        ends = this.ends;
        closes = this.closes;
      }
      if (i < n && buf[i] === QUOTE) {
        quoted = true;
        let j = i + 1;
        let close = -1;
        let escaped = false;
        for (;;) {
          const q = buf.indexOf(QUOTE, j);
          if (q < 0 || (q + 1 >= n && !final)) {
            if (!final) return -1;
            this.stop = { kind: 'open-quote', line: this.line + newlines, rowLine: this.line };
            return -1;
          }
          for (let k = buf.indexOf(LF, j); k !== -1 && k < q; k = buf.indexOf(LF, k + 1)) newlines++;
          if (buf[q + 1] === QUOTE) {
            escaped = true;
            j = q + 2;
            continue;
          }
          close = q;
          break;
        }
        let k = close + 1;
        if (k < n) {
          let b = buf[k]!;
          if (b !== sep && b !== LF && b !== CR) {
            this.afters[this.afterCount++] = k;
            this.afters[this.afterCount++] = this.line + newlines;
            while (k < n && (b = buf[k]!) !== sep && b !== LF && b !== CR) k++;
            if (k >= n && !final) return -1;
            escaped = true;
          }
        }
        if (escaped) {
          unescape = true;
          starts[c] = i;
          closes[c] = close;
        } else {
          starts[c] = i + 1;
          closes[c] = -1;
        }
        ends[c++] = escaped ? k : close;
        i = k;
      } else {
        let j = i;
        while (j < n) {
          const b = buf[j]!;
          if (b === sep || b === LF || b === CR) break;
          j++;
        }
        if (j >= n && !final) return -1;
        starts[c] = i;
        ends[c] = j;
        closes[c++] = -1;
        i = j;
      }
      if (i < n && buf[i] === sep) {
        i++;
        if (i < n) continue;
        if (!final) return -1;
        if (c >= starts.length) this.grow();
        this.starts[c] = i;
        this.ends[c] = i;
        this.closes[c++] = -1; // "a,b," at the very end: a last empty field
        break;
      }
      if (i < n) {
        if (buf[i] === CR) {
          if (i + 1 >= n && !final) return -1; // a CRLF cut between chunks
          i++;
          if (i < n && buf[i] === LF) i++;
        } else i++; // LF
      }
      break;
    }
    const line = this.line;
    this.line += newlines + 1;
    if (c === 1 && !quoted && ends[0] === starts[0]) return i; // a blank line
    const afters = this.afters;
    for (let a = 0; a < this.afterCount; a += 2) {
      if (this.sink.afterQuote(buf, afters[a]!, afters[a + 1]!)) {
        this.stop = { kind: 'stopped' };
        return -1;
      }
    }
    if (unescape) for (let f = 0; f < c; f++) if (closes[f]! >= 0) this.unescape(buf, f);
    if (this.sink.row(buf, c, this.starts, this.ends, line)) {
      this.stop = { kind: 'stopped' };
      return -1;
    }
    return i;
  }

  /** Field f in place: the text between its quotes with "" made ", then any text after the closing quote. */
  private unescape(buf: Buffer, f: number): void {
    const open = this.starts[f]!;
    const close = this.closes[f]!;
    const end = this.ends[f]!;
    let w = open;
    for (let r = open + 1; r < close; r++) {
      const b = buf[r]!;
      buf[w++] = b;
      if (b === QUOTE) r++;
    }
    buf.copyWithin(w, close + 1, end);
    this.ends[f] = w + end - close - 1;
  }
}
