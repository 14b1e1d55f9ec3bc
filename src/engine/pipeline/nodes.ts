// Small helpers over `yaml` nodes: finding a key's pair, walking a path, reading a scalar's text and the
// span of its source (local offsets of a segment). Aliases are never followed (see MAX_ALIAS_COUNT).
import { isAlias, isMap, isPair, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';

type AnyPair = Pair<unknown, unknown>;

/** A mapping's pairs with its YAML merge keys (`<<: *defaults`) applied, set by the parser (./document.ts). */
const mergedPairs = new WeakMap<object, AnyPair[]>();

/** Whether a pair is a YAML merge key (`<<`). */
export function isMergePair(p: unknown): boolean {
  if (!isPair(p) || !isScalar(p.key)) return false;
  const v = (p.key as Scalar).value;
  return typeof v === 'symbol' && v.description === '<<';
}

export function setMergedPairs(map: YAMLMap<unknown, unknown>, merged: AnyPair[]): void {
  mergedPairs.set(map, merged);
}

export function pairOf(map: unknown, key: string): AnyPair | undefined {
  for (const p of pairs(map)) {
    if (isScalar(p.key) && String((p.key as Scalar).value) === key) return p;
  }
  return undefined;
}

/** A mapping's pairs; with merge keys, its own pairs and then those it merges that it does not override. */
export function pairs(map: unknown): AnyPair[] {
  if (!isMap(map)) return [];
  return mergedPairs.get(map) ?? ((map as YAMLMap<unknown, unknown>).items.filter(isPair) as AnyPair[]);
}

export function items(seq: unknown): unknown[] {
  return isSeq(seq) ? (seq as YAMLSeq<unknown>).items : [];
}

export function keyOf(p: AnyPair): string | undefined {
  return isScalar(p.key) ? String((p.key as Scalar).value ?? '') : undefined;
}

/** [start, end) of a node's value in local offsets. */
export function span(node: unknown): [number, number] | undefined {
  const r = (node as { range?: [number, number, number] | null } | null | undefined)?.range;
  return r ? [r[0], r[1]] : undefined;
}

/** The node at a path (map keys, seq indexes); with `key`, the key node of the last step instead. */
export function nodeAt(root: unknown, path: readonly PropertyKey[]): { node: unknown; keyNode?: unknown; parent?: unknown; depth: number } {
  let cur: unknown = root;
  let keyNode: unknown;
  let parent: unknown;
  let depth = 0;
  for (const step of path) {
    if (isAlias(cur)) break;
    if (typeof step === 'number' && isSeq(cur)) {
      const next = (cur as YAMLSeq<unknown>).items[step];
      if (next === undefined) break;
      parent = cur;
      keyNode = undefined;
      cur = next;
    } else if (isMap(cur)) {
      const p = pairOf(cur, String(step));
      if (!p) break;
      parent = cur;
      keyNode = p.key;
      cur = p.value ?? p.key;
    } else break;
    depth++;
  }
  return { node: cur, keyNode, parent, depth };
}

export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = (node as Scalar).value;
  return v === null || v === undefined ? undefined : typeof v === 'object' ? undefined : String(v);
}

/** Every scalar under a node (not through aliases), with its path relative to the node. */
export function* scalars(node: unknown, path: (string | number)[] = []): Generator<{ node: Scalar; path: (string | number)[] }> {
  if (isScalar(node)) {
    yield { node: node as Scalar, path };
  } else if (isMap(node)) {
    for (const p of (node as YAMLMap<unknown, unknown>).items) {
      if (!isPair(p)) continue;
      if (p.value) yield* scalars(p.value, [...path, keyOf(p as AnyPair) ?? '?']);
    }
  } else if (isSeq(node)) {
    const list = (node as YAMLSeq<unknown>).items;
    for (let i = 0; i < list.length; i++) yield* scalars(list[i], [...path, i]);
  }
}

export type { Node };
