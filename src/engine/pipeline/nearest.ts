// "Did you mean …?": the closest candidate by edit distance, when it is close enough to be a typo. The
// distance is Damerau–Levenshtein in its optimal string alignment form, so two swapped letters (`lable`)
// cost one edit, like a wrong one. For names made of words (`roc_auc`), a word alone (`auc`) finds them.

/** Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`, no substring edited twice. */
function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  // three rows: two back (for swaps), one back, this one
  let twoBack = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, twoBack[j - 2]! + 1);
      row[j] = d;
    }
    [twoBack, prev, row] = [prev, row, twoBack];
  }
  return prev[b.length]!;
}

/** The words of a name: `roc_auc` → roc, auc; `latencyP95` → latency, p95. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * The nearest candidate within a distance that scales with the length, or undefined. With `byWords`, a
 * word that is not near any candidate still finds the one candidate whose words include all of its words
 * (`auc` → `roc_auc`; not when two candidates would fit).
 */
export function nearest(word: string, candidates: Iterable<string>, options: { byWords?: boolean } = {}): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  const list = [...candidates];
  for (const c of list) {
    if (c === word) continue;
    const d = c.toLowerCase() === lower ? 0.5 : Math.abs(c.length - word.length) > limit ? Infinity : editDistance(lower, c.toLowerCase());
    if (d < bestDistance || (d === bestDistance && best !== undefined && c < best)) {
      best = c;
      bestDistance = d;
    }
  }
  if (bestDistance <= limit) return best;
  if (!options.byWords) return undefined;
  const wanted = words(word);
  if (wanted.length === 0) return undefined;
  const fits = list.filter((c) => {
    if (c === word) return false;
    const have = words(c);
    return wanted.every((w) => have.includes(w));
  });
  return fits.length === 1 ? fits[0] : undefined;
}
