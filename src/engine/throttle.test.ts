import { describe, expect, it } from 'vitest';
import { Coalescer } from './throttle';
import { JobControl, JobStopped } from './jobControl';

describe('Coalescer', () => {
  it('sends at most one message per interval and never drops an item', () => {
    let now = 0;
    const sent: number[][] = [];
    const c = new Coalescer<number, null>(
      (items) => sent.push(items),
      100,
      () => now,
    );
    for (let i = 0; i < 50; i++) {
      now += 7; // 350 ms in all → 4 messages while pushing (t=7, 112, 217, 322) + the final flush
      c.push(i, null);
    }
    c.flush(null);
    expect(sent.length).toBe(5);
    expect(sent.flat()).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('JobControl', () => {
  it('blocks while paused and throws JobStopped after stop', async () => {
    const control = new JobControl();
    control.pause();
    let passed = false;
    let pausedSeen = false;
    const waiting = control.checkpoint(() => (pausedSeen = true)).then(() => (passed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(pausedSeen).toBe(true);
    expect(passed).toBe(false);
    control.resume();
    await waiting;
    expect(passed).toBe(true);
    control.stop();
    await expect(control.checkpoint()).rejects.toBeInstanceOf(JobStopped);
  });
});
