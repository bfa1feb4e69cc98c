/**
 * Per-file analysis (`Engine.analyze`) in-process or on worker threads.
 *
 * With `threads > 1`, the main thread and `threads - 1` workers (`dist/worker.js`, each with its
 * own Engine) share the files: every thread takes the next one, largest first, from a shared
 * counter (`Atomics.add`), so nobody waits to be handed work and the threads finish together.
 * The main thread takes part because it would otherwise wait, and the facts it computes need no
 * transfer; it lets the workers' replies in (chunks of facts as JSON) every few milliseconds.
 * Workers start only when the work pays for their start-up (at least ~1.5 MiB of text per
 * worker) unless `--threads` was given explicitly; from source (no bundle) analysis always runs
 * in-process. The files a failing worker had taken are redone in-process and reported as an
 * internal error.
 *
 * **Analysis ahead of need.** An analysis may come with a plan of files that will *probably* be
 * needed later (the files the model is predicted to load on demand while linting, see
 * `project-run.ts`). Each worker, once no file is left to take, analyzes the plan's files that are
 * *ready* while the main thread lints: at first the likeliest (the scope's own imports), then,
 * as the lint asks for a file, what that file imports ({@link AheadResults.requested}; the most
 * recent first, since the model follows names into imports depth first). Files never made ready
 * are never analyzed, so a wide prediction costs little. {@link AheadResults.take} hands the main
 * thread a file's facts synchronously when the model asks for it: already analyzed (its JSON is
 * parsed then, and only then), being analyzed (the main thread waits for it), or not started
 * (the caller analyzes it itself; no worker will then). Files are claimed through a shared
 * `Int32Array` (compare-and-exchange), so no file is analyzed twice, and results are read with
 * `receiveMessageOnPort`, which needs no event loop turn: the model's loader is synchronous.
 */
import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Engine, FileFacts, Grammars } from '../core/engine';
import { aheadBuffer, AheadCell, runJob, type AheadReply, type AnalyzeJob, type WorkerReply, type WorkerRequest } from './worker';
import { BUNDLED } from './env';

const MIN_CHARS_PER_WORKER = 1.5 * 1024 * 1024;
/** How long the main thread analyzes before it lets the workers' replies in (ms). */
const YIELD_MS = 15;
/**
 * How long {@link AheadResults.take} waits for a file a worker is analyzing before analyzing it
 * itself (ms). Only reached if the worker died: no file takes this long to parse.
 */
const AHEAD_WAIT_LIMIT_MS = 10_000;

const { FREE, ON_WORKER, DONE, ON_MAIN } = AheadCell;

/** What became of the files analyzed ahead of need (see {@link AheadResults}). */
export interface AheadStats {
  /** Files handed to the workers to analyze ahead if they become likely to be needed. */
  queued: number;
  /** Of those, files that did (the workers may analyze only these; see {@link AheadPlan}). */
  readied: number;
  /** Files the workers analyzed ahead, needed or not (those whose facts arrived before {@link AheadResults.stop}). */
  analyzedOnWorkers: number;
  /** {@link AheadResults.take} calls answered with a worker's facts. */
  taken: number;
  /** Of those, how many the main thread had to wait for (the worker was still analyzing them). */
  waited: number;
  /** Milliseconds the main thread spent in {@link AheadResults.take}, waiting and parsing the facts' JSON. */
  takeMs: number;
  /** {@link AheadResults.take} calls for files no worker had started (the caller analyzed them). */
  claimedByCaller: number;
}

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
  /** Called after each file with the number of files done so far. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Testing aid: with workers, the main thread takes no job itself (only those a failed worker
   * left), so that which thread analyzes what does not depend on timing.
   */
  mainTakesNoJobs?: boolean;
}

interface PoolWorker {
  worker: Worker;
}

/** Files to analyze ahead of need (see the module comment and {@link Analyzer.analyzeAhead}). */
export interface AheadPlan {
  /** The files that may be needed; each is analyzed at most once, by a worker or by the caller. */
  jobs: readonly AnalyzeJob[];
  /** Paths likely needed from the start, most likely first: the workers begin with these. */
  first: readonly string[];
  /**
   * Paths likely needed once the lint has asked for `path` (what it imports), most likely first:
   * the workers turn to these as soon as it does (see {@link AheadResults.requested}).
   */
  next(path: string): readonly string[];
}

