/**
 * The protocol of analysis ahead of need (`linter/src/cli/analyzer.ts` and `worker.ts`), driven
 * in one thread: `runAhead` is what a worker runs, `AheadResults` what the main thread holds.
 * Workers analyze only files made ready, the last made ready first; every file is analyzed once,
 * by whoever claims it first; facts cross as the worker's JSON and equal an in-process analysis;
 * the stop flag ends the workers' loop.
 */
import assert from 'node:assert/strict';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { AheadResults } from '../../linter/src/cli/analyzer';
import { aheadBuffer, runAhead, type AnalyzeJob } from '../../linter/src/cli/worker';
import { testEngine } from '../helpers/project';

/** The stats without the time spent in take() (not deterministic). */
const counts = (stats: AheadResults['stats']): Omit<AheadResults['stats'], 'takeMs'> => {
  const { takeMs, ...rest } = stats;
  assert.ok(takeMs >= 0);
  return rest;
};

const job = (path: string, text: string): AnalyzeJob => ({ input: { path, text }, cacheFile: null });
const JOBS = [
  job('a.py', 'import torch.nn as nn\nbn = nn.BatchNorm2d(8)\n'),
  job('b.py', 'WIDTH = 16\n'),
  job('c.py', 'def f(x):\n    return x\n'),
  job('d.py', 'EPS = 1e-5\n'),
];
const PATHS = JOBS.map((j) => j.input.path);
/** What each file imports (the plan's `next`). */
const IMPORTS: Record<string, string[]> = { 'a.py': ['c.py', 'd.py'], 'b.py': [], 'c.py': [], 'd.py': [] };

function setUp(): { results: AheadResults; claims: Int32Array; work: () => Promise<number[]> } {
  const buffer = aheadBuffer(JOBS.length);
  const ch = new MessageChannel();
  const results = new AheadResults(PATHS, buffer, [ch.port1], (p) => IMPORTS[p] ?? []);
  const port2 = ch.port2;
  return {
    results,
    claims: new Int32Array(buffer),
    // One worker's loop until nothing is ready; returns the indices it analyzed, in order.
    work: async () => {
      const order: number[] = [];
      // (the worker's port, recording the order of its replies)
      const spy = { postMessage: (m: { i: number }): void => (order.push(m.i), port2.postMessage(m)) } as unknown as typeof port2;
      runAhead(await testEngine(), { jobs: JOBS, claims: buffer, port: spy }, { exitWhenIdle: true });
      return order;
    },
  };
}

describe('analysis ahead of need (claims shared with the workers)', () => {
  it('analyzes only ready files, the last made ready first, and hands over facts equal to an in-process analysis', async () => {
    const engine = await testEngine();
    const { results, work } = setUp();
    results.ready(['a.py', 'b.py']); // most likely first
    assert.deepEqual(await work(), [0, 1], 'a then b; c and d are not ready');
    assert.deepEqual(results.take('a.py'), engine.analyze(JOBS[0].input));
    assert.deepEqual(results.take('b.py'), engine.analyze(JOBS[1].input));
    assert.equal(results.take('c.py'), null, 'not ready, so not started: the caller claims it');
    assert.equal(results.take('other.py'), null, 'not in the plan');
    results.stop();
    assert.deepEqual(counts(results.stats), { queued: 4, readied: 2, analyzedOnWorkers: 2, taken: 2, waited: 0, claimedByCaller: 1 });
  });

  it('a request makes what the file imports ready, ahead of what was ready before', async () => {
    const { results, work } = setUp();
    results.ready(['b.py']);
    results.requested('a.py'); // the lint asked for a.py: c.py and d.py are likely next
    assert.deepEqual(await work(), [2, 3, 1], 'c, d (what a imports, in order), then b');
    for (const p of ['c.py', 'd.py', 'b.py']) assert.equal(results.take(p)?.path, p);
    results.stop();
    assert.equal(results.stats.readied, 3);
  });

  it('a file the caller claims first is left to the caller', async () => {
    const { results, work, claims } = setUp();
    results.ready(PATHS);
    assert.equal(results.take('b.py'), null, 'no worker started it: the caller analyzes it');
    assert.deepEqual(await work(), [0, 2, 3]);
    assert.deepEqual(Array.from(claims.subarray(0, 4)), [2, 3, 2, 2], 'b claimed by the caller, the rest done by the worker');
    results.stop();
    assert.deepEqual(counts(results.stats), { queued: 4, readied: 4, analyzedOnWorkers: 3, taken: 0, waited: 0, claimedByCaller: 1 });
  });

  it('ends a worker that has nothing left once every file is ready and claimed (no test hook needed)', async () => {
    const buffer = aheadBuffer(JOBS.length);
    const ch = new MessageChannel();
    const results = new AheadResults(PATHS, buffer, [ch.port1]);
    results.ready(PATHS);
    runAhead(await testEngine(), { jobs: JOBS, claims: buffer, port: ch.port2 }); // returns: all claimed
    const replies: number[] = [];
    for (let m = receiveMessageOnPort(ch.port1); m; m = receiveMessageOnPort(ch.port1)) replies.push((m.message as { i: number }).i);
    assert.deepEqual(replies, [0, 1, 2, 3]);
    ch.port1.close();
  });

  it('the stop flag ends the workers loop; take answers null after stop', async () => {
    const { results, work, claims } = setUp();
    results.ready(PATHS);
    results.stop();
    assert.deepEqual(await work(), []);
    assert.deepEqual(Array.from(claims.subarray(0, 4)), [0, 0, 0, 0], 'nothing analyzed after stop');
    assert.equal(results.take('a.py'), null);
  });

  it('AheadResults.none() takes nothing', () => {
    const none = AheadResults.none();
    none.ready(['a.py']);
    none.requested('a.py');
    assert.equal(none.take('a.py'), null);
    none.settle(10);
    none.stop();
    assert.equal(none.stats.queued, 0);
  });
});
