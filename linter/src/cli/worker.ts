/**
 * Worker-thread entry (bundled as `dist/worker.js`): builds its own Engine from the grammar
 * bytes in `workerData` and answers batches of files with their {@link FileFacts}, writing each
 * file's facts to the cache itself (so serializing them does not load the main thread).
 *
 * Protocol: the main thread posts `{ id, jobs: AnalyzeJob[] }`; the worker replies
 * `{ id, facts: FileFacts[] }` (same order) or `{ id, error }` if the batch failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Engine, type FileFacts, type FileInput, type Grammars } from '../core/engine';
import { writeJsonAtomic } from './cache';

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

/** A request from the main thread. */
export interface WorkerRequest {
  id: number;
  jobs: AnalyzeJob[];
}

/** A reply to the main thread. */
export type WorkerReply = { id: number; facts: FileFacts[] } | { id: number; error: string };

if (parentPort) {
  const port = parentPort;
  const engine = Engine.create((workerData as { grammars: Grammars }).grammars);
  port.on('message', (req: WorkerRequest) => {
    engine.then(
      (e) => {
        try {
          port.postMessage({ id: req.id, facts: req.jobs.map((j) => runJob(e, j)) } satisfies WorkerReply);
        } catch (err) {
          port.postMessage({ id: req.id, error: (err as Error).stack ?? String(err) } satisfies WorkerReply);
        }
      },
      (err: unknown) => port.postMessage({ id: req.id, error: (err as Error).stack ?? String(err) } satisfies WorkerReply),
    );
  });
}
