/**
 * `sim-arena trace …`: inspect, convert, validate, generate, edit and upgrade SimKube trace files.
 * Every command reads through the codec (so bad input gets a `TraceFormatError` naming the file and field) and writes
 * atomically.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { zodOption } from '../../../src/cli/options.js';
import { SimArenaError } from '../../../src/core/errors.js';
import { readTraceFile, writeTraceFile } from '../trace/codec.js';
import { upgradePre2Trace } from '../trace/upgrade.js';

const formatOption = zodOption(z.enum(['json', 'msgpack'], { error: 'expected json or msgpack' }));

/** The output path of `convert` when none is given: the same name with the other extension. */
export function convertedPath(file: string, to: 'json' | 'msgpack'): string {
  const stem = file.slice(0, file.length - extname(file).length);
  return `${stem}${to === 'json' ? '.json' : '.sktrace'}`;
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
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

/** The `trace` command and its subcommands. */
export function traceCommand(): Command {
  return new Command('trace')
    .description('read, write, edit and generate SimKube trace files')
    .addCommand(convertCommand())
    .addCommand(validateCommand())
    .addCommand(upgradeCommand());
}
