/** `AsyncVectorEnv`: each copy of an environment runs in its own worker thread. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResetResult, StepResult } from '../env.js';
import { VectorEnvError } from '../errors.js';
import { defaultRegistry, type MakeOptions } from '../registry.js';
import type { Space } from '../spaces/space.js';
import type { AutoresetMode } from './autoreset.js';
import type { WorkerError, WorkerReply, WorkerRequest, WorkerSetup } from './protocol.js';
import type { VectorEnvOptions } from './sync-vector-env.js';
import { VectorEnv } from './vector-env.js';

/** Options of {@link AsyncVectorEnv.create}. */
export interface AsyncVectorEnvOptions extends VectorEnvOptions {
  /** The registered id to build in every worker. */
  id: string;
  /** How many copies (worker threads). */
  numEnvs: number;
  /** Keyword arguments for `make`. */
  kwargs?: Record<string, unknown>;
  /** Wrapper options for `make`. */
  makeOptions?: MakeOptions;
  /**
   * Modules each worker imports before `make` so that the id is registered there; defaults to the spec's
   * `entryModule`. Needed only for environments registered without one.
   */
  imports?: readonly string[];
}

type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'seq'> : never) : never;

/**
 * Steps copies in parallel on worker threads, for environments whose step is slow enough (milliseconds) to pay for
 * the message passing. Observations, actions and infos are structured-cloned (typed arrays, Maps and bigints
 * survive). A crashed worker fails the pending call with `VectorEnvError('WORKER_CRASHED')`.
 */
export class AsyncVectorEnv<Obs = unknown, Act = unknown> extends VectorEnv<Obs, Act> {
  readonly #workers: Worker[];
  readonly #waiting: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>[];
  #seq = 0;

  private constructor(
    workers: Worker[],
    observationSpace: Space<Obs>,
    actionSpace: Space<Act>,
    mode: AutoresetMode,
  ) {
    super(workers.length, observationSpace, actionSpace, mode);
    this.#workers = workers;
    this.#waiting = workers.map(() => new Map());
    workers.forEach((worker, i) => {
      worker.on('message', (reply: WorkerReply) => {
        if (reply.kind !== 'reply') return;
        const waiter = this.#waiting[i]?.get(reply.seq);
        this.#waiting[i]?.delete(reply.seq);
        if (reply.ok) waiter?.resolve(reply.value);
        else waiter?.reject(copyError(i, reply.error));
      });
      const crash = (reason: string) => {
        for (const waiter of this.#waiting[i]?.values() ?? []) {
          waiter.reject(new VectorEnvError('WORKER_CRASHED', `copy ${i}: its worker thread ${reason}`));
        }
        this.#waiting[i]?.clear();
      };
      worker.on('error', (error) => crash(`failed: ${error.message}`));
      worker.on('exit', (code) => crash(`exited with code ${code}`));
    });
  }

