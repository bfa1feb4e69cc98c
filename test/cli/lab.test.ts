/** `normlint lab`: the BN Lab page served from 127.0.0.1 (the page itself is tested in test/lab-browser/). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { CLI, ensureBuilt, REPO } from './helpers';
import { labFile } from '../../linter/src/cli/lab-command';

describe('normlint lab', function () {
  this.timeout(60_000);
  before(() => ensureBuilt());

  it('maps request paths inside the page folder only', () => {
    const root = path.join(REPO, 'dist', 'lab');
    assert.equal(labFile(root, '/'), path.join(root, 'index.html'));
    assert.equal(labFile(root, '/panel.js?v=1'), path.join(root, 'panel.js'));
    assert.equal(labFile(root, '/../../package.json'), path.join(root, 'package.json'), 'URL parsing removes the dot segments');
    assert.equal(labFile(root, '/%2e%2e/%2e%2e/package.json'), path.join(root, 'package.json'), 'so are encoded dots');
    assert.equal(labFile(root, '/..%2f..%2fpackage.json'), null, 'an encoded slash cannot climb out');
    assert.equal(labFile(root, '/%E0%A4%A'), null);
  });

  it('serves the page on 127.0.0.1 until interrupted', async () => {
    const child = spawn(process.execPath, [CLI, 'lab', '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /BN Lab: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await page.text(), /Content-Security-Policy/);
      const script = await fetch(new URL('panel.js', url));
      assert.equal(script.status, 200);
      assert.equal((await fetch(`${url}..%2f..%2fpackage.json`)).status, 404);
      assert.equal((await fetch(url, { method: 'POST' })).status, 404);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
