import AjvCompiler from '@fastify/ajv-compiler';
import { describe, expect, it } from 'vitest';
import { lazyValidatorFactory } from '../src/http/lazy-validation.ts';

const options = { customOptions: { coerceTypes: false, removeAdditional: false } } as const;
const route = (schema: unknown) => ({ schema, method: 'POST', url: '/x', httpPart: 'body' }) as never;
const Body = {
  type: 'object',
  properties: { email: { type: 'string', maxLength: 8 }, admin: { type: 'boolean' } },
  required: ['email'],
  additionalProperties: false,
};

describe('lazy route validation', () => {
  it('compiles a schema on its first use, not when the route is registered', () => {
    const compile = lazyValidatorFactory()({}, options as never);
    const validate = compile(route({ type: 'object', properties: { a: { type: 'no-such-type' } } }));
    expect(() => validate({ a: 1 })).toThrow();
  });

  it('answers and reports errors exactly as Fastify’s eager Ajv compiler does', () => {
    const lazy = lazyValidatorFactory()({}, options as never)(route(Body));
    const eager = AjvCompiler()({}, options as never)(route(Body));
    const inputs = [
      { email: 'a@b.c' },
      { email: 'far-too-long@example.test' },
      { email: 'a@b.c', admin: 'true' },
      { email: 'a@b.c', extra: 1 },
      {},
      'not an object',
    ];
    for (const input of inputs) {
      expect(lazy(input)).toBe(eager(input));
      expect(lazy.errors ?? null).toEqual(eager.errors ?? null);
    }
  });
});
