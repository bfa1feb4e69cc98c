/**
 * Worker-thread entry (bundled as `dist/worker.js`): builds its own Engine from the grammar
 * bytes in `workerData` and analyzes files into their {@link FileFacts}, writing each file's
 * facts to the cache itself.
 *
 * Protocol: the main thread posts `{ id, jobs: AnalyzeJob[], counter }`; the worker takes job
 * after job with `Atomics.add` on the shared `counter` (the main thread and the other workers
 * take from it too) until none is left, replying `{ id, indices, json }` every ~64 KiB of text
 * (the JSON text of the `FileFacts[]` of those jobs), then `{ id, end: true }`, or `{ id, error }`
 * if it failed (the jobs it took and did not reply for are then redone). It may then post
 * `{ ahead: { jobs, claims, port } }`: files to analyze ahead of need (see `analyzer.ts`), each
 * once the main thread has made it ready and only if the worker wins its claim (see
 * {@link AheadCell}), replying `{ i, json }` or `{ i, error }` on `port` before marking the file
 * done. Facts travel as JSON text because the structured clone of an IR (many small objects)
 * costs the main thread more than analyzing in-process would; `JSON.parse` is several times
 * cheaper, and the same text is what the cache stores.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Engine, type FileFacts, type FileInput, type Grammars } from '../core/engine';
import { writeJsonAtomic, writeTextAtomic } from './cache';

/** One file to analyze, and where to cache its facts (`null`: don't). */
export interface AnalyzeJob {
  input: FileInput;
  cacheFile: string | null;
}

/** Analyze one job with `engine`, caching the facts when asked. Never throws for a file's content. */
export function runJob(engine: Engine, job: AnalyzeJob): FileFacts {
  const facts = engine.analyze(job.input);
  if (job.cacheFile) writeJsonAtomic(job.cacheFile, facts);
  return facts;
}

/** Analyze one job and return the facts as JSON text (cached when asked). */
function runJobToJson(engine: Engine, job: AnalyzeJob): string {
  const json = JSON.stringify(engine.analyze(job.input));
  if (job.cacheFile) writeTextAtomic(job.cacheFile, json);
  return json;
}

/**
 * Cells of the shared `Int32Array` of an `ahead` request of `n` files. Cell `i < n` is file `i`'s
 * claim: FREE → ON_WORKER → DONE by a worker, FREE → ON_MAIN by the main thread. Cell `n` is the
 * stop flag (1: stop), cell `n + 1` the length of the ready queue, cells `n + 2 ...` the queue:
 * indices of the files a worker may analyze now, appended by the main thread (each at most
 * once) as they become likely to be needed; a worker takes the most recently appended free one.
 */
export const AheadCell = { FREE: 0, ON_WORKER: 1, DONE: 2, ON_MAIN: 3 } as const;

/** The shared memory of an `ahead` request of `n` files: `4 × (2n + 2)` bytes (see {@link AheadCell}). */
export function aheadBuffer(n: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * (2 * n + 2));
}

/** How long an idle worker waits for the main thread to make more files ready before looking again (ms). */
const AHEAD_IDLE_WAIT_MS = 100;

/** A request from the main thread: jobs to take from a shared counter, or files to analyze ahead of need. */
export type WorkerRequest =
  | { id: number; jobs: AnalyzeJob[]; counter: SharedArrayBuffer }
  | { ahead: { jobs: AnalyzeJob[]; claims: SharedArrayBuffer; port: MessagePort } };

/** A reply to the main thread. */
export type WorkerReply = { id: number; indices: number[]; json: string } | { id: number; end: true } | { id: number; error: string };

/**
 * Testing aid (`NORMLINT_DEBUG_WORKER_EXIT_AFTER=n`): a worker thread ends itself when it takes
 * its (n+1)th job of an analysis, as if it had crashed (the main thread must redo its jobs).
 */
const EXIT_AFTER = Number(process.env.NORMLINT_DEBUG_WORKER_EXIT_AFTER) || Infinity;

/** Text (UTF-16 code units) analyzed between two replies of {@link runClaimed}. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Take jobs from the shared counter (an `Int32Array` over `req.counter`) until none is left,
 * posting their facts every {@link CHUNK_CHARS} of text, then `end` (see the module comment).
 * @throws whatever analyzing or posting throws (the caller reports it).
 */
