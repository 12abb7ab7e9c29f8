/**
 * Picking an episode's trace and cluster. A source is a file, a directory (one trace drawn per episode from the
 * sorted `.sktrace`/`.json` files) or the generator (a label drawn per episode); the cluster is the one given, else
 * the trace's sidecar metadata (`<trace>.meta.json`), else {@link DEFAULT_CLUSTER}. Every choice comes from the
 * episode's generator, so the same seed picks the same trace and cluster. Files are read once and cached.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../../src/core/errors.js';
import type { Rng } from '../../../src/core/rng.js';
import {
  clusterFromShape,
  DEFAULT_CLUSTER,
  isClusterShorthand,
  parseCluster,
  readClusterFile,
  type SimNode,
} from '../cluster/nodes.js';
import { readTraceFile } from '../trace/codec.js';
import { generateTrace } from '../trace/generator.js';
import type { Trace } from '../trace/schema.js';
import {
  readTraceMeta,
  TRACE_LABELS,
  type TraceLabel,
  type TraceMeta,
  TraceMetaError,
} from '../trace/trace-meta.js';
import type { TraceSource } from './config.js';

/** One episode's task: the trace, its cluster, and what is known about it. */
export interface EpisodeTask {
  /** Where the trace came from: a file path, or `generator:<label>:<seed>`. */
  name: string;
  trace: Trace;
  nodes: SimNode[];
  /** The sidecar metadata (label, defect, known fix), when there is one. */
  meta: TraceMeta | undefined;
}

/** The labels the generator draws from by default: every defect, no healthy controls. */
export const DEFAULT_GENERATOR_LABELS: readonly TraceLabel[] = TRACE_LABELS.filter(
  (label) => label !== 'healthy',
);

/** Draws episode tasks from a source; caches files it has read. */
export class TaskSampler {
  readonly #source: TraceSource;
  readonly #cluster: string | undefined;
  readonly #files = new Map<string, Promise<{ trace: Trace; meta: TraceMeta | undefined }>>();
  #directoryFiles: Promise<string[]> | undefined;
  #clusterNodes: Promise<SimNode[]> | undefined;

  constructor(source: TraceSource, cluster: string | undefined) {
    this.#source = source;
    this.#cluster = cluster;
  }

  /** The task of an episode, drawn with `rng`; `override` (a reset option) names a trace file to use instead. */
  async sample(rng: Rng, override?: { trace?: string; label?: TraceLabel }): Promise<EpisodeTask> {
    if (override?.trace !== undefined) return this.#fromFile(override.trace);
    const source = this.#source;
    if ('file' in source) return this.#fromFile(source.file);
    if ('directory' in source) return this.#fromFile(rng.choice(await this.#listDirectory(source.directory)));
    const label = override?.label ?? rng.choice(source.generator.labels ?? DEFAULT_GENERATOR_LABELS);
    const seed = rng.nextSeed();
    const generated = generateTrace({ seed, label });
    return {
      name: `generator:${label}:${seed}`,
      trace: generated.trace,
      nodes: await this.#nodes(generated.meta),
      meta: generated.meta,
    };
  }

  async #fromFile(file: string): Promise<EpisodeTask> {
    let loaded = this.#files.get(file);
    if (loaded === undefined) {
      loaded = Promise.all([readTraceFile(file), readOptionalMeta(file)]).then(([trace, meta]) => ({
        trace,
        meta,
      }));
      this.#files.set(file, loaded);
      loaded.catch(() => this.#files.delete(file));
    }
    const { trace, meta } = await loaded;
    return { name: file, trace, nodes: await this.#nodes(meta), meta };
  }

  async #listDirectory(directory: string): Promise<string[]> {
    this.#directoryFiles ??= (async () => {
      const info = await stat(directory).catch(() => undefined);
      if (!info?.isDirectory()) {
        throw new InvalidArgumentError(
          `traces: ${directory} is not a directory; pass a folder of .sktrace files`,
        );
      }
      const files = (await readdir(directory))
        .filter(
          (name) =>
            name.endsWith('.sktrace') ||
            (name.endsWith('.json') && !name.endsWith('.meta.json') && name !== 'index.json'),
        )
        .sort()
        .map((name) => join(directory, name));
      if (files.length === 0) {
        throw new InvalidArgumentError(`traces: ${directory} holds no .sktrace or trace .json file`);
      }
      return files;
    })();
    return this.#directoryFiles;
  }

  #nodes(meta: TraceMeta | undefined): Promise<SimNode[]> {
    if (this.#cluster !== undefined) {
      const cluster = this.#cluster;
      this.#clusterNodes ??= isClusterShorthand(cluster)
        ? Promise.resolve(parseCluster(cluster))
        : readClusterFile(cluster);
      return this.#clusterNodes;
    }
    return Promise.resolve(meta ? clusterFromShape(meta.cluster) : parseCluster(DEFAULT_CLUSTER));
  }
}

async function readOptionalMeta(file: string): Promise<TraceMeta | undefined> {
  try {
    return await readTraceMeta(file);
  } catch (error) {
    if (error instanceof TraceMetaError && error.code === 'META_NOT_FOUND') return undefined;
    throw error;
  }
}
