import { Type } from '@sinclair/typebox';
import { empty, json, SECURITY } from './common.ts';

const StoreState = Type.Union([Type.Literal('up'), Type.Literal('down')]);

export const healthSchemas = {
  liveness: {
    tags: ['health'],
    summary: 'Liveness',
    security: SECURITY.none,
    response: { 200: json(Type.Object({ status: Type.Literal('ok') }), 'The process answers.') },
  },
  readiness: {
    tags: ['health'],
    summary: 'Readiness: one round trip per store',
    security: SECURITY.none,
    response: {
      200: json(Type.Object({ status: Type.Literal('ready') }), 'Every store answered.'),
      503: json(
        Type.Object({
          status: Type.Literal('unavailable'),
          stores: Type.Record(Type.String(), StoreState),
        }),
        'A store did not answer in time (`Retry-After`).',
      ),
    },
  },
  favicon: { hide: true },
  root: {
    tags: ['health'],
    summary: 'Home: redirects to the account page',
    security: SECURITY.none,
    response: { 303: empty('To /account.') },
  },
};
