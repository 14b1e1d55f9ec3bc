// A profile column's exact value counts (while there are at most 10,000 distinct values), kept without a
// Map operation or a string per cell: numbers in an open-addressing table on their bits, and text cells
// through a cache from the bytes of the cell (hashed and compared in place in the chunk) to what the
// text is (its kind, its number or time) and its slot in the counts. A string is made once per distinct
// text, not once per cell. Keys keep their first-seen order, as a Map's would (the overflow to sketches
// picks the most frequent values so far, ties in that order).

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class ExactCounts {
  /** Keys in first-seen order (numbers and strings are distinct keys, -0 counts as 0, as in a Map). */
  readonly keys: (string | number)[] = [];
  readonly counts: number[] = [];
  private table = new Int32Array(1024);
  private readonly strings = new Map<string, number>();

  get size(): number {
    return this.keys.length;
  }

  /** The slot of the number x (a new one with count 0 when first seen). */
  numberSlot(x: number): number {
    if (x === 0) x = 0;
    f64[0] = x;
    const table = this.table;
    const mask = table.length - 1;
    let h = mix(u32[0]! ^ mix(u32[1]! ^ 0x9e3779b9)) & mask;
    for (;;) {
      const v = table[h]!;
      if (v === 0) break;
      if (this.keys[v - 1] === x) return v - 1;
      h = (h + 1) & mask;
    }
    const slot = this.push(x);
    table[h] = slot + 1;
    if (this.keys.length * 2 > table.length) this.rehash();
    return slot;
  }

  stringSlot(s: string): number {
    let slot = this.strings.get(s);
    if (slot === undefined) {
      slot = this.push(s);
      this.strings.set(s, slot);
    }
    return slot;
  }

  add(key: string | number, count: number): void {
    this.counts[typeof key === 'number' ? this.numberSlot(key) : this.stringSlot(key)]! += count;
  }

  entries(): [string | number, number][] {
    return this.keys.map((k, i) => [k, this.counts[i]!]);
  }

  toMap(): Map<string | number, number> {
    return new Map(this.entries());
  }

  private push(key: string | number): number {
    this.keys.push(key);
    this.counts.push(0);
    return this.keys.length - 1;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    this.keys.forEach((key, slot) => {
      if (typeof key !== 'number') return;
      f64[0] = key;
      let h = mix(u32[0]! ^ mix(u32[1]! ^ 0x9e3779b9)) & mask;
      while (table[h] !== 0) h = (h + 1) & mask;
      table[h] = slot + 1;
    });
    this.table = table;
  }
}

/** Texts remembered at most; then the cache starts over (a column of mostly distinct texts overflows to sketches soon anyway). */
const CACHE_ENTRIES = 1 << 14;

/** What a text cell is, by its UTF-8 bytes: found in place in the chunk, no string made for a hit. Grows from 256 entries. */
export class TextCache {
  private table = new Int32Array(512);
  private entries = 0;
  private hashes = new Int32Array(256);
  private starts = new Int32Array(256);
  private ends = new Int32Array(256);
  private arena = Buffer.alloc(1 << 14);
  private used = 0;
  kind = new Uint8Array(256);
  value = new Float64Array(256);
  slot = new Int32Array(256);

  /** The entry of buf[s, e), or -1 (then insert() puts it where the look ended). */
  find(buf: Buffer, s: number, e: number): number {
    let h = 0x811c9dc5 ^ (e - s);
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    h ^= h >>> 15;
    this.hash = h;
    const table = this.table;
    const mask = table.length - 1;
    let i = h & mask;
    for (;;) {
      const v = table[i]!;
      if (v === 0) {
        this.at = i;
        return -1;
      }
      const entry = v - 1;
      if (this.hashes[entry] === (h | 0)) {
        const ks = this.starts[entry]!;
        if (this.ends[entry]! - ks === e - s && same(this.arena, ks, buf, s, e)) return entry;
      }
      i = (i + 1) & mask;
    }
  }

  private at = 0;
  private hash = 0;

  /** Remembers buf[s, e), just not found (after find()). */
  insert(buf: Buffer, s: number, e: number, kind: number, value: number, slot: number): number {
    if (this.entries >= CACHE_ENTRIES) {
      this.table.fill(0);
      this.entries = 0;
      this.used = 0;
      this.find(buf, s, e);
    } else if (this.entries >= this.hashes.length) {
      this.grow();
      this.find(buf, s, e);
    }
    const h = this.hash;
    const len = e - s;
    if (this.used + len > this.arena.length) {
      const arena = Buffer.alloc(Math.max(this.arena.length * 2, this.used + len));
      this.arena.copy(arena, 0, 0, this.used);
      this.arena = arena;
    }
    const arena = this.arena;
    for (let i = 0, at = this.used; i < len; i++) arena[at + i] = buf[s + i]!; // short: a loop beats a native copy
    const entry = this.entries++;
    this.hashes[entry] = h | 0;
    this.starts[entry] = this.used;
    this.ends[entry] = this.used + len;
    this.used += len;
    this.kind[entry] = kind;
    this.value[entry] = value;
    this.slot[entry] = slot;
    this.table[this.at] = entry + 1;
    return entry;
  }

  private grow(): void {
    const n = this.hashes.length * 2;
    const widen = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(n);
      b.set(a);
      return b;
    };
    this.hashes = widen(this.hashes, Int32Array);
    this.starts = widen(this.starts, Int32Array);
    this.ends = widen(this.ends, Int32Array);
    this.kind = widen(this.kind, Uint8Array);
    this.value = widen(this.value, Float64Array);
    this.slot = widen(this.slot, Int32Array);
    const table = new Int32Array(n * 2);
    const mask = table.length - 1;
    for (let entry = 0; entry < this.entries; entry++) {
      let i = this.hashes[entry]! & mask;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = entry + 1;
    }
    this.table = table;
  }
}

function same(arena: Buffer, at: number, buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (arena[at++] !== buf[i]) return false;
  return true;
}
