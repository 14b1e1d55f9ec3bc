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
