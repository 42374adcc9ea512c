import { describe, expect, it } from 'vitest';
import { LoadUsageError, isLoopbackHost, parseLoadArgs } from './LoadOptions.js';

describe('parseLoadArgs', () => {
  it('runs every scenario in a smoke run', () => {
    expect(parseLoadArgs(['--smoke']).scenarios).toEqual([
      'viewers',
      'streams',
      'rest',
      'tutor',
      'grpc',
      'uploads',
    ]);
  });

  it('takes a scenario, a loopback target and sizes', () => {
    const options = parseLoadArgs(['viewers', '--target', 'http://127.0.0.1:8080/', '--vus', '50']);
    expect(options).toMatchObject({
      mode: 'run',
      scenarios: ['viewers'],
      target: 'http://127.0.0.1:8080',
      vus: 50,
    });
  });

  it('takes a file for the summary the test command counts', () => {
    const options = parseLoadArgs(['--smoke', '--summary-json', '/tmp/results/load-smoke.json']);
    expect(options).toMatchObject({ mode: 'smoke', summaryJson: '/tmp/results/load-smoke.json' });
    expect(() => parseLoadArgs(['--smoke', '--summary-json'])).toThrow(/needs a value/);
  });

  it('refuses a remote target unless --allow-remote is given', () => {
    expect(() => parseLoadArgs(['rest', '--target', 'http://10.0.0.5:8080'])).toThrow(
      LoadUsageError,
    );
    expect(() => parseLoadArgs(['rest', '--target', 'https://lm.example.test'])).toThrow(
      /loopback/,
    );
    expect(
      parseLoadArgs(['rest', '--target', 'https://lm.example.test', '--allow-remote']).target,
    ).toBe('https://lm.example.test');
    expect(() => parseLoadArgs(['grpc', '--grpc-target', '10.1.2.3:50051'])).toThrow(/loopback/);
  });

  it('rejects unknown scenarios, missing values and bad numbers', () => {
    expect(() => parseLoadArgs(['everything'])).toThrow(/unknown argument/);
    expect(() => parseLoadArgs(['rest', '--target'])).toThrow(/needs a value/);
    expect(() => parseLoadArgs(['rest', '--vus', '0'])).toThrow(/positive integer/);
    expect(() => parseLoadArgs([])).toThrow(/name a scenario/);
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback names and addresses', () => {
    for (const host of ['localhost', '127.0.0.1', '127.8.9.10', '[::1]', '::1']) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of [
      '0.0.0.0',
      '192.168.1.2',
      'example.test',
      '::2',
      'localhost.example.test',
    ]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});