/**
 * Facts of the files analyzed ahead of need (see the module comment), from the main thread's
 * side. Single use: call {@link stop} when the lint that may need them is over.
 */
export class AheadResults {
  private readonly claims: Int32Array;
  /** Index of the stop flag in {@link claims}; the queue's length and the queue follow (see `AheadCell`). */
  private readonly stopCell: number;
  private readonly isReady: Uint8Array;
  private readonly replies = new Map<number, AheadReply>();
  private readonly index = new Map<string, number>();
  private stopped = false;
  /** See {@link AheadStats}. */
  readonly stats: AheadStats;

  /**
   * @param paths the files of the plan's jobs, in the same order.
   * @param buffer {@link aheadBuffer}`(paths.length)`, shared with the workers (see `AheadCell`).
   * @param ports the main thread's end of one channel per worker that analyzes ahead.
   * @param next the plan's `next`.
   */
  constructor(
    paths: readonly string[],
    buffer: SharedArrayBuffer,
    private readonly ports: MessagePort[],
    private readonly next: (path: string) => readonly string[] = () => [],
  ) {
    this.claims = new Int32Array(buffer);
    this.stopCell = paths.length;
    this.isReady = new Uint8Array(paths.length);
    paths.forEach((p, i) => this.index.set(p, i));
    this.stats = { queued: paths.length, readied: 0, analyzedOnWorkers: 0, taken: 0, waited: 0, takeMs: 0, claimedByCaller: 0 };
  }

  /** An empty result (nothing analyzed ahead). */
  static none(): AheadResults {
    return new AheadResults([], aheadBuffer(0), []);
  }

  /**
   * Let the workers analyze these files (those of the plan not made ready yet), most likely
   * first: they take the files made ready last first.
   */
  ready(paths: readonly string[]): void {
    if (this.stopped) return;
    const len = this.stopCell + 1;
    let n = Atomics.load(this.claims, len);
    for (let k = paths.length - 1; k >= 0; k--) {
      const i = this.index.get(paths[k]);
      if (i === undefined || this.isReady[i]) continue;
      this.isReady[i] = 1;
      Atomics.store(this.claims, len + 1 + n++, i);
    }
    if (n === Atomics.load(this.claims, len)) return;
    this.stats.readied = n;
    Atomics.store(this.claims, len, n);
    Atomics.notify(this.claims, len);
  }

  /**
   * The lint asked for `path` (from whatever source its facts come): what it imports is likely
   * next, so the workers turn to it.
   */
  requested(path: string): void {
    if (!this.stopped && this.index.size) this.ready(this.next(path));
  }

  /**
   * The facts of `path` if a worker analyzed it or is analyzing it (then this blocks until it is
   * done, at most {@link AHEAD_WAIT_LIMIT_MS} ms), synchronously. `null` when `path` is not in the
   * plan, no worker has started it (it is then claimed: no worker will analyze it, the caller
   * does), after {@link stop}, or when the worker failed. Never throws. Call at most once per path.
   */
  take(path: string): FileFacts | null {
    const i = this.index.get(path);
    if (i === undefined || this.stopped) return null;
    const prev = Atomics.compareExchange(this.claims, i, FREE, ON_MAIN);
    if (prev === FREE) {
      this.stats.claimedByCaller++;
      return null;
    }
    if (prev === ON_MAIN) return null;
    const t0 = performance.now();
    try {
      return this.await(i, path, prev);
    } finally {
      this.stats.takeMs += performance.now() - t0;
    }
  }

  /** {@link take} of file `i`, claimed by a worker (`prev`: its state when the caller asked). */
  private await(i: number, path: string, prev: number): FileFacts | null {
    const deadline = Date.now() + AHEAD_WAIT_LIMIT_MS;
    if (prev === ON_WORKER) this.stats.waited++;
    while (Atomics.load(this.claims, i) === ON_WORKER) {
      if (Date.now() > deadline) return null;
      Atomics.wait(this.claims, i, ON_WORKER, 50);
    }
    // DONE: the worker posted the reply before marking it (a port's queue is filled on send).
    for (;;) {
      this.drain();
      const reply = this.replies.get(i);
      if (reply) {
        this.replies.delete(i);
        if (!('json' in reply)) return null;
        this.stats.taken++;
        const facts = JSON.parse(reply.json) as FileFacts;
        facts.path = path;
        return facts;
      }
      if (Date.now() > deadline) return null;
      Atomics.wait(this.claims, this.stopCell, 0, 1);
    }
  }

