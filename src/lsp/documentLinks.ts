// Document links: a dataset's `path`, a stage's `deps` and `outs`, and the scripts its `run:` names
// (`python train.py`, `bash scripts/prep.sh`) open the file. A link is offered only for a file that exists
// and lies inside the workspace (symbolic links followed): never for a missing file, a folder, a pattern,
// an expression, or a path that leads out of the workspace.
import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isScalar } from 'yaml';
import type { DocumentLink } from 'vscode-languageserver/node';
import type { Analysis } from '../engine/pipeline/analyze';
import { realPathOf } from '../engine/pipeline/containment';
import { decodeScalar, identity } from '../engine/pipeline/decoded';
import { pairOf, span } from '../engine/pipeline/nodes';

interface Candidate {
  path: string;
  start: number;
  end: number;
}

const PATTERN = /[*?[\]{}]|\$\{\{|\$\{|\$[A-Za-z_]/;

/** Words of a command that may name a script: split at blanks, quotes, shell operators and `=` (`--config=a.yaml`). */
function commandWords(command: string): { word: string; start: number }[] {
  const out: { word: string; start: number }[] = [];
  const re = /[^\s'"`;&|<>()=]+/g;
  for (let m = re.exec(command); m; m = re.exec(command)) out.push({ word: m[0], start: m.index });
  return out;
}

/** Looks like a file path rather than a program or a flag: has an extension or a slash, and no scheme. */
const looksLikeFile = (word: string): boolean => !word.startsWith('-') && !/^[a-z][a-z0-9+.-]*:/i.test(word) && (/\.[A-Za-z0-9]{1,8}$/.test(word) || word.includes('/'));

function candidates(analysis: Analysis): Candidate[] {
  const out: Candidate[] = [];
  for (const d of analysis.model.datasets.values()) {
    // d.entry is the `datasets:` entry: the dataset is its pair named d.name
    const node = pairOf(pairOf(d.entry.value, d.name)?.value, 'path')?.value;
    const s = span(node);
    if (s && isScalar(node) && typeof node.value === 'string') out.push({ path: node.value, start: d.entry.seg.base + s[0], end: d.entry.seg.base + s[1] });
  }
  for (const stage of analysis.model.stages.values()) {
    const base = stage.seg.base;
    for (const r of [...stage.facts.deps, ...stage.facts.outs]) out.push({ path: r.name, start: base + r.start, end: base + r.end });
    const run = pairOf(stage.entry.value, 'run')?.value;
    const s = span(run);
    if (!s || !isScalar(run) || typeof run.value !== 'string') continue;
    const source = stage.seg.text.slice(s[0], s[1]);
    const decoded = decodeScalar(source, run.type, run.value) ?? identity(source);
    for (const { word, start } of commandWords(decoded.text)) {
      if (!looksLikeFile(word)) continue;
      const from = decoded.from[start];
      const to = decoded.to[start + word.length - 1];
      // a word that the source splits (a folded line break inside it) is not linked
      if (from === undefined || to === undefined || to - from !== word.length) continue;
      out.push({ path: word, start: base + s[0] + from, end: base + s[0] + to });
    }
  }
  return out;
}

/**
 * What each path resolved to (a file URI, or null: no link), kept for TTL_MS: a 1,000-stage pipeline names
 * about a thousand paths, and the editor asks for links after every pause in typing. File events clear it.
 */
const TTL_MS = 10_000;
const now = (): number => Date.now();
let rootCache: { root: string; real: string; at: number } | undefined;
const targets = new Map<string, { at: number; target: string | null }>();

/** Forgets what the paths resolved to (files changed on disk). */
export function forgetLinkTargets(): void {
  targets.clear();
}

function targetOf(realRoot: string, dir: string, path: string, now: number): string | null {
  const key = `${realRoot}\0${dir}\0${path}`;
  const known = targets.get(key);
  if (known && now - known.at < TTL_MS) return known.target;
  let target: string | null = null;
  try {
    const real = realPathOf(resolve(dir, path));
    if (inside(realRoot, real) && statSync(real).isFile()) target = pathToFileURL(resolve(dir, path)).toString();
  } catch {
    // missing: no link
  }
  if (targets.size > 50_000) targets.clear();
  targets.set(key, { at: now, target });
  return target;
}

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
};

/**
 * The links of a pipeline in `dir` (its folder), to files inside `workspaceRoot` (default: `dir`). Without a
 * folder (an unsaved document) there are none.
 */
export function documentLinks(analysis: Analysis, dir: string | undefined, workspaceRoot?: string): DocumentLink[] {
  if (!dir) return [];
  const root = workspaceRoot ?? dir;
  const realRoot = rootCache?.root === root && now() - rootCache.at < TTL_MS ? rootCache.real : realPathOf(root);
  rootCache = { root, real: realRoot, at: now() };
  const links: DocumentLink[] = [];
  const at = now();
  for (const c of candidates(analysis)) {
    if (c.path === '' || PATTERN.test(c.path)) continue;
    const target = targetOf(realRoot, dir, c.path, at);
    if (target) links.push({ range: analysis.parsed.lines.range(c.start, c.end), target, tooltip: `Open ${c.path}` });
  }
  return links;
}
