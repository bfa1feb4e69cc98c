/**
 * `normlint lab`: BN Lab outside VS Code. Serves the built panel page (`dist/lab/`) from
 * 127.0.0.1 only and opens it in the default browser; the page then works standalone (editable
 * layer fields). Runs until interrupted.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PACKAGE_ROOT } from './env';
import { labHtml } from '../../../extension/src/lab/panel/html';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/** Options of `normlint lab`. */
export interface LabOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Open the default browser. */
  open: boolean;
}

/** The file under `root` a request path names, or null (outside `root`, or a malformed path). */
export function labFile(root: string, urlPath: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(new URL(urlPath, 'http://127.0.0.1').pathname);
  } catch {
    return null;
  }
  if (p.endsWith('/')) p += 'index.html';
  const abs = path.resolve(root, `.${p}`);
  return abs === root || abs.startsWith(root + path.sep) ? abs : null;
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser launcher: the URL is printed anyway.
  }
}

/**
 * Serves BN Lab until SIGINT/SIGTERM.
 * @returns the exit code: 0 after an interrupt, 2 when the page is not built or the port is taken.
 */
export async function runLab(opts: LabOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const root = path.join(PACKAGE_ROOT, 'dist', 'lab');
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    io.stderr.write(`error: BN Lab is not built (${path.join(root, 'index.html')} is missing); run \`npm run build\`\n`);
    return 2;
  }
  const server = http.createServer((req, res) => {
    const file = req.method === 'GET' || req.method === 'HEAD' ? labFile(root, req.url ?? '/') : null;
    if (file === path.join(root, 'index.html')) {
      // The page itself, with a fresh script nonce for its Content-Security-Policy.
      const html = labHtml({ scriptUri: 'panel.js', styleUri: 'panel.css', cspSource: "'self'", nonce: randomBytes(18).toString('base64'), standalone: true });
      res.writeHead(200, { 'Content-Type': TYPES['.html'], 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : html);
      return;
    }
    const type = file ? TYPES[path.extname(file)] : undefined;
    if (!file || !type || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      io.stderr.write(`error: cannot listen on 127.0.0.1:${opts.port}: ${e.code ?? e.message}\n`);
      resolve(false);
    });
    server.listen(opts.port, '127.0.0.1', () => resolve(true));
  });
  if (!listening) return 2;
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}/`;
  io.stdout.write(`BN Lab: ${url}  (Ctrl+C to stop)\n`);
  if (opts.open) openBrowser(url);
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}
