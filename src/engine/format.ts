// Durations and sizes as a person reads them, the same in the CLI, the task terminal, the views and error
// messages. Imports nothing: extension-side code may import it without loading the engine.

/** `850 ms`, `1.5 s`, `2 min 5 s`, `3 h 20 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `512 B`, `1.5 KiB`, `64 KiB`, `10 MiB`, `120 MiB` (powers of 1024; one decimal below 10, none from 10 up). */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit > 0 && value < 10 && value.toFixed(1) !== '10.0') return `${value.toFixed(1).replace(/\.0$/, '')} ${BYTE_UNITS[unit]}`;
  const whole = Math.round(value);
  // 1023.7 KiB rounds to 1024 KiB: say 1 MiB
  return whole >= 1024 && unit < BYTE_UNITS.length - 1 ? `1 ${BYTE_UNITS[unit + 1]}` : `${whole} ${BYTE_UNITS[unit]}`;
}
