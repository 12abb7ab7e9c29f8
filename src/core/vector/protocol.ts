/** The messages between an `AsyncVectorEnv` and its worker threads (structured-cloned, never JSON). */
import type { MakeOptions } from '../registry.js';
import type { AutoresetMode } from './autoreset.js';

/** What a worker is started with (`workerData`). */
export interface WorkerSetup {
  /** Modules to import before `make`, so that the id is registered in the worker. */
  imports: string[];
  envId: string;
  kwargs: Record<string, unknown>;
  makeOptions: MakeOptions;
  autoresetMode: AutoresetMode;
  index: number;
}

/** A request from the main thread. */
export type WorkerRequest =
  | { seq: number; kind: 'reset'; seed: number | undefined; options: Record<string, unknown> | undefined }
  | { seq: number; kind: 'step'; action: unknown }
  | { seq: number; kind: 'observe' }
  | { seq: number; kind: 'close' };

/** An error as it crosses the thread boundary. */
export interface WorkerError {
  name: string;
  code: string | undefined;
  message: string;
}

/** A worker's answer: readiness once, then one reply per request. */
export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'init-error'; error: WorkerError }
  | { kind: 'reply'; seq: number; ok: true; value: unknown }
  | { kind: 'reply'; seq: number; ok: false; error: WorkerError };

/** Reduces any thrown value to a {@link WorkerError}. */
export function toWorkerError(error: unknown): WorkerError {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return { name: error.name, code: typeof code === 'string' ? code : undefined, message: error.message };
  }
  return { name: 'Error', code: undefined, message: String(error) };
}
