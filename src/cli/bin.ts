// Entry of dist/cli.js: `bin/sextant.js` calls runFromProcess; `node dist/cli.js …` (the editor's tasks,
// src/runner/cliProcess.ts) runs it here. Kept out of main.ts so that another bundle importing the CLI
// (the benches) does not run it on its own arguments.
import { runFromProcess } from './main';

export { runFromProcess };

if (require.main === module) runFromProcess();
