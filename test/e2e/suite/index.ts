/**
 * Extension-host test suite of the packaged normlint extension. It runs inside VS Code's
 * extension host (code-server), loaded through `extensionTestsPath`, with the real `vscode` API,
 * against the normlint extension installed from the VSIX (the development extension that carries
 * this module is an empty stub with another id, so it cannot shadow the installed one).
 *
 * `../vscode.e2e.ts` bundles this file with esbuild (cjs, `vscode` external) into the stub's
 * folder, writes the expectations (from the CLI's JSON output on the same workspace; see
 * `./expectations.ts`), and opens a window on a fresh copy of `examples/`.
 *
 * Contract (like `@vscode/test-electron`): VS Code calls the exported {@link run}; it resolves
 * when every test passed and rejects otherwise (window exit code 0 or 1). Each test is a named
 * async function run in order, with its own timeout; the outcome is logged (`[normlint suite]
 * ok - name` / `not ok - name: error`) and written as JSON ({@link SuiteResults}) to the file
 * named by `E2E_EXTENSION_TEST_RESULTS`.
 *
 * @module
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { EXPECTATIONS_ENV, LOG_PREFIX, type ExpectedFinding, type SuiteExpectations, type SuiteResults } from './expectations';

// ---------------------------------------------------------------------------------------------
// Helpers

const log = (message: string): void => console.log(`${LOG_PREFIX} ${message}`);

/** Polls `probe` every 50 ms until it returns a value other than undefined/null/false. */
async function waitFor<T>(description: string | (() => string), probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof description === 'string' ? description : description()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function loadExpectations(): SuiteExpectations {
  const file = process.env[EXPECTATIONS_ENV];
  if (!file) throw new Error(`${EXPECTATIONS_ENV} is not set`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteExpectations;
}

function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open');
  return folder.uri;
}

const uriOf = (relative: string): vscode.Uri => vscode.Uri.joinPath(workspaceRoot(), ...relative.split('/'));
const relativeOf = (uri: vscode.Uri): string => path.posix.relative(workspaceRoot().path, uri.path);

async function show(relative: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(uriOf(relative));
  return vscode.window.showTextDocument(document);
}

/** A published diagnostic with its workspace-relative file. */
interface FoundDiagnostic {
  file: string;
  uri: vscode.Uri;
  diagnostic: vscode.Diagnostic;
}

function normlintDiagnostics(): FoundDiagnostic[] {
  return vscode.languages
    .getDiagnostics()
    .flatMap(([uri, diagnostics]) => diagnostics.filter((d) => d.source === 'normlint').map((diagnostic) => ({ file: relativeOf(uri), uri, diagnostic })));
}

const codeOf = (d: vscode.Diagnostic): string =>
  typeof d.code === 'object' && d.code !== null ? String(d.code.value) : d.code === undefined ? '' : String(d.code);
const keyOf = (file: string, line: number, code: string): string => `${file}:${line}:${code}`;
const foundKey = (f: FoundDiagnostic): string => keyOf(f.file, f.diagnostic.range.start.line + 1, codeOf(f.diagnostic));
const expectedKey = (f: ExpectedFinding): string => keyOf(f.file, f.line, f.code);
const sortedKeys = (keys: Iterable<string>): string[] => [...keys].sort();

/** Waits until the published normlint diagnostics are exactly `findings` (by file, line, code). */
async function waitForFindings(findings: readonly ExpectedFinding[], timeoutMs = 30_000): Promise<FoundDiagnostic[]> {
  const want = JSON.stringify(sortedKeys(findings.map(expectedKey)));
  let last: string[] = [];
  return waitFor(
    () => `the normlint diagnostics ${want} (published: ${JSON.stringify(last)})`,
    () => {
      const found = normlintDiagnostics();
      last = sortedKeys(found.map(foundKey));
      return JSON.stringify(last) === want ? found : undefined;
    },
    timeoutMs,
  );
}

const SEVERITY: Record<ExpectedFinding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Applies text edits (non-overlapping, any order) to `text`. */
function applyTextEdits(document: vscode.TextDocument, edits: readonly vscode.TextEdit[]): string {
  const text = document.getText();
  const sorted = [...edits].sort((a, b) => document.offsetAt(b.range.start) - document.offsetAt(a.range.start));
  let result = text;
  for (const edit of sorted) {
    result = result.slice(0, document.offsetAt(edit.range.start)) + edit.newText + result.slice(document.offsetAt(edit.range.end));
  }
  return result;
}

/** The text edits a code action's workspace edit makes to `uri` (and asserts it touches nothing else). */
function editsFor(action: vscode.CodeAction, uri: vscode.Uri): vscode.TextEdit[] {
  assert.ok(action.edit, `"${action.title}" has an edit`);
  const entries = action.edit.entries();
  assert.deepEqual(
    entries.map(([u]) => u.toString()),
    [uri.toString()],
    `"${action.title}" edits only ${relativeOf(uri)}`,
  );
  return entries[0][1];
}

/** Code actions, as opposed to bare commands, in what `vscode.executeCodeActionProvider` returns. */
const isCodeAction = (action: vscode.CodeAction | vscode.Command): action is vscode.CodeAction => typeof action.command !== 'string';

function hoverText(hovers: readonly vscode.Hover[]): string {
  return hovers
    .flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value)))
    .join('\n---\n');
}

