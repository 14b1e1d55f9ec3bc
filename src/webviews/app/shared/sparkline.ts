/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// A small inline SVG line of a series (gaps where a value is not finite): the run details panel's metric
// table and the model card's evaluation history.
import './charts.css';
import { h } from './vscodeApi';

const SVG = 'http://www.w3.org/2000/svg';

/** `values[i]` at `steps[i]` (steps increasing); null: not finite. `dots` marks each point (few points). */
export function sparkline(steps: number[], values: (number | null)[], label: string, options: { width?: number; height?: number; dots?: boolean } = {}): Node {
  const W = options.width ?? 120;
  const H = options.height ?? 22;
  const finite = values.filter((v): v is number => v !== null);
  if (finite.length === 0) return h('span', { class: 'note' }, 'no finite value');
  if (steps.length < 2) return h('span', { class: 'note' }, 'one value');
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', String(W));
  svg.setAttribute('height', String(H));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const x0 = steps[0]!;
  const x1 = steps[steps.length - 1]!;
  const px = (s: number): number => (x1 === x0 ? W / 2 : ((s - x0) / (x1 - x0)) * (W - 4) + 2);
  const py = (v: number): number => (hi === lo ? H / 2 : H - 2 - ((v - lo) / (hi - lo)) * (H - 4));
  let run: string[] = [];
  const flush = (): void => {
    if (run.length === 1) run.push(run[0]!);
    if (run.length) {
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', run.join(' '));
      svg.append(line);
    }
    run = [];
  };
  values.forEach((v, i) => {
    if (v === null) flush();
    else {
      run.push(`${px(steps[i]!).toFixed(1)},${py(v).toFixed(1)}`);
      if (options.dots) {
        const dot = document.createElementNS(SVG, 'circle');
        dot.setAttribute('cx', px(steps[i]!).toFixed(1));
        dot.setAttribute('cy', py(v).toFixed(1));
        dot.setAttribute('r', '1.8');
        svg.append(dot);
      }
    }
  });
  flush();
  return svg;
}
