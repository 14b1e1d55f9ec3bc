// Regenerates the demo workspace's data from the Palmer penguins data set (CC0) that the
// vega-datasets npm package ships. The outputs are committed under media/demo/data/.
//   train: Torgersen and Dream islands plus the first 40% of Biscoe's rows
//   live:  the rest of Biscoe (mostly Gentoo: a real shift in species mix and body size, for drift)
import { readFileSync, writeFileSync } from 'node:fs';



const rows = JSON.parse(readFileSync(new URL('../node_modules/vega-datasets/data/penguins.json', import.meta.url), 'utf8'));
const columns = [
  ['species', 'Species'],
  ['island', 'Island'],
  ['bill_length_mm', 'Beak Length (mm)'],
  ['bill_depth_mm', 'Beak Depth (mm)'],
  ['flipper_length_mm', 'Flipper Length (mm)'],
  ['body_mass_g', 'Body Mass (g)'],
  ['sex', 'Sex'],
];
const cell = (v) => (v === null || v === undefined || v === '.' ? '' : String(v).toLowerCase());
const toCsv = (list) => [columns.map(([c]) => c).join(','), ...list.map((r) => columns.map(([, k]) => cell(r[k])).join(','))].join('\n') + '\n';

const biscoe = rows.filter((r) => r.Island === 'Biscoe');
const cut = Math.floor(biscoe.length * 0.4);
const train = [...rows.filter((r) => r.Island !== 'Biscoe'), ...biscoe.slice(0, cut)];
const live = biscoe.slice(cut);
writeFileSync('media/demo/data/penguins.csv', toCsv(train));
writeFileSync('media/demo/data/penguins-live.csv', toCsv(live));
console.log(`penguins.csv: ${train.length} rows; penguins-live.csv: ${live.length} rows`);
