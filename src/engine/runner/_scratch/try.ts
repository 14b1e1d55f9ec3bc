import { runPipeline } from '../executor';
import { Tracker } from '../../tracking/tracking';
import { workspaceLayout } from '../../workspace/layout';
import { StoreTracker } from '../storeTracker';
(async () => {
  const root = process.argv[2]!;
  const t = Tracker.open(workspaceLayout(root), { create: true });
  if (!t.ok) throw new Error(t.error.message);
  const r = await runPipeline({ file: root + '/sextant.yaml', tracker: new StoreTracker(t.value, console.warn), stages: process.argv.slice(3), onEvent: (e) => { if (e.type === 'stage-log') console.log(`  [${e.stage}] ${e.line}`); else if (e.type === 'stage-end') console.log(e.result.name, e.result.status, e.result.duration_ms.toFixed(0), e.result.reason ?? ''); else if (e.type === 'warning') console.log('WARN', e.message); } });
  console.log(JSON.stringify(r.ok ? { status: r.value.status, d: r.value.duration_ms } : r.error));
})();
