// GPU discovery through `nvidia-smi --query-gpu=... --format=csv,noheader,nounits`.
import { execFile } from 'node:child_process';
import { z } from 'zod';
import { fail, ok, type Result } from '../result';

const GPU_QUERY_FIELDS = ['index', 'uuid', 'name', 'memory.total', 'memory.used', 'utilization.gpu', 'driver_version'] as const;

export const GpuSchema = z.object({
  index: z.number().int().nonnegative(),
  uuid: z.string(),
  name: z.string(),
  memoryTotalMiB: z.number().nullable(),
  memoryUsedMiB: z.number().nullable(),
  utilizationPercent: z.number().nullable(),
  driverVersion: z.string(),
});
export type Gpu = z.infer<typeof GpuSchema>;

/** nvidia-smi prints "[N/A]" or "[Not Supported]" for fields a GPU cannot report. */
function numberOrNull(field: string): number | null {
  const trimmed = field.trim();
  if (trimmed === '' || trimmed.startsWith('[')) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/** Parses the CSV output (noheader, nounits) of GPU_QUERY_FIELDS; one line per GPU, none when there are none. */
export function parseNvidiaSmiCsv(output: string): Result<Gpu[]> {
  const gpus: Gpu[] = [];
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  for (const [i, line] of lines.entries()) {
    if (/^No devices were found/i.test(line)) return ok([]);
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length !== GPU_QUERY_FIELDS.length) {
      return fail({ code: 'nvidia-smi-parse', line: i + 1, message: `nvidia-smi line ${i + 1} has ${fields.length} fields, expected ${GPU_QUERY_FIELDS.length}: "${line.slice(0, 120)}"` });
    }
    const [index, uuid, name, memTotal, memUsed, util, driver] = fields as [string, string, string, string, string, string, string];
    const parsedIndex = Number(index);
    if (!Number.isInteger(parsedIndex) || parsedIndex < 0) {
      return fail({ code: 'nvidia-smi-parse', line: i + 1, message: `nvidia-smi line ${i + 1}: GPU index "${index}" is not a number` });
    }
    gpus.push({ index: parsedIndex, uuid, name, memoryTotalMiB: numberOrNull(memTotal), memoryUsedMiB: numberOrNull(memUsed), utilizationPercent: numberOrNull(util), driverVersion: driver });
  }
  return ok(gpus);
}

/** A process using a GPU (`nvidia-smi --query-compute-apps`): its pid as nvidia-smi sees it, the GPU's UUID, its memory. */
export const ComputeAppSchema = z.object({
  pid: z.number().int().positive(),
  gpuUuid: z.string(),
  usedMemoryMiB: z.number().nullable(),
});
export type ComputeApp = z.infer<typeof ComputeAppSchema>;

const APP_QUERY_FIELDS = ['pid', 'gpu_uuid', 'used_memory'] as const;

/** Parses the CSV output (noheader, nounits) of APP_QUERY_FIELDS; empty (or "No running processes found") when none. */
export function parseComputeAppsCsv(output: string): Result<ComputeApp[]> {
  const apps: ComputeApp[] = [];
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  for (const [i, line] of lines.entries()) {
    if (/^No running (compute )?processes found/i.test(line)) return ok([]);
    const fields = line.split(',').map((f) => f.trim());
    const pid = Number(fields[0]);
    if (fields.length !== APP_QUERY_FIELDS.length || !Number.isInteger(pid) || pid <= 0) {
      return fail({ code: 'nvidia-smi-parse', line: i + 1, message: `nvidia-smi --query-compute-apps line ${i + 1} is not "pid, gpu_uuid, used_memory": "${line.slice(0, 120)}"` });
    }
    apps.push({ pid, gpuUuid: fields[1]!, usedMemoryMiB: numberOrNull(fields[2]!) });
  }
  return ok(apps);
}

/** The processes using a GPU, with their memory (nvidia-smi --query-compute-apps). */
export function queryComputeApps(command = 'nvidia-smi', timeoutMs = 5000): Promise<Result<ComputeApp[]>> {
  const args = [`--query-compute-apps=${APP_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) return resolve(fail({ code: 'nvidia-smi-failed', message: `nvidia-smi --query-compute-apps failed: ${`${stderr || stdout || err.message}`.trim().split('\n')[0]}` }));
      resolve(parseComputeAppsCsv(stdout));
    });
  });
}

/** Runs nvidia-smi. No binary means no NVIDIA GPU (an empty list), not an error. */
export function detectGpus(command = 'nvidia-smi', timeoutMs = 5000): Promise<Result<Gpu[]> & { found: boolean }> {
  const args = [`--query-gpu=${GPU_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ ...ok([]), found: false });
      if (err) {
        const text = `${stderr || stdout || err.message}`.trim();
        if (/No devices were found/i.test(text)) return resolve({ ...ok([]), found: true });
        return resolve({ ...fail({ code: 'nvidia-smi-failed', message: `nvidia-smi failed: ${text.split('\n')[0]}`, fix: 'Check the NVIDIA driver (`nvidia-smi` in a terminal).' }), found: true });
      }
      resolve({ ...parseNvidiaSmiCsv(stdout), found: true });
    });
  });
}
