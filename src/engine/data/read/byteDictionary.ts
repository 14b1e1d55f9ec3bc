// Dictionary of byte strings → codes (0, 1, … in order of first appearance) for categorical columns:
// keyed by an FNV-1a hash of the bytes and compared byte by byte, so a repeated value makes no string.
export class ByteDictionary {
  private slots = new Int32Array(1024).fill(-1);
  private hashes: number[] = [];
  private arena = Buffer.alloc(1 << 16);
  private arenaUsed = 0;
  private starts: number[] = [];
  private lengths: number[] = [];
  /** The distinct values, by code. */
  readonly strings: string[] = [];

  /** The code of buf[s, e). */
  code(buf: Buffer, s: number, e: number): number {
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    const mask = this.slots.length - 1;
    let slot = h & mask;
    const len = e - s;
    for (;;) {
      const c = this.slots[slot]!;
      if (c < 0) break;
      if (this.hashes[c] === h && this.lengths[c] === len) {
        const st = this.starts[c]!;
        let same = true;
        for (let i = 0; i < len; i++) {
          if (this.arena[st + i] !== buf[s + i]) {
            same = false;
            break;
          }
        }
        if (same) return c;
      }
      slot = (slot + 1) & mask;
    }
    const code = this.strings.length;
    if (this.arenaUsed + len > this.arena.length) {
      const grown = Buffer.alloc(Math.max(this.arena.length * 2, this.arenaUsed + len));
      this.arena.copy(grown, 0, 0, this.arenaUsed);
      this.arena = grown;
    }
    // A loop, not buf.copy: values are short, and a native call costs more than a few bytes copied.
    const arena = this.arena;
    for (let i = 0, at = this.arenaUsed; i < len; i++) arena[at + i] = buf[s + i]!;
    this.starts.push(this.arenaUsed);
    this.lengths.push(len);
    this.hashes.push(h);
    this.arenaUsed += len;
    this.strings.push(buf.toString('utf8', s, e));
    this.slots[slot] = code;
    if (this.strings.length * 2 > this.slots.length) this.rehash();
    return code;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let c = 0; c < this.hashes.length; c++) {
      let slot = this.hashes[c]! & mask;
      while (slots[slot]! >= 0) slot = (slot + 1) & mask;
      slots[slot] = c;
    }
    this.slots = slots;
  }
}
