/**
 * Worker-thread entry (bundled as `dist/worker.js`): builds its own Engine from the grammar
 * bytes in `workerData` and answers batches of files with their {@link FileFacts}, writing each
 * file's facts to the cache itself.
 *
 * Protocol: the main thread posts `{ id, jobs: AnalyzeJob[] }`; the worker replies
 * `{ id, json }`, the JSON text of the `FileFacts[]` (same order), or `{ id, error }` if the
 * batch failed. Facts travel as JSON text because the structured clone of an IR (many small
 * objects) costs the main thread more than analyzing in-process would; `JSON.parse` is several
 * times cheaper, and the same text is what the cache stores.
 */
import { parentPort, workerData } from 'node:worker_threads';
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

/** A request from the main thread. */
export interface WorkerRequest {
  id: number;
  jobs: AnalyzeJob[];
}

/** A reply to the main thread. */
export type WorkerReply = { id: number; json: string } | { id: number; error: string };

if (parentPort) {
  const port = parentPort;
  const engine = Engine.create((workerData as { grammars: Grammars }).grammars);
  port.on('message', (req: WorkerRequest) => {
    engine.then(
      (e) => {
        try {
          port.postMessage({ id: req.id, json: `[${req.jobs.map((j) => runJobToJson(e, j)).join(',')}]` } satisfies WorkerReply);
        } catch (err) {
          port.postMessage({ id: req.id, error: (err as Error).stack ?? String(err) } satisfies WorkerReply);
        }
      },
      (err: unknown) => port.postMessage({ id: req.id, error: (err as Error).stack ?? String(err) } satisfies WorkerReply),
    );
  });
}
