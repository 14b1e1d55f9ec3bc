// The list of benches `npm run bench` runs, in order. `npm run bench -- NAME` runs one.
import { activationBench } from './activation.bench';
import { storeBench } from './store.bench';
import { bigStoreBench } from './bigStore.bench';
import { sidebarBench } from './sidebar.bench';
import { runnerBench } from './runner.bench';
import { lspBench } from './lsp.bench';
import { pythonBench } from './python.bench';
import { driftBench } from './drift.bench';
import { webviewBench } from './webview.bench';
import { dataBench } from './data.bench';
import { evaluateBench } from './evaluate.bench';
import { serveBench } from './serve.bench';
import { trainBench } from './train.bench';
import { mlflowImportBench } from './mlflowImport.bench';
import { mlflowServerBench } from './mlflowServer.bench';
import { shapBench } from './shap.bench';
import type { Bench } from './util';

export const BENCHES: Bench[] = [activationBench, storeBench, bigStoreBench, sidebarBench, runnerBench, lspBench, pythonBench, driftBench, webviewBench, dataBench, evaluateBench, serveBench, trainBench, mlflowImportBench, mlflowServerBench, shapBench];
