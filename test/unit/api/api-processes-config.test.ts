/** LAYERLENS_API_PROCESSES: how many API processes `layerlens serve` runs on its port. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';

describe('LAYERLENS_API_PROCESSES', () => {
  it('defaults to one process and takes a whole number ≥ 1', () => {
    expect(loadConfig({}).apiProcesses).toBe(1);
    expect(loadConfig({ LAYERLENS_API_PROCESSES: '4' }).apiProcesses).toBe(4);
    expect(() => loadConfig({ LAYERLENS_API_PROCESSES: '0' })).toThrow(/LAYERLENS_API_PROCESSES: expected a whole number ≥ 1/);
    expect(() => loadConfig({ LAYERLENS_API_PROCESSES: 'many' })).toThrow(/LAYERLENS_API_PROCESSES/);
  });
});
