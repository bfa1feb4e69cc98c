/**
 * What the extension-host suite (`./index.ts`, running inside VS Code) is told to expect. The
 * mocha side (`../vscode.e2e.ts`) computes it from the CLI's JSON output on the same workspace,
 * writes it as JSON and passes the file's path in the environment variable
 * {@link EXPECTATIONS_ENV} (inherited by the extension host from code-server).
 *
 * Imports nothing, so both sides (Node with tsx, and the esbuild bundle loaded by the extension
 * host) can use it.
 *
 * @module
 */

/** Environment variable holding the path of the {@link SuiteExpectations} JSON file. */
export const EXPECTATIONS_ENV = 'E2E_NORMLINT_EXPECTATIONS';

/** Prefix of every line the suite logs (so the mocha side can pick them out of the window log). */
export const LOG_PREFIX = '[normlint suite]';

/** A related location of a finding (1-based line and column, workspace-relative file). */
export interface ExpectedRelated {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** One finding as the CLI reports it (1-based line and column, workspace-relative file). */
export interface ExpectedFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** Documentation URL (`.../docs/rules/<code>.md`). */
  url: string;
  related: ExpectedRelated[];
  /** Title of the primary fix, if any, and whether it is safe. */
  fix: { title: string; safe: boolean } | null;
}

/** The JSON file handed to the suite. */
export interface SuiteExpectations {
  /** `<publisher>.<name>` of the extension under test. */
  extensionId: string;
  /** Its version (package.json). */
  version: string;
  /** The `--extensions-dir` of code-server: the installed copy must live there. */
  extensionsDir: string;
  /** Every finding in the workspace. */
  findings: ExpectedFinding[];
  /** The BatchNorm layer with the momentum finding: file, 1-based position of its class name. */
  momentumLayer: { file: string; line: number; column: number };
  /** `normlint.fixAll` on `file` must turn its text into `text` (every safe fix applied). */
  fixAll: { file: string; text: string };
}

/** Results file format shared with the harness (`E2E_EXTENSION_TEST_RESULTS`). */
export interface SuiteResults {
  passed: string[];
  failed: { name: string; error: string }[];
  /** Milliseconds per test, by name. */
  durations: Record<string, number>;
}
