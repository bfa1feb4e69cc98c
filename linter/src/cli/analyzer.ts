/**
 * Per-file analysis (`Engine.analyze`) in-process or on worker threads.
 *
 * With `threads > 1`, files are split in batches (about 256 KiB of text each) shared by the
 * main thread and `threads - 1` workers (`dist/worker.js`, each with its own Engine); batches
 * are handed out as each finishes, so a large file does not hold up the others. The main thread
 * takes part because it would otherwise wait, and the facts it computes need no transfer. Workers start only when the work pays
 * for their start-up (at least ~1.5 MiB of text per worker) unless `--threads` was given
 * explicitly; from source (no bundle) analysis always runs in-process. A failing batch is
 * redone in-process and reported as an internal error.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Engine, FileFacts, Grammars } from '../core/engine';
import { runJob, type AnalyzeJob, type WorkerReply, type WorkerRequest } from './worker';
import { BUNDLED } from './env';

const BATCH_CHARS = 256 * 1024;
const MIN_CHARS_PER_WORKER = 1.5 * 1024 * 1024;
const QUEUE_PER_WORKER = 2;

/** Options of {@link Analyzer}. */
export interface AnalyzerOptions {
  /** Maximum number of worker threads; 1 = in-process. */
  threads: number;
  /** Whether `threads` was given explicitly (then workers start for any run of ≥ 2 files). */
  explicitThreads: boolean;
  /** The main thread's engine (created on first use). */
  engine: () => Promise<Engine>;
  /** Grammar bytes for the workers. */
  grammars: () => Grammars;
  /** Called after each file or batch with the number of files done so far. */
  onProgress?: (done: number, total: number) => void;
}

interface PoolWorker {
  worker: Worker;
  /** Batches sent and not answered yet (up to {@link QUEUE_PER_WORKER}). */
  inflight: number;
}

/** Runs `Engine.analyze` over files; keep one per CLI run and {@link Analyzer.close} it. */
export class Analyzer {
  private workers: PoolWorker[] = [];
  private nextId = 1;
  /** Internal errors (stack traces) from failed batches. */
  readonly errors: string[] = [];

  constructor(private readonly opts: AnalyzerOptions) {}

  private wanted(jobs: readonly AnalyzeJob[]): number {
    if (!BUNDLED || this.opts.threads <= 1 || jobs.length < 2) return 1;
    if (this.opts.explicitThreads) return Math.min(this.opts.threads, jobs.length);
    const chars = jobs.reduce((n, f) => n + f.input.text.length, 0);
    return Math.max(1, Math.min(this.opts.threads, Math.floor(chars / MIN_CHARS_PER_WORKER)));
  }

  /** Facts of every job's file, in the same order (cached where the job says). Never throws for a file's content. */
  async analyze(jobs: readonly AnalyzeJob[]): Promise<FileFacts[]> {
    const n = this.wanted(jobs);
    if (n <= 1) return this.inProcess(jobs, 0, jobs.length);
    while (this.workers.length < n - 1) {
      const grammars = this.opts.grammars();
      const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: { grammars } });
      worker.unref();
      this.workers.push({ worker, inflight: 0 });
    }
    return this.onWorkers(jobs);
  }

  private async inProcess(jobs: readonly AnalyzeJob[], doneBefore: number, total: number): Promise<FileFacts[]> {
    const engine = await this.opts.engine();
    const out: FileFacts[] = [];
    for (const f of jobs) {
      out.push(runJob(engine, f));
      this.opts.onProgress?.(doneBefore + out.length, total);
    }
    return out;
  }

  private onWorkers(jobs: readonly AnalyzeJob[]): Promise<FileFacts[]> {
    const batches: Array<{ start: number; jobs: AnalyzeJob[] }> = [];
    let cur: AnalyzeJob[] = [];
    let chars = 0;
    let start = 0;
    jobs.forEach((f, i) => {
      cur.push(f);
      chars += f.input.text.length;
      if (chars >= BATCH_CHARS) {
        batches.push({ start, jobs: cur });
        cur = [];
        chars = 0;
        start = i + 1;
      }
    });
    if (cur.length) batches.push({ start, jobs: cur });

    const result: FileFacts[] = new Array(jobs.length);
    let done = 0;
    let next = 0;
    return new Promise((resolve) => {
      let active = 0;
      let mainBusy = false;
      const finish = (batch: { start: number; jobs: AnalyzeJob[] }, facts: FileFacts[]): void => {
        facts.forEach((f, i) => (result[batch.start + i] = f));
        done += batch.jobs.length;
        this.opts.onProgress?.(done, jobs.length);
      };
      const pump = (): void => {
        if (next >= batches.length && active === 0) {
          resolve(result);
          return;
        }
        if (this.workers.length === 0 && next < batches.length) {
          // Every worker died: finish in-process.
          const rest = batches.slice(next);
          next = batches.length;
          active++;
          void (async () => {
            for (const b of rest) finish(b, await this.inProcess(b.jobs, done, jobs.length));
          })().finally(() => {
            active--;
            pump();
          });
          return;
        }
        // The main thread takes a batch too, between worker messages.
        if (!mainBusy && next < batches.length) {
          const batch = batches[next++];
          mainBusy = true;
          active++;
          setImmediate(() => {
            void this.inProcess(batch.jobs, done, jobs.length)
              .then((facts) => finish(batch, facts))
              .finally(() => {
                mainBusy = false;
                active--;
                pump();
              });
          });
        }
        for (const pw of this.workers) {
          while (pw.inflight < QUEUE_PER_WORKER && next < batches.length) sendTo(pw, batches[next++]);
        }
      };
      // Each worker keeps a batch queued: while the main thread runs a batch of its own it
      // cannot hand out work, and a worker without a queued batch would sit idle.
      const sendTo = (pw: PoolWorker, batch: { start: number; jobs: AnalyzeJob[] }): void => {
        pw.inflight++;
        active++;
        this.runBatch(pw, batch.jobs)
          .then(
            (facts) => finish(batch, facts),
            async (err: unknown) => {
              this.errors.push(`worker failed; analyzed in-process instead: ${(err as Error).message ?? String(err)}`);
              finish(batch, await this.inProcess(batch.jobs, done, jobs.length));
            },
          )
          .finally(() => {
            pw.inflight--;
            active--;
            pump();
          });
      };
      pump();
    });
  }

  private runBatch(pw: PoolWorker, jobs: AnalyzeJob[]): Promise<FileFacts[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: WorkerReply): void => {
        if (reply.id !== id) return;
        cleanup();
        if ('error' in reply) reject(new Error(reply.error));
        else resolve(JSON.parse(reply.json) as FileFacts[]);
      };
      const onError = (err: Error): void => {
        cleanup();
        this.workers = this.workers.filter((w) => w !== pw);
        reject(err);
      };
      const onExit = (code: number): void => onError(new Error(`worker exited with code ${code}`));
      const cleanup = (): void => {
        pw.worker.off('message', onMessage);
        pw.worker.off('error', onError);
        pw.worker.off('exit', onExit);
      };
      pw.worker.on('message', onMessage);
      pw.worker.on('error', onError);
      pw.worker.on('exit', onExit);
      pw.worker.postMessage({ id, jobs } satisfies WorkerRequest);
    });
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }
}
