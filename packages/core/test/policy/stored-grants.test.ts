import { describe, expect, it } from 'vitest';
import { PolicyEngine } from '../../src/policy/index.ts';

const engine = PolicyEngine.fromString(`
version: 1
resources:
  notes:
    actions: [read, delete]
roles:
  - name: reader
    permissions: [notes:read]
  - name: author
    inherits: [reader]
    permissions: []
bindings:
  - subject: user:static
    roles: [reader]
rules:
  - id: authors-delete-own
    effect: allow
    roles: [author]
    resource: notes
    actions: [delete]
    condition: resource.properties.ownerID == subject.id
  - id: archived
    effect: deny
    resource: notes
    actions: [delete]
    condition: has(resource.properties.archived) && resource.properties.archived
`);

const ask = (subject: string, action: string, properties: Record<string, unknown> = {}) => ({
  subject: { type: 'user', id: subject },
  resource: { type: 'notes', id: 'n1', properties },
  action: { name: action },
});

describe('stored role assignments (SubjectGrants)', () => {
  it('a stored role the documents define brings its inheritance and its rules', () => {
    const stored = { roles: ['author'], permissions: [] };
    expect(engine.evaluate(ask('u1', 'read'), stored).decision).toBe(true);
    expect(engine.evaluate(ask('u1', 'delete', { ownerID: 'u1' }), stored).decision).toBe(true);
    expect(engine.evaluate(ask('u1', 'delete', { ownerID: 'u2' }), stored).decision).toBe(false);
    expect(engine.evaluate(ask('u1', 'delete', { ownerID: 'u1', archived: true }), stored).reason).toBe(
      'denied',
    );
  });

  it('without stored grants a subject without bindings stays unknown', () => {
    expect(engine.evaluate(ask('u1', 'read')).decision).toBe(false);
    expect(engine.evaluate(ask('u1', 'read'), { roles: [], permissions: [] }).decision).toBe(false);
  });

  it('stored permissions are RBAC grants, deny rules still win', () => {
    const stored = { roles: ['unknown-to-documents'], permissions: ['notes:*'] };
    expect(engine.evaluate(ask('u1', 'delete', { ownerID: 'x' }), stored).decision).toBe(true);
    expect(engine.evaluate(ask('u1', 'delete', { archived: true }), stored).decision).toBe(false);
  });

  it('a stored permission on a type the documents do not declare is a plain RBAC grant', () => {
    const stored = { roles: [], permissions: ['invoices:read'] };
    const request = {
      subject: { type: 'user', id: 'u1' },
      resource: { type: 'invoices', id: '1' },
      action: { name: 'read' },
    };
    expect(engine.evaluate(request, stored).decision).toBe(true);
    expect(engine.evaluate({ ...request, action: { name: 'pay' } }, stored).decision).toBe(false);
  });

  it('document bindings and stored roles combine', () => {
    const stored = { roles: ['author'], permissions: [] };
    expect(engine.evaluate(ask('static', 'delete', { ownerID: 'static' })).decision).toBe(false);
    expect(engine.evaluate(ask('static', 'delete', { ownerID: 'static' }), stored).decision).toBe(true);
  });

  it('removing the stored role removes the access (a new object, no stale cache)', () => {
    expect(engine.evaluate(ask('u1', 'read'), { roles: ['reader'], permissions: [] }).decision).toBe(true);
    expect(engine.evaluate(ask('u1', 'read'), { roles: [], permissions: [] }).decision).toBe(false);
  });
});
