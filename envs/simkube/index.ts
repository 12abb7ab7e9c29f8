/**
 * `sim-arena/simkube`: SimKube traces (codec, quantities), and the SimKube environments as they land.
 */
export * from './trace/quantity.js';
