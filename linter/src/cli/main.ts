/**
 * The `normlint` command line (bundled as `dist/cli.js`):
 *
 * - `normlint check [PATHS...]`: lint (see `check.ts`);
 * - `normlint rule NL001 | --all`: rule documentation;
 * - `normlint server --stdio`: the language server;
 * - `normlint lab`: BN Lab in the browser;
 * - `normlint --version`.
 *
 * Exit codes: 0 clean, 1 findings, 2 usage, configuration or internal errors.
 */
import os from 'node:os';
import v8 from 'node:v8';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RULES } from '../rules/index';
import { parseSelectorList } from '../core/config';
import type { RuleMeta } from '../core/rule';
import { fullRegistry, runCheck, type CheckIo, type OutputFormat } from './check';
import { runRule } from './rule-command';
import { runLab } from './lab-command';
import { BUNDLED, VERSION } from './env';
import path from 'node:path';
import { spawn } from 'node:child_process';

/** The language server's semi-space size (MiB; see where `server` starts). */
const SERVER_SEMI_SPACE_MIB = 8;

/** V8's flag for the young generation's semi-space size (MiB). */
const SEMI_SPACE_FLAG = '--max-semi-space-size';

/**
 * V8 flags for `check` runs, unless the command line or `NODE_OPTIONS` say otherwise about them.
 * `--no-turbo-inlining`: a check lasts seconds, and a quarter of its CPU time went to compiling
 * optimized code on V8's background threads (in every worker thread too, each compiling the same
 * code again), much of it the model's large functions, optimized again after each
 * deoptimization; without inlining those compilations are far cheaper and the code about as fast.
 * Measured on the Python corpus (1,365 files): one thread -11% CPU time (-3% wall), two threads
 * -7 to -12% wall. Flags are per process (the workers share them) and change no result.
 */
const CHECK_V8_FLAGS: ReadonlyArray<{ flag: string; unless: RegExp }> = [{ flag: '--no-turbo-inlining', unless: /^--(no-)?turbo[-_]inlining(=|$)/ }];

/** Sets {@link CHECK_V8_FLAGS} (before the engine's code gets optimized). */
function setCheckV8Flags(): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  for (const { flag, unless } of CHECK_V8_FLAGS) if (!given.some((a) => unless.test(a))) v8.setFlagsFromString(flag);
}

/** Default `--threads`: min(2, cores). */
export const DEFAULT_THREADS = Math.max(1, Math.min(2, os.availableParallelism?.() ?? os.cpus().length));

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer ≥ 1');
  return n;
}

interface RawCheckOptions {
  select?: string[];
  extendSelect?: string[];
  ignore?: string[];
  fix?: boolean;
  unsafeFixes?: boolean;
  diff?: boolean;
  statistics?: boolean;
  addNoqa?: boolean;
  baseline?: string;
  writeBaseline?: string;
  outputFormat: OutputFormat;
  quiet?: boolean;
  cache: boolean;
  threads?: number;
  config?: string;
}

/**
 * Run the CLI with `argv` (without the `node` and script entries).
 * @returns the exit code.
 */