export function runClaimed(engine: Engine, req: { id: number; jobs: AnalyzeJob[]; counter: SharedArrayBuffer }, post: (reply: WorkerReply) => void): void {
  const counter = new Int32Array(req.counter);
  let parts: string[] = [];
  let indices: number[] = [];
  let chars = 0;
  const flush = (): void => {
    if (indices.length) post({ id: req.id, indices, json: `[${parts.join(',')}]` });
    parts = [];
    indices = [];
    chars = 0;
  };
  let taken = 0;
  for (let k = Atomics.add(counter, 0, 1); k < req.jobs.length; k = Atomics.add(counter, 0, 1)) {
    // Testing aid: the thread dies holding a job it took (and those not replied for yet).
    if (++taken > EXIT_AFTER) process.exit(3);
    parts.push(runJobToJson(engine, req.jobs[k]));
    indices.push(k);
    chars += req.jobs[k].input.text.length;
    if (chars >= CHUNK_CHARS) flush();
  }
  flush();
  post({ id: req.id, end: true });
}

/** A reply about the file `i` of an `ahead` request (on its port). */
export type AheadReply = { i: number; json: string } | { i: number; error: string };

/**
 * Analyze the files of an `ahead` request that this thread claims (see {@link AheadCell}): the
 * ready one appended last first (the imports of the file the lint asked for last), until every
 * file is ready and claimed or the stop flag is set. With nothing ready it waits for the main
 * thread (or returns at once when `exitWhenIdle`, for tests). Synchronous: the thread takes no
 * other request meanwhile (the main thread sends none before it stops this). Never throws: a
 * file whose analysis throws is replied as `{ i, error }`.
 */
export function runAhead(
  engine: Engine,
  req: { jobs: AnalyzeJob[]; claims: SharedArrayBuffer; port: MessagePort },
  opts: { exitWhenIdle?: boolean } = {},
): void {
  const claims = new Int32Array(req.claims);
  const n = req.jobs.length;
  const stop = n;
  const len = n + 1;
  const queue = n + 2;
  const free = (q: number): boolean => Atomics.load(claims, Atomics.load(claims, queue + q)) === AheadCell.FREE;
  let low = 0; // every queue entry below `low` is claimed (claims never go back to FREE)
  for (;;) {
    if (Atomics.load(claims, stop) !== 0) break;
    const ready = Atomics.load(claims, len);
    while (low < ready && !free(low)) low++;
    let q = ready - 1;
    while (q >= low && !free(q)) q--;
    if (q < low) {
      if (ready >= n || opts.exitWhenIdle) break; // all claimed, or a test
      Atomics.wait(claims, len, ready, AHEAD_IDLE_WAIT_MS);
      continue;
    }
    const i = Atomics.load(claims, queue + q);
    if (Atomics.compareExchange(claims, i, AheadCell.FREE, AheadCell.ON_WORKER) !== AheadCell.FREE) continue;
    let reply: AheadReply;
    try {
      reply = { i, json: runJobToJson(engine, req.jobs[i]) };
    } catch (err) {
      reply = { i, error: (err as Error).stack ?? String(err) };
    }
    req.port.postMessage(reply);
    Atomics.store(claims, i, AheadCell.DONE);
    Atomics.notify(claims, i);
  }
}

if (parentPort) {
  const port = parentPort;
  const engine = Engine.create((workerData as { grammars: Grammars }).grammars);
  port.on('message', (req: WorkerRequest) => {
    if ('ahead' in req) {
      // Without an engine nothing is claimed: the main thread analyzes what it needs itself.
      engine.then(
        (e) => runAhead(e, req.ahead),
        () => undefined,
      );
      return;
    }
    engine.then(
      (e) => {
        try {
          runClaimed(e, req, (reply) => port.postMessage(reply));
        } catch (err) {
          port.postMessage({ id: req.id, error: (err as Error).stack ?? String(err) } satisfies WorkerReply);
        }
      },
      (err: unknown) => port.postMessage({ id: req.id, error: (err as Error).stack ?? String(err) } satisfies WorkerReply),
    );
  });
}
