/**
 * CartPole, the classic-control task of Barto, Sutton and Anderson (1983), with Gymnasium's `CartPole-v1` dynamics:
 * push a cart left or right to keep a pole upright. The reference environment of sim-arena: small, seeded, fast, and
 * the hello-world of the docs.
 */
import {
  BaseEnv,
  type EnvMetadata,
  type ResetArgs,
  type ResetResult,
  type StepResult,
} from '../../src/core/env.js';
import { InvalidActionError, ResetNeededError } from '../../src/core/errors.js';
import { Box } from '../../src/core/spaces/box.js';
import { Discrete } from '../../src/core/spaces/discrete.js';

const GRAVITY = 9.8;
const CART_MASS = 1.0;
const POLE_MASS = 0.1;
const TOTAL_MASS = CART_MASS + POLE_MASS;
const POLE_HALF_LENGTH = 0.5;
const POLE_MASS_LENGTH = POLE_MASS * POLE_HALF_LENGTH;
const FORCE = 10.0;
const TAU = 0.02;
/** The pole falls when it leans more than 12 degrees. */
export const CART_POLE_THETA_LIMIT = (12 * 2 * Math.PI) / 360;
/** The cart leaves the track beyond ±2.4. */
export const CART_POLE_X_LIMIT = 2.4;
const FLOAT32_MAX = 3.4028234663852886e38;

/** Options of {@link CartPoleEnv}. */
export interface CartPoleOptions {
  /** Reward 0 per step and -1 on failure instead of 1 per step (Sutton and Barto's formulation). */
  suttonBartoReward?: boolean;
}

/**
 * Observation: `Float32Array [x, xDot, theta, thetaDot]`. Actions: `0` pushes left, `1` pushes right. Reward 1 per
 * step including the last. Terminated when |theta| > 12° or |x| > 2.4; `make` truncates at 500 steps.
 */
export class CartPoleEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box({
    low: [-CART_POLE_X_LIMIT * 2, -FLOAT32_MAX, -CART_POLE_THETA_LIMIT * 2, -FLOAT32_MAX],
    high: [CART_POLE_X_LIMIT * 2, FLOAT32_MAX, CART_POLE_THETA_LIMIT * 2, FLOAT32_MAX],
    shape: [4],
    dtype: 'float32',
  });
  readonly actionSpace = new Discrete(2);
  override readonly metadata: EnvMetadata = { renderModes: ['ansi'] };
  readonly #suttonBartoReward: boolean;
  #state: [number, number, number, number] | undefined;
  #terminated = false;

  constructor(options: CartPoleOptions = {}) {
    super();
    this.#suttonBartoReward = options.suttonBartoReward ?? false;
  }

  async reset(args: ResetArgs = {}): Promise<ResetResult<Float32Array>> {
    this.reseed(args.seed);
    const draw = () => this.rng.uniform(-0.05, 0.05);
    this.#state = [draw(), draw(), draw(), draw()];
    this.#terminated = false;
    return { observation: this.observe(), info: {} };
  }

  async step(action: number): Promise<StepResult<Float32Array>> {
    if (!this.actionSpace.contains(action)) {
      throw new InvalidActionError(
        `CartPole action must be 0 (push left) or 1 (push right), got ${String(action)}`,
      );
    }
    if (this.#state === undefined || this.#terminated) {
      throw new ResetNeededError('CartPole: call reset() before step() and after the episode ends');
    }
    let [x, xDot, theta, thetaDot] = this.#state;
    const force = action === 1 ? FORCE : -FORCE;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const temp = (force + POLE_MASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sin - cos * temp) / (POLE_HALF_LENGTH * (4.0 / 3.0 - (POLE_MASS * cos * cos) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
    // Euler integration, as Gymnasium's default kinematics integrator.
    x += TAU * xDot;
    xDot += TAU * xAcc;
    theta += TAU * thetaDot;
    thetaDot += TAU * thetaAcc;
    this.#state = [x, xDot, theta, thetaDot];
    this.#terminated =
      x < -CART_POLE_X_LIMIT ||
      x > CART_POLE_X_LIMIT ||
      theta < -CART_POLE_THETA_LIMIT ||
      theta > CART_POLE_THETA_LIMIT;
    const reward = this.#suttonBartoReward ? (this.#terminated ? -1 : 0) : 1;
    return { observation: this.observe(), reward, terminated: this.#terminated, truncated: false, info: {} };
  }

  observe(): Float32Array {
    if (this.#state === undefined) throw new ResetNeededError('CartPole: call reset() before observe()');
    return Float32Array.from(this.#state);
  }

  /** One text line: the track with the cart, and the pole's angle. */
  render(): string {
    const [x, , theta] = this.observe();
    const width = 41;
    const position = Math.round(
      (((x as number) + CART_POLE_X_LIMIT) / (2 * CART_POLE_X_LIMIT)) * (width - 1),
    );
    const track = Array.from({ length: width }, (_, i) => (i === position ? '■' : '─')).join('');
    return `|${track}|  pole ${(((theta as number) * 180) / Math.PI).toFixed(1)}°`;
  }
}
