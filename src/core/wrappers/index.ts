/** Every core wrapper. */
export {
  type ActionEnumerable,
  DiscreteActions,
  type DiscreteActionsOptions,
  isActionEnumerable,
} from './discrete-actions.js';
export { FlattenObservation } from './flatten-observation.js';
export { NormalizeObservation } from './normalize-observation.js';
export { OrderEnforcing } from './order-enforcing.js';
export { PassiveEnvChecker } from './passive-env-checker.js';
export { type EpisodeStatistics, RecordEpisodeStatistics } from './record-episode-statistics.js';
export { TimeLimit } from './time-limit.js';
export { ObservationWrapper, Wrapper } from './wrapper.js';
