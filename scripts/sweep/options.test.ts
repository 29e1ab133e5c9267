import { describe, expect, it } from 'vitest';
import { parseShard, parseSweepOptions } from './options';

const LINK = 'http://localhost:5173/?images=8&sweep=adcBits:3,4';

describe('parseSweepOptions', () => {
  it('takes a link with defaults: the whole grid, sweep.json, WASM, the shipped weights', () => {
    expect(parseSweepOptions([LINK])).toEqual({
      command: 'run',
      experiment: LINK,
      sweepAxes: [],
      shard: null,
      out: 'sweep.json',
      csv: null,
      backend: 'wasm',
      weights: null,
    });
  });

  it('takes up to two --sweep axes, a slice, the outputs, the backend and a weights folder', () => {
    const options = parseSweepOptions([
      'config.json',
      '--sweep',
      'adcBits:3,4,5',
      '--sweep=tileRows:64,128',
      '--shard',
      '2/5',
      '--csv',
      'points.csv',
      '--backend',
      'cpu',
      '--weights',
      'trained/',
    ]);
    expect(options).toMatchObject({
      experiment: 'config.json',
      sweepAxes: ['adcBits:3,4,5', 'tileRows:64,128'],
      shard: { index: 2, count: 5 },
      out: 'sweep-shard-2-of-5.json',
      csv: 'points.csv',
      backend: 'cpu',
      weights: 'trained/',
    });
  });

  it('takes the slice from JOB_COMPLETION_INDEX with --shards N (a Kubernetes Indexed Job)', () => {
    const options = parseSweepOptions([LINK, '--shards', '4', '--out', 'x.json'], {
      JOB_COMPLETION_INDEX: '3',
    });
    expect(options).toMatchObject({ shard: { index: 3, count: 4 }, out: 'x.json' });
  });

  it('parses merge: the slices’ files, --out and --csv', () => {
    expect(parseSweepOptions(['merge', 'a.json', 'b.json', '--out', 'all.json', '--csv', 'all.csv'])).toEqual(
      {
        command: 'merge',
        inputs: ['a.json', 'b.json'],
        out: 'all.json',
        csv: 'all.csv',
      },
    );
  });

  it('gives help for --help and -h', () => {
    expect(parseSweepOptions(['--help'])).toBe('help');
    expect(parseSweepOptions(['merge', '-h'])).toBe('help');
  });

  it('refuses each bad command line, naming the problem', () => {
    const refusal = (argv: string[], env = {}) => {
      try {
        parseSweepOptions(argv, env);
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(refusal([])).toBe('give the experiment: a lab link or a config JSON file');
    expect(refusal([LINK, 'other.json'])).toBe('one experiment at a time; also got "other.json"');
    expect(refusal([LINK, '--swep', 'adcBits:3'])).toBe('unknown option --swep');
    expect(refusal([LINK, '--sweep'])).toBe('--sweep needs a value');
    expect(refusal([LINK, '--sweep', 'a:1', '--sweep', 'b:1', '--sweep', 'c:1'])).toBe(
      'a sweep has one or two axes: give --sweep at most twice',
    );
    expect(refusal([LINK, '--backend', 'webgpu'])).toBe('--backend must be wasm or cpu, got "webgpu"');
    expect(refusal([LINK, '--shard', '1/2', '--shards', '2'])).toBe(
      'give --shard I/N or --shards N, not both',
    );
    expect(refusal([LINK, '--shards', '4'])).toMatch(/JOB_COMPLETION_INDEX, which is not set/);
    expect(refusal([LINK, '--shards', '0'], { JOB_COMPLETION_INDEX: '0' })).toBe(
      '--shards must be a whole number ≥ 1, got "0"',
    );
    expect(refusal([LINK, '--shards', '4'], { JOB_COMPLETION_INDEX: '4' })).toBe(
      'JOB_COMPLETION_INDEX 4 is not a slice of --shards 4 (0 to 3)',
    );
    expect(refusal([LINK, '--shards', '4'], { JOB_COMPLETION_INDEX: 'x' })).toBe(
      'JOB_COMPLETION_INDEX must be a whole number, got "x"',
    );
    expect(refusal(['merge', 'a.json'])).toBe('merge needs --out FILE.json');
    expect(refusal(['merge', '--out', 'all.json'])).toBe('merge needs the sweep files of the slices');
    expect(refusal(['merge', 'a.json', '--out', 'all.json', '--shard', '0/2'])).toBe(
      '--shard is for running a sweep, not for merge',
    );
  });
});

describe('parseShard', () => {
  it('reads I/N, 0-based, and refuses anything else', () => {
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard(' 7/8 ')).toEqual({ index: 7, count: 8 });
    expect(() => parseShard('8/8')).toThrow('--shard 8/8: slices are numbered 0 to 7');
    expect(() => parseShard('0/0')).toThrow('N must be at least 1');
    expect(() => parseShard('1-2')).toThrow('--shard must be I/N (slice I of N, 0-based), got "1-2"');
    expect(() => parseShard('-1/2')).toThrow('must be I/N');
  });
});
