/**
 * `sim-arena trace …`: inspect, convert, validate, generate, edit and upgrade SimKube trace files.
 * Every command reads through the codec (so bad input gets a `TraceFormatError` naming the file and field) and writes
 * atomically.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { nonNegativeIntegerOption, zodOption } from '../../../src/cli/options.js';
import { SimArenaError } from '../../../src/core/errors.js';
import { writeBundledTraces } from '../trace/canonical.js';
import { readTraceFile, writeTraceFile } from '../trace/codec.js';
import { generateTraceSet } from '../trace/generator.js';
import { applyTraceOp, TRACE_OP_TYPES, TraceOpSchema } from '../trace/ops.js';
import { TRACE_LABELS } from '../trace/trace-meta.js';
import { upgradePre2Trace } from '../trace/upgrade.js';
import { formatTraceSummary, summarizeTrace } from './trace-inspect.js';

const formatOption = zodOption(z.enum(['json', 'msgpack'], { error: 'expected json or msgpack' }));
const labelOption = zodOption(z.enum(TRACE_LABELS, { error: `expected one of ${TRACE_LABELS.join(', ')}` }));

/** A failed trace operation, as the CLI reports it (exit code 2 with the valid choices). */
export class TraceEditError extends SimArenaError {}

/** The output path of `convert` when none is given: the same name with the other extension. */
export function convertedPath(file: string, to: 'json' | 'msgpack'): string {
  const stem = file.slice(0, file.length - extname(file).length);
  return `${stem}${to === 'json' ? '.json' : '.sktrace'}`;
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function inspectCommand(): Command {
  return new Command('inspect')
    .description('show a trace: version, events, time span, workloads with requests and replicas over time')
    .argument('<file>', 'trace file')
    .option('--json', 'print JSON instead of text')
    .action(async (file: string, options: { json?: boolean }) => {
      const summary = summarizeTrace(await readTraceFile(file));
      if (options.json) out(JSON.stringify(summary, null, 2));
      else for (const line of formatTraceSummary(file, summary)) out(line);
    });
}

function convertCommand(): Command {
  return new Command('convert')
    .description('convert a trace between msgpack (SimKube .sktrace) and JSON (SimKube test fixtures)')
    .argument('<file>', 'trace file (msgpack or JSON, detected from the content)')
    .requiredOption('--to <format>', 'json or msgpack', formatOption)
    .option('--out <file>', 'output file (default: the input name with .json or .sktrace)')
    .action(async (file: string, options: { to: 'json' | 'msgpack'; out?: string }) => {
      const trace = await readTraceFile(file);
      const target = options.out ?? convertedPath(file, options.to);
      if (target === file)
        throw new SimArenaError(
          'SAME_FILE',
          `--out ${target} would overwrite the input: choose another file`,
        );
      await writeTraceFile(target, trace, { format: options.to });
      out(`${file} → ${target} (${options.to}, ${trace.events.length} events)`);
    });
}

function validateCommand(): Command {
  return new Command('validate')
    .description('check that trace files decode and validate; exit code 1 if any does not')
    .argument('<files...>', 'trace files')
    .action(async (files: string[]) => {
      let failed = 0;
      for (const file of files) {
        try {
          const trace = await readTraceFile(file);
          out(`ok    ${file}: format ${trace.version}, ${trace.events.length} events`);
        } catch (error) {
          if (!(error instanceof SimArenaError)) throw error;
          failed += 1;
          out(`error ${error.message} [${error.code}]`);
        }
      }
      if (failed > 0) process.exitCode = 1;
    });
}

function upgradeCommand(): Command {
  return new Command('upgrade')
    .description('upgrade a pre-2.0 trace (SimKube ≤ 1.1.1) to trace format 2')
    .argument('<file>', 'pre-2.0 trace file')
    .option('--out <file>', 'output file (default: <name>.v2.sktrace)')
    .action(async (file: string, options: { out?: string }) => {
      const warnings: string[] = [];
      const trace = upgradePre2Trace(new Uint8Array(await readFile(file)), {
        file: basename(file),
        onWarning: (message) => warnings.push(message),
      });
      const target = options.out ?? `${file.slice(0, file.length - extname(file).length)}.v2.sktrace`;
      await writeTraceFile(target, trace, { format: 'msgpack' });
      for (const warning of warnings) out(`warning: ${warning}`);
      out(`${file} → ${target} (format 2, ${trace.events.length} events)`);
    });
}

function generateCommand(): Command {
  return new Command('generate')
    .description('generate labelled traces with a known defect and fix, each with a .meta.json sidecar')
    .requiredOption('--count <n>', 'how many traces', nonNegativeIntegerOption)
    .requiredOption('--seed <n>', 'the seed of the set', nonNegativeIntegerOption)
    .option(
      '--label <label>',
      `one label for all (${TRACE_LABELS.join(', ')}); default: cycle through them`,
      labelOption,
    )
    .requiredOption('--out <dir>', 'output directory')
    .action(
      async (options: {
        count: number;
        seed: number;
        label?: (typeof TRACE_LABELS)[number];
        out: string;
      }) => {
        const index = await generateTraceSet(
          { count: options.count, seed: options.seed, label: options.label },
          options.out,
        );
        for (const entry of index.traces) out(`${entry.file}  ${entry.label}`);
        out(`${index.traces.length} traces in ${options.out} (index.json lists labels, clusters and fixes)`);
      },
    );
}

function editCommand(): Command {
  return new Command('edit')
    .description('apply one operation to a workload of a trace')
    .argument('<file>', 'trace file')
    .requiredOption('--op <op>', TRACE_OP_TYPES.join(', '))
    .requiredOption('--workload <name>', 'namespace/name, or a name that is unambiguous')
    .option('--container <name>', 'the container (default: the first app container)')
    .option('--cpu <quantity>', 'set_requests: the CPU request, e.g. 750m')
    .option('--memory <quantity>', 'set_requests: the memory request, e.g. 1Gi')
    .option('--replicas <n>', 'set_replicas: the replica count', nonNegativeIntegerOption)
    .requiredOption('--out <file>', 'output file')
    .action(async (file: string, options: Record<string, unknown>) => {
      const { out: target, op, ...rest } = options;
      const parsed = TraceOpSchema.safeParse({ type: op, ...rest });
      if (!parsed.success) {
        const problems = parsed.error.issues
          .map((i) => `${i.path.join('.') || 'op'}: ${i.message}`)
          .join('; ');
        throw new TraceEditError('INVALID_OPERATION', `invalid operation: ${problems}`);
      }
      const result = applyTraceOp(await readTraceFile(file), parsed.data);
      if (!result.ok) {
        const choices =
          result.failure.choices.length > 0 ? ` Valid choices: ${result.failure.choices.join(', ')}.` : '';
        throw new TraceEditError(result.failure.code, `${result.failure.message}${choices}`);
      }
      await writeTraceFile(String(target), result.trace);
      for (const c of result.changes) {
        const where = c.container === undefined ? c.workload : `${c.workload} ${c.container}`;
        out(`${where}: ${c.field} ${c.from ?? '(absent)'} → ${c.to} in ${c.events} event(s)`);
      }
      out(`wrote ${String(target)}`);
    });
}

function bundleCommand(): Command {
  return new Command('bundle')
    .description(
      'write the traces that ship with sim-arena: canonical/ and generated/ (100 from a fixed seed)',
    )
    .requiredOption('--out <dir>', 'root directory (the repository uses traces/)')
    .action(async (options: { out: string }) => {
      const bundled = await writeBundledTraces(options.out);
      out(
        `${bundled.canonical.length} canonical and ${bundled.generated.traces.length} generated traces in ${options.out}`,
      );
    });
}

/** The `trace` command and its subcommands. */
export function traceCommand(): Command {
  return new Command('trace')
    .description('read, write, edit and generate SimKube trace files')
    .addCommand(inspectCommand())
    .addCommand(convertCommand())
    .addCommand(validateCommand())
    .addCommand(generateCommand())
    .addCommand(editCommand())
    .addCommand(upgradeCommand())
    .addCommand(bundleCommand());
}