  /**
   * Starts `numEnvs` workers, each building `make(id, kwargs, makeOptions)`, and waits until all are ready. The spaces
   * are read from one copy built in this thread (so the id must be registered here too).
   */
  static async create<Obs = unknown, Act = unknown>(
    options: AsyncVectorEnvOptions,
  ): Promise<AsyncVectorEnv<Obs, Act>> {
    if (!Number.isSafeInteger(options.numEnvs) || options.numEnvs < 1) {
      throw new VectorEnvError(
        'INVALID_ARGUMENT',
        `numEnvs must be a positive integer, got ${options.numEnvs}`,
      );
    }
    const envSpec = defaultRegistry.spec(options.id);
    const imports = [...(options.imports ?? (envSpec.entryModule ? [envSpec.entryModule] : []))];
    if (imports.length === 0) {
      throw new VectorEnvError(
        'NO_ENTRY_MODULE',
        `${options.id} was registered without an entryModule, so worker threads cannot rebuild it: pass imports: [moduleUrl] ` +
          'or register it with entryModule: the package or file URL of a module that registers it on import',
      );
    }
    const probe = await defaultRegistry.make<Obs, Act>(options.id, options.kwargs, {
      disableEnvChecker: true,
    });
    const { observationSpace, actionSpace } = probe;
    await probe.close();
    const mode = options.autoresetMode ?? 'next-step';
    const workers = Array.from({ length: options.numEnvs }, (_, index) => {
      const setup: WorkerSetup = {
        imports,
        envId: options.id,
        kwargs: { ...options.kwargs },
        makeOptions: { ...options.makeOptions },
        autoresetMode: mode,
        index,
      };
      return startWorker(setup);
    });
    const ready = await Promise.allSettled(workers.map((worker, i) => waitReady(worker, i)));
    const failed = ready.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw failed.reason;
    }
    return new AsyncVectorEnv<Obs, Act>(workers, observationSpace, actionSpace, mode);
  }

  protected resetCopy(
    index: number,
    seed: number | undefined,
    options: Record<string, unknown> | undefined,
  ): Promise<ResetResult<Obs>> {
    return this.#call(index, { kind: 'reset', seed, options }) as Promise<ResetResult<Obs>>;
  }

  protected stepCopy(index: number, action: Act): Promise<StepResult<Obs>> {
    return this.#call(index, { kind: 'step', action }) as Promise<StepResult<Obs>>;
  }

  protected observeCopy(index: number): Promise<Obs> {
    return this.#call(index, { kind: 'observe' }) as Promise<Obs>;
  }

  protected async closeCopies(): Promise<void> {
    await Promise.allSettled(this.#workers.map((_, i) => this.#call(i, { kind: 'close' })));
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #call(index: number, request: Request): Promise<unknown> {
    const worker = this.#workers[index] as Worker;
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#waiting[index]?.set(seq, { resolve, reject });
      worker.postMessage({ ...request, seq } as WorkerRequest);
    });
  }
}

/**
 * Starts the worker script: the built `vector-worker.js` beside this module, or, when running from the TypeScript
 * sources or when a module to import is TypeScript (tests, scripts run with `tsx`), the `.ts` script loaded through
 * tsx's module hooks registered inside the new thread (Node 20 does not carry `--import` hooks into workers).
 */
function startWorker(setup: WorkerSetup): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = new URL(fromSource ? './vector-worker.ts' : './vector-worker.js', import.meta.url);
  const options = { workerData: setup, execArgv: workerExecArgv() };
  if (!fromSource && !setup.imports.some((specifier) => /\.[mc]?ts$/.test(specifier))) {
    return new Worker(script, options);
  }
  const tsx = JSON.stringify(tsxApiUrl());
  const bootstrap = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * The URL of tsx's ESM API (`tsx/esm/api`), found through tsx's own package.json so that this works from the CJS
 * build too (where `import.meta.resolve` does not exist). Throws a clear error when tsx is not installed.
 */
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  let manifestPath: string;
  try {
    manifestPath = require.resolve('tsx/package.json');
  } catch {
    throw new VectorEnvError(
      'TSX_MISSING',
      'a worker must load TypeScript modules, which needs the tsx package: npm install --save-dev tsx',
    );
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  const entry = manifest.exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return pathToFileURL(join(dirname(manifestPath), entry)).href;
}

/** The parent's Node options minus those that only make sense for the main script (`-e`, `--input-type`…). */
function workerExecArgv(): string[] {
  const kept: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (['-e', '--eval', '-p', '--print'].includes(arg)) i++;
    else if (!arg.startsWith('--input-type') && !arg.startsWith('--eval=') && !arg.startsWith('--print='))
      kept.push(arg);
  }
  return kept;
}

function waitReady(worker: Worker, index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      if (reply.kind === 'ready') done(resolve);
      else if (reply.kind === 'init-error') done(() => reject(copyError(index, reply.error)));
    };
    const onError = (error: Error) =>
      done(() => reject(new VectorEnvError('WORKER_CRASHED', `copy ${index}: ${error.message}`)));
    const onExit = (code: number) =>
      done(() =>
        reject(
          new VectorEnvError(
            'WORKER_CRASHED',
            `copy ${index}: worker exited with code ${code} before it was ready`,
          ),
        ),
      );
    const done = (settle: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      settle();
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

function copyError(index: number, error: WorkerError): VectorEnvError {
  const code = error.code ? ` [${error.code}]` : '';
  return new VectorEnvError('COPY_FAILED', `copy ${index}: ${error.name}${code}: ${error.message}`, {
    cause: error,
  });
}
