// `npm run bench`: prints figures (medians over repeats, and ratios against anchors where they run here).
// Benchmarks are not tests: nothing here asserts on time.
import { BENCHES } from './benches';

async function run(): Promise<void> {
  const only = process.argv.slice(2);
  for (const bench of BENCHES) {
    if (only.length > 0 && !only.includes(bench.name)) continue;
    process.stdout.write(`\n## ${bench.name}\n`);
    await bench.run((line) => process.stdout.write(`${line}\n`));
  }
}

void run();
