// Sextant's settings (package.json `contributes.configuration`) as plain values, and what follows from
// them: where a setting's path points, and the environment of the processes that start Python. No
// `vscode` import: src/config.ts, the only module that calls getConfiguration('sextant'), hands the raw
// values to settingsFrom(), and plain Node tests cover the rest.
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

export interface Settings {
  /** `sextant.storePath` as written ('' → undefined); resolve it with resolveSettingPath(). */
  storePath: string | undefined;
  /** `sextant.pythonPath` as written ('' → undefined); resolve it with resolveSettingPath(). */
  pythonPath: string | undefined;
  /** `sextant.runner.maxParallel`: 0 means one stage per CPU core. */
  maxParallel: number;
  /** `sextant.runner.gpu`. */
  gpu: 'auto' | 'never';
  /** `sextant.experiments.primaryMetric` ('' → undefined). */
  primaryMetric: string | undefined;
}

/** Each setting's key in the `sextant` section of VS Code's settings (package.json declares them). */
export const SETTING_KEYS: Readonly<Record<keyof Settings, string>> = {
  storePath: 'storePath',
  pythonPath: 'pythonPath',
  maxParallel: 'runner.maxParallel',
  gpu: 'runner.gpu',
  primaryMetric: 'experiments.primaryMetric',
};

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The settings from the raw values of section `sextant` (`get('runner.gpu')`); a value of the wrong type reads as the default. */
export function settingsFrom(get: (key: string) => unknown): Settings {
  const raw = (k: keyof Settings): unknown => get(SETTING_KEYS[k]);
  const jobs = raw('maxParallel');
  return {
    storePath: text(raw('storePath')),
    pythonPath: text(raw('pythonPath')),
    maxParallel: typeof jobs === 'number' && Number.isInteger(jobs) && jobs > 0 ? jobs : 0,
    gpu: raw('gpu') === 'never' ? 'never' : 'auto',
    primaryMetric: text(raw('primaryMetric')),
  };
}

/**
 * A path setting as an absolute path: `${workspaceFolder}` and a leading `~/` are expanded, and a relative
 * path is relative to the workspace folder `root`.
 */
export function resolveSettingPath(value: string, root: string, home = process.env.HOME ?? ''): string {
  let v = value.replace(/\$\{workspaceFolder\}/g, root);
  if (home && (v === '~' || v.startsWith('~/'))) v = join(home, v.slice(1));
  return isAbsolute(v) ? resolve(v) : resolve(root, v);
}

/**
 * What a process that may start Python gets from `sextant.pythonPath` (an absolute interpreter path): the
 * interpreter's folder first on PATH, as activating a virtual environment does, so `python`, `python3` and
 * `pip` in a `run:` command are that environment's; SEXTANT_PYTHON names the interpreter itself.
 */
export function pythonEnv(python: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const path = env.PATH ?? '';
  return { PATH: path ? `${dirname(python)}${delimiter}${path}` : dirname(python), SEXTANT_PYTHON: python };
}
