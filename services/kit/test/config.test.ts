import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, env, loadConfig } from '../src/index.js';

const schema = z.object({
  GATEWAY_PORT: env.port(8080),
  KAFKA_BROKERS: z.string().optional(),
  OLLAMA_URL: env.optionalUrl(),
  JWT_SECRET: z.string().min(16),
});

describe('loadConfig', () => {
  it('applies defaults and coerces values', () => {
    const config = loadConfig(schema, { JWT_SECRET: 'x'.repeat(16) });
    expect(config.GATEWAY_PORT).toBe(8080);
    expect(config.OLLAMA_URL).toBeUndefined();
  });

  it('stops with a message naming each bad variable and its value', () => {
    let thrown: unknown;
    try {
      loadConfig(schema, { GATEWAY_PORT: 'eighty', OLLAMA_URL: 'not a url', JWT_SECRET: 'short' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    const message = (thrown as AppError).message;
    expect(message).toContain('GATEWAY_PORT');
    expect(message).toContain('"eighty"');
    expect(message).toContain('OLLAMA_URL');
    // Secrets are named but their values are not echoed.
    expect(message).toContain('JWT_SECRET');
    expect(message).not.toContain('"short"');
    expect((thrown as AppError).details).toEqual({
      variables: expect.arrayContaining(['GATEWAY_PORT', 'OLLAMA_URL', 'JWT_SECRET']) as unknown,
    });
  });
});
