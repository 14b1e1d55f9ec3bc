// `sextant doctor` and the extension's "Run Doctor" command: what this machine has, what is missing, and the fix.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { detectGpus } from '../gpu/nvidiaSmi';
import { loadBetterSqlite3, loadOnnxRuntime } from '../native/load';
import { checkStore } from '../store/health';

export const CheckSchema = z.object({
  name: z.string(),
  status: z.enum(['ok', 'warn', 'fail']),
  detail: z.string(),
  fix: z.string().optional(),
});
export type Check = z.infer<typeof CheckSchema>;

export const DoctorReportSchema = z.object({
  ok: z.boolean().describe('False when any check failed (warnings do not count).'),
  checks: z.array(CheckSchema),
});
export type DoctorReport = z.infer<typeof DoctorReportSchema>;

function commandVersion(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 5000 }, (err, stdout, stderr) => resolve(err ? undefined : `${stdout}${stderr}`.trim().split('\n')[0]));
  });
}

function nodeCheck(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 20
    ? { name: 'node', status: 'ok', detail: `Node ${process.versions.node} (NODE_MODULE_VERSION ${process.versions.modules})` }
    : { name: 'node', status: 'fail', detail: `Node ${process.versions.node} is too old`, fix: 'Install Node 20 or newer.' };
}

function sqliteCheck(): Check {
  const driver = loadBetterSqlite3();
  if (!driver.ok) return { name: 'sqlite', status: 'fail', detail: driver.error.message, ...(driver.error.fix ? { fix: driver.error.fix } : {}) };
  const db = new driver.value(':memory:');
  const version = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
  db.close();
  return { name: 'sqlite', status: 'ok', detail: `better-sqlite3 with SQLite ${version}` };
}

/** Execution providers that can actually run here: the bundled ones, plus CUDA/TensorRT only when their
 * provider library was installed beside the binding (onnxruntime-node lists them either way). */
export function usableExecutionProviders(backends: { name: string; bundled: boolean }[], bindingDir: string | undefined): string[] {
  return backends
    .filter((b) => b.bundled || (bindingDir !== undefined && existsSync(join(bindingDir, `libonnxruntime_providers_${b.name}.so`))))
    .map((b) => b.name);
}

function onnxBindingDir(): string | undefined {
  try {
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    return join(root, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

function onnxCheck(): Check {
  const ort = loadOnnxRuntime();
  if (!ort.ok) return { name: 'onnxruntime', status: 'fail', detail: ort.error.message, ...(ort.error.fix ? { fix: ort.error.fix } : {}) };
  const providers = usableExecutionProviders(ort.value.listSupportedBackends(), onnxBindingDir());
  const cuda = providers.includes('cuda');
  return {
    name: 'onnxruntime',
    status: 'ok',
    detail: `onnxruntime-node ${ort.value.env.versions.node ?? '?'}; execution providers: ${providers.join(', ')}${cuda ? '' : ' (no CUDA: models run on CPU)'}`,
    ...(cuda ? {} : { fix: 'For the CUDA provider: `npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12` on a machine that can reach GitHub (it downloads the CUDA add-on).' }),
  };
}

async function gpuCheck(): Promise<Check> {
  const gpus = await detectGpus();
  if (!gpus.found) return { name: 'gpu', status: 'warn', detail: 'nvidia-smi not found: no NVIDIA GPU; GPU stages run on CPU unless `gpu: required`.', fix: 'Install the NVIDIA driver if this machine has a GPU.' };
  if (!gpus.ok) return { name: 'gpu', status: 'warn', detail: gpus.error.message, ...(gpus.error.fix ? { fix: gpus.error.fix } : {}) };
  if (gpus.value.length === 0) return { name: 'gpu', status: 'warn', detail: 'nvidia-smi found no GPU.' };
  return { name: 'gpu', status: 'ok', detail: gpus.value.map((g) => `#${g.index} ${g.name} (${g.memoryTotalMiB ?? '?'} MiB, driver ${g.driverVersion})`).join('; ') };
}

async function toolCheck(name: string, command: string, args: string[], missing: string): Promise<Check> {
  const version = await commandVersion(command, args);
  return version ? { name, status: 'ok', detail: version } : { name, status: 'warn', detail: `${command} not found`, fix: missing };
}

/** The workspace store: its header and SQLite's quick_check over every page (store/health.ts). */
function storeCheck(storePath: string): Check {
  const health = checkStore(storePath);
  switch (health.state) {
    case 'missing':
      return { name: 'store', status: 'ok', detail: `${storePath} does not exist yet (created on the first run)` };
    case 'ok':
      return { name: 'store', status: 'ok', detail: `${storePath} (SQLite, quick_check ok)` };
    case 'damaged':
      return { name: 'store', status: 'fail', detail: `${storePath}: ${health.error.message}`, ...(health.error.fix ? { fix: health.error.fix } : {}) };
    case 'unknown':
      return { name: 'store', status: 'warn', detail: `${storePath}: ${health.error.message}`, ...(health.error.fix ? { fix: health.error.fix } : {}) };
  }
}

export async function runDoctor(options: { storePath?: string; python?: string } = {}): Promise<DoctorReport> {
  const checks: Check[] = [
    nodeCheck(),
    sqliteCheck(),
    onnxCheck(),
    await gpuCheck(),
    options.python
      ? await toolCheck('python', options.python, ['--version'], 'Set sextant.pythonPath to an existing Python interpreter (e.g. .venv/bin/python), or clear it to use python3 on PATH.')
      : await toolCheck('python', 'python3', ['--version'], 'Install Python 3 to run Python training scripts (built-in stages do not need it).'),
    await toolCheck('git', 'git', ['--version'], 'Install git so runs record their commit.'),
  ];
  if (options.storePath) checks.push(storeCheck(options.storePath));
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}
