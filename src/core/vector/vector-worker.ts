/** The worker-thread side of `AsyncVectorEnv`: builds one environment copy and serves requests for it. */
import { parentPort, workerData } from 'node:worker_threads';
import { make } from '../registry.js';
import { AutoresetCopy } from './autoreset.js';
import { toWorkerError, type WorkerReply, type WorkerRequest, type WorkerSetup } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('vector-worker must run in a worker thread started by AsyncVectorEnv');
const setup = workerData as WorkerSetup;
const post = (reply: WorkerReply): void => port.postMessage(reply);

try {
  for (const specifier of setup.imports) await import(specifier);
  const env = await make(setup.envId, setup.kwargs, setup.makeOptions);
  const copy = new AutoresetCopy(env, setup.autoresetMode, setup.index);
  port.on('message', async (request: WorkerRequest) => {
    try {
      let value: unknown;
      if (request.kind === 'reset') value = await copy.reset(request.seed, request.options);
      else if (request.kind === 'step') value = await copy.step(request.action);
      else if (request.kind === 'observe') value = env.observe();
      else {
        await env.close();
        post({ kind: 'reply', seq: request.seq, ok: true, value: undefined });
        port.close();
        return;
      }
      post({ kind: 'reply', seq: request.seq, ok: true, value });
    } catch (error) {
      post({ kind: 'reply', seq: request.seq, ok: false, error: toWorkerError(error) });
    }
  });
  post({ kind: 'ready' });
} catch (error) {
  post({ kind: 'init-error', error: toWorkerError(error) });
}
