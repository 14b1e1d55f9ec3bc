// `datasets.<name>.version` pins checked by the real language server (its own process over stdio) against
// a real store: a version the store does not have is an error at the pin; a file whose content changed
// since the pinned version is a warning naming the version it is now, with a quick fix to pin that one;
// a pin that holds publishes nothing; a pin that is not a whole number is the schema's error.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerDatasetVersion } from '../../src/engine/data/versions/register';
import { openStore } from '../../src/engine/store/open';
import { buildServer } from '../support/buildServer';
import { LspClient, offsetAt, type Diag, type PublishParams } from '../support/lspClient';
import { tempDir } from './tempDir';

const pipeline = (pin: number | string): string => `version: 1
name: pins
datasets:
  iris:
    path: data/iris.csv
    version: ${pin}
stages:
  train:
    run: echo train
    deps: [data/iris.csv]
`;

async function register(dir: string, content: string): Promise<number> {
  writeFileSync(join(dir, 'data', 'iris.csv'), content);
  const db = openStore(join(dir, '.sextant', 'sextant.db'), { create: true });
  assert.ok(db.ok, db.ok ? '' : db.error.message);
  try {
    const r = await registerDatasetVersion(db.value, { name: 'iris', file: join(dir, 'data', 'iris.csv'), root: dir });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value.version.version;
  } finally {
    db.value.close();
  }
}

describe('dataset version pins in the language server', function () {
  this.timeout(60_000);
  let server: string;
  let client: LspClient;
  let dir: string;
  let uri: string;
  let version = 1;

  before(async () => {
    server = await buildServer();
  });

  beforeEach(async () => {
    dir = tempDir('sextant-pin-');
    mkdirSync(join(dir, 'data'));
    client = LspClient.spawn(process.execPath, [server, '--stdio']);
    await client.initialize(pathToFileURL(dir).toString());
    uri = pathToFileURL(join(dir, 'sextant.yaml')).toString();
  });

  afterEach(async () => {
    await client.stop();
  });

  /** Opens (or replaces) the document and waits for the diagnostics that satisfy `until`. */
  async function diagnosticsOf(text: string, until: (ds: Diag[]) => boolean, open: boolean): Promise<Diag[]> {
    writeFileSync(join(dir, 'sextant.yaml'), text);
    const published = client.waitFor<PublishParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && until(p.diagnostics));
    if (open) client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'sextant-pipeline', version: version++, text } });
    else client.notify('textDocument/didChange', { textDocument: { uri, version: version++ }, contentChanges: [{ text }] });
    return (await published).diagnostics;
  }

  const pinRange = (text: string, ds: Diag[], code: string): Diag => {
    const d = ds.find((x) => x.code === code);
    assert.ok(d, `no ${code} in ${JSON.stringify(ds)}`);
    assert.equal(text.slice(offsetAt(text, d.range.start), offsetAt(text, d.range.end)), text.match(/ {4}version: (\S+)/)![1], 'the range is the pinned number');
    return d;
  };

  it('a version the store does not have is an error at the pin, naming the versions there are', async () => {
    await register(dir, 'sepal,species\n5.1,setosa\n');
    const text = pipeline(3);
    const ds = await diagnosticsOf(text, (d) => d.some((x) => x.code === 'unknown-dataset-version'), true);
    const d = pinRange(text, ds, 'unknown-dataset-version');
    assert.equal(d.severity, 1, 'error');
    assert.equal(d.message, 'Dataset "iris" has no version 3 in this workspace\'s store (versions 1 to 1). Pin an existing version (`sextant data list`).');
    // fixed to the version that exists: the finding goes away
    const fixed = await diagnosticsOf(pipeline(1), (x) => !x.some((y) => y.code === 'unknown-dataset-version'), false);
    assert.deepEqual(fixed, []);
  });

  it('a changed file is a warning naming the version it is now, with a quick fix to pin it; an unregistered content says how to register it', async () => {
    await register(dir, 'sepal,species\n5.1,setosa\n');
    const v2 = await register(dir, 'sepal,species\n5.1,setosa\n6.3,virginica\n');
    assert.equal(v2, 2);
    const text = pipeline(1);
    const ds = await diagnosticsOf(text, (d) => d.some((x) => x.code === 'dataset-version-changed'), true);
    const d = pinRange(text, ds, 'dataset-version-changed');
    assert.equal(d.severity, 2, 'warning');
    assert.match(d.message, /^"data\/iris\.csv" is no longer version 1 of dataset "iris" \(sha256 [0-9a-f]{12}…\): its content is version 2\. Pin version 2, or restore the file\.$/);
    const actions = await client.codeActionsFor<{ title: string; edit: { changes: Record<string, { newText: string }[]> } }>(uri, d);
    const pin2 = actions.find((a) => a.title === 'Change to "2"');
    assert.ok(pin2, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(pin2.edit.changes[uri]![0]!.newText, '2');

    // content never registered
    writeFileSync(join(dir, 'data', 'iris.csv'), 'sepal,species\n1,x\n');
    const other = await diagnosticsOf(pipeline(2), (x) => x.some((y) => y.code === 'dataset-version-changed' && y.message.includes('is not registered')), false);
    assert.match(other.find((x) => x.code === 'dataset-version-changed')!.message, /no longer version 2 .* is not registered\. Restore the file, or register it \(`sextant data add data\/iris\.csv --name iris`\) and pin the new version\.$/);
  });

  it('no store yet: a pin is reported with how to register the file', async () => {
    writeFileSync(join(dir, 'data', 'iris.csv'), 'sepal\n1\n');
    const ds = await diagnosticsOf(pipeline(1), (d) => d.some((x) => x.code === 'unknown-dataset-version'), true);
    assert.match(ds[0]!.message, /no store yet.*`sextant data add data\/iris\.csv --name iris`/);
  });

  it('a pin that is not a whole number from 1 is a schema error, not a store lookup', async () => {
    await register(dir, 'sepal\n1\n');
    const ds = await diagnosticsOf(pipeline('latest'), (d) => d.length > 0, true);
    assert.deepEqual(ds.map((d) => d.code), ['wrong-type']);
  });
});
