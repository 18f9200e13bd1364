import { celEnv, CelScalar, mapType, parse, plan, isCelError } from '@bufbuild/cel';
const env = celEnv({ variables: { subject: CelScalar.DYN, resource: CelScalar.DYN, action: CelScalar.DYN, context: CelScalar.DYN } });
for (const src of ['resource.properties.ownerID == subject.id', 'resource.properties.archived == true', 'resource.properties.nope == 1', '1/0 == 1', 'subject.id + 1', 'resource.properties.n == 1', 'resource.properties.n == 1.0']) {
  const p = plan(env, parse(src));
  const r = p({ subject: { id: 'u1', type: 'user' }, resource: { type: 'note', id: 'n1', properties: { ownerID: 'u1', archived: false, n: 1 } }, action: { name: 'delete' }, context: {} });
  console.log(src, isCelError(r) ? 'ERR ' + r.message : r);
}
try { parse('a ==') } catch (e) { console.log('parse threw', (e as Error).message) }
const p = plan(env, parse('resource.properties.ownerID == subject.id'));
const input = { subject: { id: 'u1', type: 'user' }, resource: { type: 'note', id: 'n1', properties: { ownerID: 'u1' } }, action: { name: 'delete' }, context: {} };
let t = performance.now(); for (let i = 0; i < 200000; i++) p(input); console.log('ops/s', 200000 / ((performance.now() - t) / 1000));