  /**
   * Block until the workers have analyzed every file made ready so far and not claimed by the
   * caller, or `timeoutMs` passed (a testing aid: it makes {@link take} deterministic; normal runs
   * never wait for files nobody asked for).
   */
  settle(timeoutMs: number): void {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < this.stopCell; i++) {
      if (!this.isReady[i]) continue;
      for (let v = Atomics.load(this.claims, i); v === FREE || v === ON_WORKER; v = Atomics.load(this.claims, i)) {
        if (Date.now() > deadline) return;
        Atomics.wait(this.claims, i, v, 20);
      }
    }
  }

  /** Tell the workers to stop analyzing ahead (after the file they are on) and drop what is left. */
  stop(): void {
    if (this.stopped) return;
    Atomics.store(this.claims, this.stopCell, 1);
    Atomics.notify(this.claims, this.stopCell + 1); // wake idle workers
    this.drain();
    this.stopped = true;
    this.replies.clear();
    for (const p of this.ports) p.close();
  }

  private drain(): void {
    for (const port of this.ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const reply = m.message as AheadReply;
        this.replies.set(reply.i, reply);
        this.stats.analyzedOnWorkers++;
      }
    }
  }
}

/** Runs `Engine.analyze` over files; keep one per CLI run and {@link Analyzer.close} it. */
export class Analyzer {
  private workers: PoolWorker[] = [];
  private nextId = 1;
  /** Internal errors (stack traces) from failed workers. */
  readonly errors: string[] = [];

  constructor(private readonly opts: AnalyzerOptions) {}

  private wanted(jobs: readonly AnalyzeJob[]): number {
    return this.workersFor(jobs.length, jobs.reduce((n, f) => n + f.input.text.length, 0));
  }

  /** Threads (the main one included) for `files` files of `chars` UTF-16 code units in all. */
  private workersFor(files: number, chars: number): number {
    if (!BUNDLED || this.opts.threads <= 1 || files < 2) return 1;
    if (this.opts.explicitThreads) return Math.min(this.opts.threads, files);
    return Math.max(1, Math.min(this.opts.threads, Math.floor(chars / MIN_CHARS_PER_WORKER)));
  }

  /** Facts of every job's file, in the same order (cached where the job says). Never throws for a file's content. */
  async analyze(jobs: readonly AnalyzeJob[]): Promise<FileFacts[]> {
    return (await this.analyzeAhead(jobs, null)).facts;
  }

  /**
   * Whether {@link analyze} of these jobs would use worker threads (so that a plan handed to
   * {@link analyzeAhead} would be analyzed ahead).
   */
  usesWorkers(jobs: readonly AnalyzeJob[]): boolean {
    return this.wanted(jobs) > 1;
  }

  /**
   * Start the worker threads that {@link analyze} of about `chars` UTF-16 code units of text in
   * `files` files would use, so that their start-up (loading the bundle, compiling the grammars)
   * overlaps the caller's own work. Does nothing in-process.
   */
  warmUp(files: number, chars: number): void {
    const n = this.workersFor(files, chars);
    if (n > 1) this.spawn(n - 1);
  }

  /**
   * {@link analyze} `jobs`, and on the workers (when it uses any) the files of the plan too, each
   * worker once no file of `jobs` is left to take and each file once it is ready (see
   * {@link AheadPlan}): they are analyzed while the caller goes on (see the module comment) and
   * their facts taken from the returned {@link AheadResults}, which the caller must
   * {@link AheadResults.stop}. Resolves when the facts of `jobs` are in (in their order).
   * Never throws for a file's content; rejects when the main thread's engine cannot be created.
   */
  async analyzeAhead(jobs: readonly AnalyzeJob[], plan: AheadPlan | null): Promise<{ facts: FileFacts[]; ahead: AheadResults }> {
    const n = this.wanted(jobs);
    if (n <= 1) return { facts: await this.inProcess(jobs, 0, jobs.length), ahead: AheadResults.none() };
    this.spawn(n - 1);
    return this.onWorkers(jobs, plan);
  }

