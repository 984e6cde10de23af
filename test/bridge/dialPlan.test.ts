import assert from 'node:assert/strict';
import { test } from 'node:test';
import { domainMatches, domainOf, routesFor, toOutboundRule } from '../../src/bridge/engine/dialPlan.ts';

test('domainOf strips scheme, user and parameters', () => {
  assert.equal(domainOf('sip:Alice@Example.COM;transport=tls'), 'example.com');
  assert.equal(domainOf('bob@host.example.com:5061'), 'host.example.com');
  assert.equal(domainOf('12345'), '');
});

test('domain: exact, *.x wildcard (not x itself), * for all', () => {
  assert.ok(domainMatches('example.com', 'example.com'));
  assert.ok(!domainMatches('example.com', 'a.example.com'));
  assert.ok(domainMatches('*.example.com', 'a.b.example.com'));
  assert.ok(!domainMatches('*.example.com', 'example.com'));
  assert.ok(!domainMatches('*.example.com', 'badexample.com'));
  assert.ok(domainMatches('*', ''));
  assert.ok(!domainMatches('example.com', ''));
});

test('routes: priority higher first, ties in creation order; tenant and callBridge scope', () => {
  const rules = [
    toOutboundRule('a', { domain: '*.example.com', priority: 1 }),
    toOutboundRule('b', { domain: 'x.example.com', priority: 5 }),
    toOutboundRule('c', { domain: '*', priority: 1 }),
    toOutboundRule('t', { domain: '*', priority: 9, tenant: 'tenant-1' }),
    toOutboundRule('n', { domain: '*', priority: 9, scope: 'callBridge', callBridge: 'node-2' }),
  ];
  const ids = (tenant: string | null, node: string): string[] => routesFor(rules, 'u@x.example.com', { tenant, callBridge: node }).map((r) => r.id);
  assert.deepEqual(ids(null, 'node-1'), ['b', 'a', 'c']);
  assert.deepEqual(ids('tenant-1', 'node-1'), ['t', 'b', 'a', 'c']);
  assert.deepEqual(ids(null, 'node-2'), ['n', 'b', 'a', 'c']);
  assert.deepEqual(routesFor(rules, '4711', { tenant: null, callBridge: 'node-1' }).map((r) => r.id), ['c']);
});
