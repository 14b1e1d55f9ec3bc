// One formatter for durations and one for sizes (src/engine/format.ts), used by the CLI, the task terminal, the views and messages.
import { strict as assert } from 'node:assert';
import { formatBytes, formatDuration } from '../../src/engine/format';

describe('format: durations and sizes', () => {
  it('durations: ms, tenths of seconds, minutes and seconds, hours and minutes, never "60 s" or "60 min"', () => {
    const cases: Array<[number, string]> = [
      [0, '0 ms'], [-5, '0 ms'], [NaN, '0 ms'], [2, '2 ms'], [999.4, '999 ms'], [999.6, '1.0 s'], [1500, '1.5 s'], [59_940, '59.9 s'], [59_960, '1 min 0 s'],
      [61_000, '1 min 1 s'], [119_600, '2 min 0 s'], [3_599_400, '59 min 59 s'], [3_599_600, '1 h 0 min'], [3_600_000 * 3 + 20 * 60_000, '3 h 20 min'], [3_600_000 * 30, '30 h 0 min'],
    ];
    for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, `${ms} ms`);
  });

  it('sizes: powers of 1024, one decimal below 10, never "1024 KiB"', () => {
    const cases: Array<[number, string]> = [
      [0, '0 B'], [512, '512 B'], [1023, '1023 B'], [1024, '1 KiB'], [1536, '1.5 KiB'], [10_188, '9.9 KiB'], [10_230, '10 KiB'], [65_536, '64 KiB'],
      [1024 * 1024 - 100, '1 MiB'], [10 * 1024 * 1024, '10 MiB'], [1.25 * 1024 ** 3, '1.3 GiB'], [5 * 1024 ** 5, '5120 TiB'],
    ];
    for (const [bytes, text] of cases) assert.equal(formatBytes(bytes), text, `${bytes} bytes`);
  });
});
