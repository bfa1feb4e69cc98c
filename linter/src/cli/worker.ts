/**
 * Worker-thread entry (bundled as `dist/worker.js`): builds its own Engine from the grammar
 * bytes in `workerData` and answers batches of files with their {@link FileFacts}.
 *
 * Protocol: the main thread posts `{ id, files: FileInput[] }`; the worker replies
 * `{ id, facts: FileFacts[] }` (same order) or `{ id, error }` if the batch failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Engine, type FileInput, type Grammars } from '../core/engine';

/** A request from the main thread. */
export interface WorkerRequest {
  id: number;
  files: FileInput[];
}

/** A reply to the main thread. */
export type WorkerReply = { id: number; facts: import('../core/engine').FileFacts[] } | { id: number; error: string };

if (parentPort) {
  const port = parentPort;
  const engine = Engine.create((workerData as { grammars: Grammars }).grammars);
  port.on('message', (req: WorkerRequest) => {
    engine.then(
      (e) => {
        try {
          port.postMessage({ id: req.id, facts: req.files.map((f) => e.analyze(f)) } satisfies WorkerReply);
        } catch (err) {
          port.postMessage({ id: req.id, error: (err as Error).stack ?? String(err) } satisfies WorkerReply);
        }
      },
      (err: unknown) => port.postMessage({ id: req.id, error: (err as Error).stack ?? String(err) } satisfies WorkerReply),
    );
  });
}
