import { strict as assert } from 'node:assert';
import { renderEvent, renderProgress, stripAnsi } from '../../src/engine/runner/render';

describe('runner: terminal rendering (sextant run and the VS Code task)', () => {
  const text = (lines: string[]): string => stripAnsi(lines.join('\n'));
  it('renders starts, logs, results with reasons, and the summary', () => {
    assert.equal(text(renderEvent({ type: 'stage-start', stage: 'train', run_id: 'r', devices: [1] })), '▶ train on GPU 1');
    assert.equal(text(renderEvent({ type: 'stage-log', stage: 'train', stream: 'stderr', line: 'warning: x' })), 'train     │ warning: x');
    assert.equal(
      text(renderEvent({ type: 'stage-end', result: { name: 'train', status: 'failed', duration_ms: 1500, run_id: 'r', reason: 'Exited with code 3.', gpu: { devices: [0], peakUtilizationPercent: 90, peakMemoryMiB: 2048 } } })),
      '✗ train failed 1.5 s (GPU 0, peak 90%, 2048 MiB)\n    Exited with code 3.',
    );
    assert.equal(text(renderEvent({ type: 'stage-end', result: { name: 'model', status: 'cached', duration_ms: 2, run_id: 'r', restored: ['m.onnx'] } })), '= model cached 2 ms (restored m.onnx)');
    const summary = renderEvent({ type: 'pipeline-end', result: { file: 'f', status: 'failed', run_id: 'p', duration_ms: 61_000, warnings: [], stages: [{ name: 'a', status: 'ran', duration_ms: 1, run_id: 'x' }, { name: 'b', status: 'failed', duration_ms: 1, run_id: 'y' }, { name: 'c', status: 'skipped', duration_ms: 0, run_id: null }] } });
    assert.equal(text(summary), 'Pipeline failed in 1 min 1 s: 1 ran, 1 failed, 1 skipped');
    assert.ok(summary[0]!.includes('\x1b[31m'), 'failure in red');
  });
  it('renders the progress line with each running stage, its GPU and elapsed time', () => {
    const running = new Map([['train', { started: 0, devices: [0] }], ['lint', { started: 500 }]]);
    assert.equal(stripAnsi(renderProgress(2, 5, running, 2500)), '▶ [2/5] train (GPU 0) 2.5 s, lint 2.0 s');
  });
});
