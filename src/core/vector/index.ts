/** Vector environments. */
export { AsyncVectorEnv, type AsyncVectorEnvOptions } from './async-vector-env.js';
export { AUTORESET_MODES, type AutoresetMode } from './autoreset.js';
export { type BatchedInfo, batchInfos } from './batch-info.js';
export { type MakeVecOptions, makeVec } from './make-vec.js';
export { SyncVectorEnv, type VectorEnvOptions } from './sync-vector-env.js';
export {
  VectorEnv,
  type VectorResetArgs,
  type VectorResetResult,
  type VectorStepResult,
} from './vector-env.js';
