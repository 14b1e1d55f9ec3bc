// A `sextant/drift` stage's verdict is kept in the store like the monitor's (drift_checks, with the stage and
// its run), so the language server's drift finding and hover (src/engine/pipeline/driftFindings.ts) name it too.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { listDriftChecks } from '../../src/engine/monitor/checks';
import { runPipeline } from '../../src/engine/runner/executor';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { writeDriftCsv } from './driftData';
import { tempDir } from './tempDir';

describe('sextant/drift stage: its verdict is recorded', function () {
  this.timeout(60_000);

  it('records the check with the stage and its run', async () => {
    const dir = tempDir('sextant-drift-stage-');
    mkdirSync(join(dir, 'data'));
    writeDriftCsv(join(dir, 'data', 'reference.csv'), { rows: 400, shift: 0, seed: 1 });
    writeDriftCsv(join(dir, 'data', 'live.csv'), { rows: 400, shift: 1, seed: 2 });
    writeFileSync(
      join(dir, 'sextant.yaml'),
      stringify({
        version: 1,
        name: 'checked',
        datasets: { reference: { path: 'data/reference.csv' }, live: { path: 'data/live.csv' } },
        stages: { check: { uses: 'sextant/drift', with: { reference: 'reference', current: 'live' } } },
      }),
    );
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.ok(opened.ok);
    const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], tracker: new StoreTracker(opened.value) });
    assert.ok(r.ok);
    const stage = r.value.stages.find((s) => s.name === 'check')!;
    assert.equal(stage.status, 'failed');
    assert.match(stage.reason ?? '', /drifted/);
    const checks = listDriftChecks(opened.value.db);
    opened.value.close(true);
    assert.equal(checks.length, 1);
    const [check] = checks;
    assert.equal(check!.stage, 'check');
    assert.equal(check!.run_uid, stage.run_id);
    assert.equal(check!.reference, 'reference');
    assert.equal(check!.current, 'live');
    assert.equal(check!.dataset_drift, true);
    assert.ok(check!.columns.some((c) => c.column === 'age' && c.drifted));
    assert.equal(check!.on_drift, null);
  });
});
