import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };

/** Runs the CLI from its TypeScript sources as a real child process. */
function cli(...args: string[]) {
  return execa('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], { reject: false, timeout: 60_000 });
}

describe('sim-arena CLI', () => {
  it('prints help and version', async () => {
    const help = await cli('--help');
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Usage: sim-arena/);
    expect(help.stdout).toMatch(/envs/);
    const version = await cli('--version');
    expect(version.stdout.trim()).toBe(packageJson.version);
  });

  it('lists registered environments with their spaces, as text and JSON', async () => {
    const text = await cli('envs');
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(
      /classic\/CartPole-v1[\s\S]*action: {6}Discrete\(2\)[\s\S]*step limit: {2}500/,
    );
    const json = await cli('envs', '--json');
    const listed = JSON.parse(json.stdout) as { id: string; actionSpace: string; observationSpace: string }[];
    expect(listed.find((env) => env.id === 'classic/CartPole-v1')).toMatchObject({
      actionSpace: 'Discrete(2)',
    });
  });

  it('runs the demo to a leaderboard', async () => {
    const demo = await cli('demo', '--episodes', '2', '--seed', '4');
    expect(demo.exitCode).toBe(0);
    expect(demo.stdout).toMatch(/Leaderboard \(2 episodes each/);
    expect(demo.stdout).toMatch(/1\. cartpole-balance +mean return +500\.0 +solved 2\/2/);
  });

  it('fails with a clear message and exit code on bad input', async () => {
    const unknownPolicy = await cli('demo', '--policies', 'randm');
    expect(unknownPolicy.exitCode).toBe(2);
    expect(unknownPolicy.stderr).toMatch(/no policy is registered as "randm". Did you mean random/);
    const unknownEnv = await cli('demo', '--env', 'classic/CartPol-v1');
    expect(unknownEnv.stderr).toMatch(/Did you mean classic\/CartPole-v1/);
    const badNumber = await cli('demo', '--episodes', 'many');
    expect(badNumber.exitCode).toBe(1);
    expect(badNumber.stderr).toMatch(/expected a non-negative integer/);
    const unknownCommand = await cli('fly');
    expect(unknownCommand.exitCode).toBe(1);
    expect(unknownCommand.stderr).toMatch(/unknown command 'fly'/);
  });
});
