/**
 * Self-test of the end-to-end harness with a throwaway extension (fixtures/hello-ext): packages it
 * into a .vsix, installs it into code-server, and drives VS Code through Chromium: diagnostic in
 * the Problems panel, hover, quick fix applied through the UI and saved to disk, then the
 * fixture's extension-host test module.
 *
 * Not part of `npm test` (spec `test/**\/*.test.ts`). Run it with:
 *
 *   npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/harness.e2e.ts
 *
 * Screenshots go to test-output/e2e/. The run directory (server log, settings, profiles) is kept
 * and printed when a test fails, removed otherwise.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  applyQuickFix,
  createRunDir,
  ensureE2eSetup,
  hoverAt,
  hoverSquiggle,
  launchBrowser,
  listQuickFixes,
  openProblemsPanel,
  openWorkspace,
  packageVsix,
  quickOpen,
  readEditorText,
  runExtensionHostTests,
  saveActiveEditor,
  screenshot,
  startCodeServer,
  waitForDirty,
  waitForFile,
  waitForProblems,
  waitForSquiggles,
  type BrowserSession,
  type CodeServer,
} from './harness';

const FIXTURE = path.join(__dirname, 'fixtures', 'hello-ext');
const SAMPLE = 'import os\n\nx = hello_bug + 1\nprint(x)\n';
const FIXED = 'import os\n\nx = hello_fixed + 1\nprint(x)\n';

/** Creates a workspace folder with one Python file. */
function makeWorkspace(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'sample.py'), SAMPLE);
  return dir;
}

describe('e2e harness: hello-ext in code-server + Chromium', function () {
  this.timeout(300_000);

  let runDir: string;
  let workspace: string;
  let server: CodeServer | undefined;
  let browser: BrowserSession | undefined;
  let failed = false;
  const timings: string[] = [];
  const timed = async <T>(label: string, action: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    const result = await action();
    timings.push(`${label}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
    return result;
  };

  before(async function () {
    await timed('setup check', async () => ensureE2eSetup());
    runDir = createRunDir('harness');
    workspace = makeWorkspace(path.join(runDir, 'workspace'));
    const vsix = await timed('vsce package', () =>
      packageVsix({
        extensionDir: FIXTURE,
        outFile: path.join(runDir, 'hello-ext.vsix'),
        extraArgs: ['--no-dependencies', '--allow-missing-repository', '--skip-license'],
      }),
    );
    server = await timed('install vsix + start code-server', () => startCodeServer({ runDir, workspace, vsix }));
    browser = await timed('launch chromium', () => launchBrowser({ runDir }));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      failed = true;
      if (browser) await screenshot(browser.page, `harness-failed-${this.currentTest.title}`).catch(() => undefined);
    }
  });

  after(async function () {
    await timed('close chromium', async () => browser?.close());
    await timed('stop code-server', async () => server?.stop());
    if (timings.length) console.log(`      timings: ${timings.join(', ')}`);
    if (failed) console.log(`      run directory kept: ${runDir}`);
    else if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
  });

  it('shows the extension diagnostic in the Problems panel', async function () {
    const page = browser!.page;
    await timed('open workspace', () => openWorkspace(page, server!, workspace));
    await timed('quick open', () => quickOpen(page, 'sample.py'));
    await timed('first squiggle', () => waitForSquiggles(page, 'warning'));
    await openProblemsPanel(page);
    const problems = await waitForProblems(page, (rows) => rows.some((r) => r.code === 'HELLO001'));
    assert.deepEqual(
      problems.map(({ file, severity, message, source, code, line, column }) => ({ file, severity, message, source, code, line, column })),
      [
        {
          file: path.join(workspace, 'sample.py'),
          severity: 'warning',
          message: 'hello_bug should be hello_fixed',
          source: 'hello-ext',
          code: 'HELLO001',
          line: 3,
          column: 5,
        },
      ],
    );
    await screenshot(page, 'harness-problems');
  });

  it('shows the hover over the squiggle and at a position', async function () {
    const page = browser!.page;
    const mouseHover = await hoverSquiggle(page, { severity: 'warning', contains: 'hello-ext hover' });
    assert.match(mouseHover, /hello_bug should be hello_fixed/);
    await screenshot(page, 'harness-hover');
    const keyboardHover = await hoverAt(page, 3, 7, { contains: 'hello-ext hover' });
    assert.match(keyboardHover, /HELLO001/);
  });

  it('applies the quick fix through the UI and saves it', async function () {
    const page = browser!.page;
    assert.deepEqual(await listQuickFixes(page, { line: 3, column: 7 }), ['Replace with hello_fixed']);
    await applyQuickFix(page, 'Replace with hello_fixed', { position: { line: 3, column: 7 } });
    await waitForDirty(page);
    assert.equal(await readEditorText(page), FIXED);
    assert.equal(fs.readFileSync(path.join(workspace, 'sample.py'), 'utf8'), SAMPLE, 'not saved yet');
    await saveActiveEditor(page);
    await waitForFile(path.join(workspace, 'sample.py'), (text) => text === FIXED);
    await openProblemsPanel(page);
    await waitForProblems(page, (rows) => rows.length === 0);
    await screenshot(page, 'harness-fixed');
  });

  it('runs the extension-host test module (exit code 0)', async function () {
    const testWorkspace = makeWorkspace(path.join(runDir, 'workspace-exthost'));
    const result = await timed('extension-host tests', () =>
      runExtensionHostTests({
        server: server!,
        browser,
        extensionDevelopmentPath: FIXTURE,
        extensionTestsPath: path.join(FIXTURE, 'out', 'test', 'index.js'),
        workspace: testWorkspace,
      }),
    );
    const testLines = result.output.filter((l) => l.message.startsWith('[hello-ext tests]')).map((l) => l.message);
    assert.equal(result.exitCode, 0, `exit code ${result.exitCode}; output:\n${testLines.join('\n')}`);
    assert.deepEqual(result.results, {
      passed: [
        'the extension activates on a Python file',
        'hello_bug gets a HELLO001 warning',
        'the quick fix replaces the word',
        'the hover explains the diagnostic',
      ],
      failed: [],
    });
    assert.ok(testLines.includes('[hello-ext tests] 4 passed, 0 failed'), testLines.join('\n'));
    assert.ok(result.logs.some((l) => l.relativePath === 'window.log'));
  });
});
