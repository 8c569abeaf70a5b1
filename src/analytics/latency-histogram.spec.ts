import { describe, expect, it } from '@jest/globals';
import { binFloor, binOf, HISTOGRAM_BINS, percentile } from './latency-histogram.js';

function histogramOf(values: number[]): number[] {
  const bins = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const v of values) bins[binOf(v)]++;
  return bins;
}

function exactPercentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

describe('latency histogram', () => {
  it('puts each duration in the bin whose bounds hold it', () => {
    for (const ms of [0.5, 0.7, 1, 3.3, 10, 99.9, 1000, 12_345, 600_000]) {
      const bin = binOf(ms);
      expect(binFloor(bin)).toBeLessThanOrEqual(ms * (1 + 1e-12));
      if (bin < HISTOGRAM_BINS - 1) expect(binFloor(bin + 1)).toBeGreaterThan(ms);
    }
  });

  it('sends odd values to the first bin and huge ones to the last', () => {
    expect(binOf(Number.NaN)).toBe(0);
    expect(binOf(-5)).toBe(0);
    expect(binOf(0.1)).toBe(0);
    expect(binOf(1e12)).toBe(HISTOGRAM_BINS - 1);
  });

  it('answers null for no data', () => {
    expect(percentile(new Array<number>(HISTOGRAM_BINS).fill(0), 0.5)).toBeNull();
  });

  it('estimates p50/p95/p99 within 13% of the exact values', () => {
    // A long-tailed spread, deterministic: most calls fast, some very slow.
    const values: number[] = [];
    for (let i = 1; i <= 10_000; i++) values.push(1 + ((i * 7919) % 1000) ** 2 / 200);
    const bins = histogramOf(values);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = exactPercentile(values, q);
      const estimate = percentile(bins, q)!;
      expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.13);
    }
  });

  it('orders the percentiles of a two-speed tool', () => {
    const values = [...new Array<number>(90).fill(5), ...new Array<number>(10).fill(2000)];
    const bins = histogramOf(values);
    expect(percentile(bins, 0.5)).toBeLessThan(6);
    expect(percentile(bins, 0.95)).toBeGreaterThan(1800);
    expect(percentile(bins, 0.99)).toBeGreaterThan(1800);
  });
});
