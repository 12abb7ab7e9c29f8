/**
 * Runs one benchmark script by name and prints its markdown tables, with the machine it ran on.
 * Usage: npm run bench -- <core|trace-codec|simkube-env|simkube-step-parts|sandbox|csv-generate>     (or: npx tsx benchmarks/run.ts <name>)
 */
import { cpus, totalmem } from 'node:os';

const benchmarks: Record<string, () => Promise<{ run: () => Promise<string> }>> = {
  core: () => import('./core.js'),
  'trace-codec': () => import('./trace-codec.js'),
  'simkube-env': () => import('./simkube-env.js'),
  'simkube-step-parts': () => import('./simkube-step-parts.js'),
  sandbox: () => import('./sandbox.js'),
  'csv-generate': () => import('./csv-generate.js'),
};

const name = process.argv[2];
const load = name === undefined ? undefined : benchmarks[name];
if (load === undefined) {
  console.error(`usage: npm run bench -- <${Object.keys(benchmarks).join('|')}>`);
  process.exit(2);
}
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `Machine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`,
);
console.log(await (await load()).run());