export async function main(argv: readonly string[], io: CheckIo, rules: readonly RuleMeta[] = RULES): Promise<number> {
  let exitCode = 0;
  const registry = fullRegistry(rules);
  const program = new Command('normlint')
    .description('Find normalization bugs (BatchNorm train/eval mode, small batches, DDP without SyncBatchNorm, ...) in PyTorch code.')
    .version(`normlint ${VERSION}`, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run `normlint --help` for usage)');

  program
    .command('check')
    .description('lint Python files (default: the current directory)')
    .argument('[paths...]', 'files or directories to check')
    .option('--select <rules>', 'rules to enable (codes, prefixes like NL0, ALL, or rule names; comma-separated); replaces the configured set', collect)
    .option('--extend-select <rules>', 'rules to enable in addition to the configured set', collect)
    .option('--ignore <rules>', 'rules to disable', collect)
    .option('--fix', 'apply safe fixes')
    .option('--unsafe-fixes', 'also apply (and count as fixable) unsafe fixes')
    .option('--diff', 'print the fixes as a unified diff instead of writing them; exit 1 if there are any')
    .option('--statistics', 'print the number of findings per rule')
    .addOption(
      new Option('--add-noqa', 'add `# noqa: NLxxx` directives to the lines of all current findings (merged into existing ones), then exit 0')
        .conflicts(['fix', 'diff', 'writeBaseline']),
    )
    .option('--baseline <file>', 'do not report findings recorded in this baseline file (see --write-baseline); new findings are reported')
    .addOption(
      new Option('--write-baseline <file>', "record the current findings in a baseline file (for --baseline) instead of reporting them; exit 0")
        .conflicts(['diff']),
    )
    .addOption(new Option('--output-format <format>', 'output format').choices(['text', 'json', 'sarif', 'github', 'junit']).default('text'))
    .option('-q, --quiet', 'print findings only (no summary, no warnings)')
    .option('--no-cache', 'do not read or write .normlint_cache/')
    .option('--threads <n>', `worker threads for per-file analysis (1 = in-process; default ${DEFAULT_THREADS})`, positiveInt)
    .option('--config <path>', 'use this config file (normlint.toml or pyproject.toml) for every file')
    .action(async (paths: string[] | undefined, raw: RawCheckOptions) => {
      setCheckV8Flags();
      const lists: Record<string, string[] | undefined> = {};
      for (const [key, flag] of [
        ['select', '--select'],
        ['extendSelect', '--extend-select'],
        ['ignore', '--ignore'],
      ] as const) {
        const given = raw[key];
        if (!given) continue;
        const r = parseSelectorList(given, flag, registry);
        if (!r.ok) {
          io.stderr.write(`error: ${r.message}\n`);
          exitCode = 2;
          return;
        }
        lists[key] = r.selectors;
      }
      exitCode = await runCheck(
        {
          paths: paths ?? [],
          select: lists.select,
          extendSelect: lists.extendSelect,
          ignore: lists.ignore,
          fix: Boolean(raw.fix),
          unsafeFixes: Boolean(raw.unsafeFixes),
          diff: Boolean(raw.diff),
          statistics: Boolean(raw.statistics),
          addNoqa: Boolean(raw.addNoqa),
          baseline: raw.baseline,
          writeBaseline: raw.writeBaseline,
          outputFormat: raw.outputFormat,
          quiet: Boolean(raw.quiet),
          cache: raw.cache,
          threads: raw.threads ?? DEFAULT_THREADS,
          explicitThreads: raw.threads !== undefined,
          config: raw.config,
          debugStats: Boolean(process.env.NORMLINT_DEBUG_STATS),
          settleAhead: Boolean(process.env.NORMLINT_DEBUG_SETTLE_AHEAD),
          workersOnly: Boolean(process.env.NORMLINT_DEBUG_WORKER_EXIT_AFTER),
        },
        io,
        registry,
      );
    });

  program
    .command('rule')
    .description("print a rule's documentation (by code or name), or list all rules")
    .argument('[rule]', 'a rule code (NL001) or name (missing-eval)')
    .option('--all', 'list every rule')
    .addOption(new Option('--output-format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((rule: string | undefined, raw: { all?: boolean; outputFormat: 'text' | 'json' }) => {
      const r = runRule({ rule, all: Boolean(raw.all), outputFormat: raw.outputFormat }, registry);
      io.stdout.write(r.stdout);
      io.stderr.write(r.stderr);
      exitCode = r.code;
    });

  program
    .command('lab')
    .description('open BN Lab (simulate BatchNorm on TensorFlow.js) in the browser, served from 127.0.0.1')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', (v) => {
      const n = Number(v);
      if (!/^\d+$/.test(v.trim()) || n > 65535) throw new InvalidArgumentError('expected a port number');
      return n;
    })
    .option('--no-open', 'print the URL without opening a browser')
    .action(async (raw: { port?: number; open: boolean }) => {
      exitCode = await runLab({ port: raw.port ?? 0, open: raw.open }, io);
    });

  let serve = false;
  program
    .command('server')
    .description('run the language server (LSP) for editors; the transport comes from the flags')
    .option('--stdio', 'talk LSP over stdin/stdout')
    .option('--node-ipc', 'talk LSP over Node IPC (when forked by an editor extension)')
    .option('--socket <port>', 'talk LSP over a TCP socket')
    .allowUnknownOption()
    .action((raw: { stdio?: boolean; nodeIpc?: boolean; socket?: string }) => {
      if (!raw.stdio && !raw.nodeIpc && raw.socket === undefined) {
        io.stderr.write('error: `normlint server` needs a transport: --stdio, --node-ipc or --socket <port>\n');
        exitCode = 2;
        return;
      }
      serve = true;
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    if (serve) {
      // The server is its own bundle (dist/server.js), loaded only for this command.
      const entry = BUNDLED ? path.join(__dirname, 'server.js') : path.join(__dirname, '../../../server/src/main');
      if (BUNDLED && !process.execArgv.some((a) => a.startsWith(SEMI_SPACE_FLAG))) {
        // Re-run it in a Node with 8 MiB semi-spaces (Node 20's default is 16): the pause of a
        // young-generation collection grows with the semi-space (in the keystroke bench about
        // 3 ms at 8 MiB, 5 at 16, 8.5 at 32, one every 2, 4 or 7 keystrokes), and those pauses
        // were the slowest keystrokes after the warm-up: p95 21-24 ms at 8 MiB, 22-27 at 16,
        // 24-28 at 32, with the same median and the same time to index the Debian corpus. The
        // child shares our stdio; it also exits when stdin closes or the client process dies.
        const serverArgs = argv.slice(argv.indexOf('server') + 1);
        exitCode = await new Promise<number>((resolve) => {
          const child = spawn(process.execPath, [`${SEMI_SPACE_FLAG}=${SERVER_SEMI_SPACE_MIB}`, entry, ...serverArgs], { stdio: 'inherit' });
          for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
          child.on('error', (e) => {
            io.stderr.write(`error: cannot start the language server: ${e.message}\n`);
            resolve(2);
          });
          child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
        });
      } else (require(entry) as { runServer(): void }).runServer();
    }
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    io.stderr.write(`error: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 2;
  }
  return exitCode;
}

if (require.main === module) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`error: internal error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