  private spawn(count: number): void {
    while (this.workers.length < count) {
      const grammars = this.opts.grammars();
      const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: { grammars } });
      worker.unref();
      this.workers.push({ worker });
    }
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

  private async onWorkers(jobs: readonly AnalyzeJob[], plan: AheadPlan | null): Promise<{ facts: FileFacts[]; ahead: AheadResults }> {
    const n = jobs.length;
    // Largest files first, each taken by whichever thread is free (a shared counter), so the
    // threads finish together: the lint waits for the last file.
    const order = jobs.map((_, i) => i).sort((a, b) => jobs[b].input.text.length - jobs[a].input.text.length || a - b);
    const sorted = order.map((i) => jobs[i]);
    const counterBuffer = new SharedArrayBuffer(4);
    const counter = new Int32Array(counterBuffer);
    const result: FileFacts[] = new Array(n);
    let done = 0;
    const got = (i: number, facts: FileFacts): void => {
      result[i] = facts;
      done++;
      this.opts.onProgress?.(done, n);
    };

    // Analysis ahead: claims and the ready queue shared by every worker; one channel per worker
    // for the replies. Each worker turns to it when no file of `jobs` is left to claim.
    const aheadJobs = plan?.jobs ?? [];
    const claims = aheadBuffer(aheadJobs.length);
    const ports: MessagePort[] = [];
    const ahead = plan && aheadJobs.length ? new AheadResults(aheadJobs.map((j) => j.input.path), claims, ports, (p) => plan.next(p)) : AheadResults.none();
    if (plan) ahead.ready(plan.first);

    const id = this.nextId++;
    const live = new Set(this.workers);
    let mainDone = false;
    let settle: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (settle = resolve));
    const check = (): void => {
      if (mainDone && (done === n || live.size === 0)) settle();
    };
    const listeners = this.workers.map((pw) => {
      const gone = (why: string): void => {
        if (!live.delete(pw)) return;
        this.workers = this.workers.filter((w) => w !== pw);
        this.errors.push(`worker failed; analyzed in-process instead: ${why}`);
        check();
      };
      const onMessage = (reply: WorkerReply): void => {
        if (reply.id !== id) return;
        if ('json' in reply) {
          const facts = JSON.parse(reply.json) as FileFacts[];
          reply.indices.forEach((k, j) => got(order[k], facts[j]));
        } else if ('error' in reply) gone(reply.error);
        else live.delete(pw);
        check();
      };
      const onError = (err: Error): void => gone(err.message);
      const onExit = (code: number): void => gone(`worker exited with code ${code}`);
      pw.worker.on('message', onMessage);
      pw.worker.on('error', onError);
      pw.worker.on('exit', onExit);
      // Referenced while it works for us: else, should it die, nothing would keep the process
      // alive until its 'exit' event comes.
      pw.worker.ref();
      pw.worker.postMessage({ id, jobs: sorted, counter: counterBuffer } satisfies WorkerRequest);
      if (aheadJobs.length) {
        const ch = new MessageChannel();
        ports.push(ch.port1);
        pw.worker.postMessage({ ahead: { jobs: [...aheadJobs], claims, port: ch.port2 } } satisfies WorkerRequest, [ch.port2]);
      }
      return () => {
        pw.worker.off('message', onMessage);
        pw.worker.off('error', onError);
        pw.worker.off('exit', onExit);
        pw.worker.unref();
      };
    });

    // The main thread claims files too (once its own engine is up: the workers have started),
    // yielding now and then so that the workers' replies are parsed as they come rather than
    // all at the end.
    try {
      const engine = await this.opts.engine();
      let lastYield = performance.now();
      for (let k = this.opts.mainTakesNoJobs ? n : Atomics.add(counter, 0, 1); k < n; k = Atomics.add(counter, 0, 1)) {
        got(order[k], runJob(engine, sorted[k]));
        if (performance.now() - lastYield > YIELD_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
      mainDone = true;
      check();
      await finished;
      // Files a failed worker had taken.
      for (let i = 0; i < n; i++) if (!result[i]) got(i, runJob(engine, jobs[i]));
    } catch (err) {
      ahead.stop(); // nobody will: let the workers go
      throw err;
    } finally {
      for (const off of listeners) off();
    }
    return { facts: result, ahead };
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }
}