function findingsIn(expect: SuiteExpectations, file: string): ExpectedFinding[] {
  return expect.findings.filter((f) => f.file === file);
}

function findingOf(expect: SuiteExpectations, code: string, file?: string): ExpectedFinding {
  const finding = expect.findings.find((f) => f.code === code && (file === undefined || f.file === file));
  assert.ok(finding, `an expected ${code} finding${file ? ` in ${file}` : ''}`);
  return finding;
}

// ---------------------------------------------------------------------------------------------
// Tests

type Test = (expect: SuiteExpectations) => Promise<void>;

const tests: [name: string, test: Test, timeoutMs?: number][] = [
  [
    'the normlint extension is the installed VSIX, not a development copy',
    async (expect) => {
      const extension = vscode.extensions.getExtension(expect.extensionId);
      assert.ok(extension, `${expect.extensionId} is installed`);
      const installedIn = path.resolve(expect.extensionsDir) + path.sep;
      assert.ok(extension.extensionUri.fsPath.startsWith(installedIn), `loaded from ${extension.extensionUri.fsPath}, expected under ${installedIn}`);
      assert.equal((extension.packageJSON as { version?: string }).version, expect.version);
      assert.equal(vscode.extensions.all.filter((e) => e.id.toLowerCase() === expect.extensionId.toLowerCase()).length, 1);
    },
  ],
  [
    'it activates when a Python file is opened',
    async (expect) => {
      await show(expect.momentumLayer.file);
      const extension = vscode.extensions.getExtension(expect.extensionId);
      assert.ok(extension);
      await waitFor('the extension to be active', () => extension.isActive, 20_000);
    },
  ],
  [
    'every finding of the examples is published, with position, severity, message and source',
    async (expect) => {
      const found = await waitForFindings(expect.findings);
      for (const finding of expect.findings) {
        const match = found.find((f) => foundKey(f) === expectedKey(finding));
        assert.ok(match);
        const { range, severity, message, source } = match.diagnostic;
        assert.deepEqual(
          { start: [range.start.line + 1, range.start.character + 1], end: [range.end.line + 1, range.end.character + 1], severity, message, source },
          {
            start: [finding.line, finding.column],
            end: [finding.endLine, finding.endColumn],
            severity: SEVERITY[finding.severity],
            message: finding.message,
            source: 'normlint',
          },
          expectedKey(finding),
        );
      }
    },
  ],
  [
    'each diagnostic links to its rule documentation (code.target ends with /docs/rules/<code>.md)',
    async (expect) => {
      const found = await waitForFindings(expect.findings);
      for (const { diagnostic, file } of found) {
        const code = codeOf(diagnostic);
        assert.ok(typeof diagnostic.code === 'object' && diagnostic.code !== null, `${file}: ${code} has a code description`);
        const target = diagnostic.code.target.toString(true);
        assert.ok(target.endsWith(`/docs/rules/${code}.md`), `${file}: ${code} links to ${target}`);
        assert.equal(target, findingOf(expect, code, file).url);
      }
    },
  ],
  [
    'related information points at the right places',
    async (expect) => {
      const found = await waitForFindings(expect.findings);
      const withRelated = expect.findings.filter((f) => f.related.length > 0);
      assert.ok(withRelated.length > 0, 'some expected findings have related information');
      for (const finding of expect.findings) {
        const match = found.find((f) => foundKey(f) === expectedKey(finding));
        assert.ok(match);
        const related = (match.diagnostic.relatedInformation ?? []).map((r) => ({
          file: relativeOf(r.location.uri),
          line: r.location.range.start.line + 1,
          column: r.location.range.start.character + 1,
          message: r.message,
        }));
        assert.deepEqual(related, finding.related, expectedKey(finding));
      }
    },
  ],
  [
    'code actions on NL007: the preferred momentum fix, "Disable NL007 for this line", "Show documentation for NL007"',
    async (expect) => {
      const nl007 = findingOf(expect, 'NL007');
      assert.ok(nl007.fix?.safe, 'NL007 has a safe fix');
      const editor = await show(nl007.file);
      const [{ diagnostic }] = (await waitForFindings(expect.findings)).filter((f) => f.file === nl007.file && codeOf(f.diagnostic) === 'NL007');
      const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
        'vscode.executeCodeActionProvider',
        editor.document.uri,
        diagnostic.range,
      );
      // No other extension is installed: every action comes from normlint.
      const normlint = actions.filter(isCodeAction);
      assert.deepEqual(
        normlint.map((a) => a.title),
        [nl007.fix.title, 'Disable NL007 for this line', 'Show documentation for NL007'],
        `all code actions: ${JSON.stringify(actions)}`,
      );
      // (`vscode.executeCodeActionProvider` does not return the actions' `diagnostics`, so the
      // link between an action and NL007 is checked through the titles and edits only.)
      const [fix, disable, docs] = normlint;
      for (const action of normlint) assert.equal(action.kind?.value, vscode.CodeActionKind.QuickFix.value, action.title);
      assert.equal(fix.isPreferred, true, 'the fix is preferred');
      assert.notEqual(disable.isPreferred, true);
      assert.notEqual(docs.isPreferred, true);

      const lines = (text: string) => text.split('\n');
      const before = lines(editor.document.getText())[nl007.line - 1];
      const fixed = lines(applyTextEdits(editor.document, editsFor(fix, editor.document.uri)))[nl007.line - 1];
      assert.equal(fixed, before.replace('momentum=0.9', 'momentum=0.1'));
      const disabled = lines(applyTextEdits(editor.document, editsFor(disable, editor.document.uri)));
      assert.match(disabled[nl007.line - 1], /# noqa: NL007\b/, 'the noqa comment goes on the finding\'s line');
      assert.equal(disabled.length, lines(editor.document.getText()).length, 'no line added');
      assert.equal(docs.command?.command, 'normlint.showDocumentation');
      assert.deepEqual(docs.command?.arguments, ['NL007']);
    },
  ],
  [
    'source.fixAll.normlint: one action whose edit applies every safe fix of the file',
    async (expect) => {
      const editor = await show(expect.fixAll.file);
      await waitForFindings(expect.findings);
      const document = editor.document;
      const whole = new vscode.Range(0, 0, document.lineCount, 0);
      // VS Code drops a kind-filtered code action request (answers `[]` or throws `Canceled`)
      // when any code action provider registers or unregisters in the window meanwhile, as its
      // own providers do in the first seconds after start-up (seen in code-server, where the
      // server had answered). Ask again then, a few times: the server's answer is what is tested.
      let actions: (vscode.CodeAction | vscode.Command)[] = [];
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
            'vscode.executeCodeActionProvider',
            document.uri,
            whole,
            'source.fixAll.normlint',
          );
        } catch (e) {
          if (!/Canceled/i.test(String(e))) throw e;
          actions = [];
        }
        if (actions.length > 0) break;
        await new Promise((r) => setTimeout(r, 300));
      }
      const fixAll = actions.filter(isCodeAction).filter((a) => a.kind?.value === 'source.fixAll.normlint');
      assert.deepEqual(
        fixAll.map((a) => a.title),
        ['normlint: Fix all safe findings'],
        `actions: ${JSON.stringify(actions.map((a) => a.title))}`,
      );
      assert.equal(applyTextEdits(document, editsFor(fixAll[0], document.uri)), expect.fixAll.text);
    },
  ],
  [
    'hover on the BatchNorm2d constructor shows the layer table, the train/eval facts and the findings',
    async (expect) => {
      const { file, line, column } = expect.momentumLayer;
      const editor = await show(file);
      await waitForFindings(expect.findings);
      const position = new vscode.Position(line - 1, column - 1);
      assert.equal(editor.document.getText(editor.document.getWordRangeAtPosition(position)), 'BatchNorm2d');
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, position);
      const text = hoverText(hovers);
      for (const expected of [
        '**nn.BatchNorm2d** · normlint',
        '| argument | value |',
        '| num_features |',
        '| eps | `1e-05` (default) |',
        '| momentum | `0.9` · PyTorch: new batch weighs 0.9; Keras/TF.js equivalent `momentum=0.1` |',
        '| affine | `True` (default) |',
        '| track_running_stats | `True` (default) |',
        '**Train/eval mode**',
        '**Findings**',
        `[NL007](${findingOf(expect, 'NL007').url}) momentum-convention`,
        // The extension's link to BN Lab on this layer (a trusted command link).
        'Simulate in BN Lab](command:normlint.openLab?',
      ]) {
        assert.ok(text.includes(expected), `the hover contains ${JSON.stringify(expected)}; it is:\n${text}`);
      }
      // What the link runs: BN Lab on the layer at that position.
      await vscode.commands.executeCommand('normlint.openLab', editor.document.uri.toString(), { line: position.line, character: position.character });
    },
  ],
  [
    'no normlint hover outside normalization layers',
    async (expect) => {
      const editor = await show(expect.momentumLayer.file);
      await waitForFindings(expect.findings);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(0, 5));
      assert.ok(!hoverText(hovers).includes('normlint'), hoverText(hovers));
    },
  ],
  [
    'code lenses: "Simulate in BN Lab" above every normalization layer',
    async (expect) => {
      const editor = await show(expect.momentumLayer.file);
      await waitForFindings(expect.findings);
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri, 100);
      const ours = lenses.filter((l) => l.command?.command === 'normlint.simulateLayer');
      const layerLines = editor.document
        .getText()
        .split('\n')
        .flatMap((text, index) => (/\bnn\.BatchNorm[123]d\(/.test(text) ? [index] : []));
      assert.ok(layerLines.length >= 2, 'the file has normalization layers');
      assert.deepEqual(
        ours.map((l) => l.range.start.line).sort((a, b) => a - b),
        layerLines,
      );
      for (const lens of ours) {
        assert.equal(lens.command?.title, 'Simulate in BN Lab');
        const [args] = (lens.command?.arguments ?? []) as { layer?: { q?: string }; uri?: string }[];
        assert.equal(args?.layer?.q, 'torch.nn.BatchNorm2d');
        assert.equal(args?.uri, editor.document.uri.toString());
      }
    },
  ],
  [
    'the commands normlint.restartServer, normlint.showOutput and normlint.fixAll are registered',
    async () => {
      const commands = new Set(await vscode.commands.getCommands(true));
      const missing = ['normlint.restartServer', 'normlint.showOutput', 'normlint.fixAll', 'normlint.showDocumentation', 'normlint.applyAutofix', 'normlint.simulateLayer'].filter(
        (c) => !commands.has(c),
      );
      assert.deepEqual(missing, []);
    },
  ],
  [
    'normlint.showOutput shows the normlint output channel',
    async () => {
      await vscode.commands.executeCommand('normlint.showOutput');
      // The output channel's document (scheme "output") is opened when the channel is shown.
      await waitFor(
        () => `an output document for normlint (documents: ${vscode.workspace.textDocuments.map((d) => d.uri.toString()).join(', ')})`,
        () => vscode.workspace.textDocuments.some((d) => d.uri.scheme === 'output' && /normlint/i.test(d.uri.toString())),
        10_000,
      );
    },
  ],
  [
    'normlint.restartServer: the diagnostics are cleared and come back',
    async (expect) => {
      await waitForFindings(expect.findings);
      // Diagnostic counts seen during the restart: after each change event, and polled every
      // 10 ms (events may be coalesced).
      const counts: number[] = [];
      const subscription = vscode.languages.onDidChangeDiagnostics(() => counts.push(normlintDiagnostics().length));
      const poll = setInterval(() => {
        const count = normlintDiagnostics().length;
        if (counts.at(-1) !== count) counts.push(count);
      }, 10);
      try {
        await vscode.commands.executeCommand('normlint.restartServer');
        await waitFor(
          () => `the diagnostics to be cleared by the restart (counts after each change: ${JSON.stringify(counts)})`,
          () => counts.some((c) => c < expect.findings.length),
          20_000,
        );
        await waitForFindings(expect.findings, 30_000);
      } finally {
        subscription.dispose();
        clearInterval(poll);
      }
      log(`  diagnostics during the restart: ${JSON.stringify(counts)}`);
      // The restarted server answers requests too.
      const editor = await show(expect.momentumLayer.file);
      const { line, column } = expect.momentumLayer;
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(line - 1, column - 1));
      assert.ok(hoverText(hovers).includes('**nn.BatchNorm2d** · normlint'), hoverText(hovers));
    },
    60_000,
  ],
  [
    'normlint.fixAll applies every safe fix of the active file, and its findings go away',
    async (expect) => {
      const { file, text } = expect.fixAll;
      const editor = await show(file);
      await waitForFindings(expect.findings);
      assert.notEqual(editor.document.getText(), text, 'the file has something to fix');
      await vscode.commands.executeCommand('normlint.fixAll');
      await waitFor(
        () => `the fixed text (now:\n${editor.document.getText()})`,
        () => editor.document.getText() === text,
      );
      const safeHere = new Set(findingsIn(expect, file).filter((f) => f.fix?.safe).map(expectedKey));
      assert.ok(safeHere.size > 0);
      // Re-analysis on type: the fixed findings disappear, every other finding stays.
      const others = expect.findings.filter((f) => !safeHere.has(expectedKey(f)));
      await waitFor(
        () => `the findings without the fixed ones: ${JSON.stringify(sortedKeys(others.map(expectedKey)))} (now ${JSON.stringify(sortedKeys(normlintDiagnostics().map(foundKey)))})`,
        () => JSON.stringify(sortedKeys(normlintDiagnostics().map(foundKey))) === JSON.stringify(sortedKeys(others.map(expectedKey))),
      );
      assert.ok(await editor.document.save(), 'saved');
      assert.equal(fs.readFileSync(editor.document.uri.fsPath, 'utf8'), text);
    },
  ],
];

// ---------------------------------------------------------------------------------------------
// Runner

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`test timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Entry point called by VS Code (`extensionTestsPath`). */
export async function run(): Promise<void> {
  const results: SuiteResults = { passed: [], failed: [], durations: {} };
  const expect = loadExpectations();
  log(`${tests.length} tests`);
  for (const [name, test, timeoutMs = 30_000] of tests) {
    const start = Date.now();
    try {
      await withTimeout(test(expect), timeoutMs);
      results.passed.push(name);
      log(`ok - ${name} (${Date.now() - start} ms)`);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      results.failed.push({ name, error: message });
      log(`not ok - ${name}: ${message}`);
    }
    results.durations[name] = Date.now() - start;
  }
  log(`${results.passed.length} passed, ${results.failed.length} failed`);
  const resultFile = process.env.E2E_EXTENSION_TEST_RESULTS;
  if (resultFile) fs.writeFileSync(resultFile, `${JSON.stringify(results, null, 2)}\n`);
  if (results.failed.length) throw new Error(`${results.failed.length} extension-host test(s) failed`);
}
