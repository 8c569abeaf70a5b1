import { describe, expect, it } from '@jest/globals';
import { Semaphore } from './semaphore.js';

describe('Semaphore', () => {
  it('never lets more than its limit run, and hands slots over in order', async () => {
    const slots = new Semaphore(2);
    const order: number[] = [];
    await slots.acquire();
    await slots.acquire();
    expect(slots.free).toBe(0);
    const third = slots.acquire().then(() => order.push(3));
    const fourth = slots.acquire().then(() => order.push(4));
    await Promise.resolve();
    expect(slots.running).toBe(2);
    slots.release();
    await third;
    expect(order).toEqual([3]);
    expect(slots.running).toBe(2);
    slots.release();
    await fourth;
    slots.release();
    slots.release();
    expect(slots.running).toBe(0);
    expect(slots.free).toBe(2);
  });

  it('wakes a reader waiting for a free slot', async () => {
    const slots = new Semaphore(1);
    await slots.acquire();
    let woken = false;
    const waiting = slots.whenFree().then(() => (woken = true));
    await Promise.resolve();
    expect(woken).toBe(false);
    slots.release();
    await waiting;
    expect(woken).toBe(true);
  });
});
