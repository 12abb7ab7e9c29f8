/** Every space of sim-arena, and the `Space` contract they implement. */
export {
  BOX_DTYPES,
  Box,
  type BoxArray,
  type BoxArrayTypes,
  type BoxBoundedManner,
  type BoxBoundJson,
  type BoxDtype,
  type BoxOptions,
} from './box.js';
export { Dict, type DictElement, type DictMask } from './dict.js';
export { Discrete } from './discrete.js';
export { MultiBinary, type MultiBinaryMask } from './multi-binary.js';
export { MultiDiscrete, type MultiDiscreteMask } from './multi-discrete.js';
export {
  type JsonSchema,
  type JsonValue,
  type SampleOptions,
  Space,
  type SpaceDescription,
} from './space.js';
export {
  STRUCTURED_SAMPLER_DEFAULTS,
  Structured,
  type StructuredMask,
  type StructuredOptions,
} from './structured.js';
export { ALPHANUMERIC, Text, type TextMask, type TextOptions } from './text.js';
export { type SpaceElement, type SpaceMask, Tuple, type TupleElement, type TupleMask } from './tuple.js';
