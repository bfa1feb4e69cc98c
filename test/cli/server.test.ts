/** `normlint server`: the command line of the language server (the protocol is tested in test/server/). */
import assert from 'node:assert/strict';
import { ensureBuilt, makeProject, runCli } from './helpers';

describe('normlint server (command line)', function () {
  this.timeout(60_000);
  before(() => ensureBuilt());

  it('needs a transport and says so', () => {
    const r = runCli(['server'], makeProject({}));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs a transport: --stdio, --node-ipc or --socket <port>/);
  });

  it('exits when stdin closes (the editor went away)', () => {
    const r = runCli(['server', '--stdio'], makeProject({}));
    assert.notEqual(r.code, null, 'the server exited by itself');
  });
});
