/**
 * The error-handler factory (`src/shared/http/errorHandler.ts`) over `fastify.inject()`: each kind of
 * Fastify refusal is classified and mapped by the service, the service's own errors pass as they are,
 * and a defect is logged once and answered without its message or stack.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '../../../src/shared/logger.ts';
import { createErrorHandler, type FrameworkFailure } from '../../../src/shared/http/errorHandler.ts';
import { errorEnvelope, ServiceError } from '../../../src/shared/http/errors.ts';

class TestError extends ServiceError<'mine' | 'framework' | 'internal'> {}

function appWithHandler(): { app: FastifyInstance; lines: Record<string, unknown>[]; seen: FrameworkFailure[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const seen: FrameworkFailure[] = [];
  const app = Fastify({ logger: false, bodyLimit: 64 });
  app.setErrorHandler(
    createErrorHandler({
      logger: createLogger({ level: 'error', destination }),
      logMessage: 'test failure',
      owns: (error): error is TestError => error instanceof TestError,
      fromFramework: (failure, reply) => {
        seen.push(failure);
        void reply.header('x-kind', failure.kind);
        return new TestError(failure.status, 'framework', failure.message);
      },
      internal: () => new TestError(500, 'internal', 'internal error'),
      send: (error, _request, reply) => reply.code(error.status).send(errorEnvelope(error)),
    }),
  );
  app.post('/echo', (request) => ({ body: request.body }));
  app.post('/schema', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, () => ({ ok: true }));
  app.get('/mine', () => {
    throw new TestError(409, 'mine', 'a conflict', { field: 'name', details: { other: 'x' } });
  });
  app.get('/defect', () => {
    throw new Error('db password=hunter2 at /secret/path');
  });
  app.get('/status4xx', () => {
    throw Object.assign(new Error('gone away'), { statusCode: 410 });
  });
  return { app, lines, seen };
}

describe('createErrorHandler', () => {
  test("the service's own errors pass as they are, unlogged", async () => {
    const { app, lines } = appWithHandler();
    const res = await app.inject({ method: 'GET', url: '/mine' });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), { error: { code: 'mine', message: 'a conflict', details: { other: 'x' } } });
    assert.equal(lines.length, 0);
  });

  test('a body past the limit is bodyTooLarge (413)', async () => {
    const { app, seen } = appWithHandler();
    const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ x: 'y'.repeat(200) }) });
    assert.equal(res.statusCode, 413);
    assert.equal(res.headers['x-kind'], 'bodyTooLarge');
    assert.equal(seen[0]?.kind, 'bodyTooLarge');
  });

  test('a content type no parser takes is unsupportedMediaType (415)', async () => {
    const { app } = appWithHandler();
    const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/x-unknown' }, payload: 'abc' });
    assert.equal(res.statusCode, 415);
    assert.equal(res.headers['x-kind'], 'unsupportedMediaType');
  });

  test('a body that is not JSON, or an empty JSON body, is invalidJson (400)', async () => {
    const { app } = appWithHandler();
    const broken = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    assert.equal(broken.statusCode, 400);
    assert.equal(broken.headers['x-kind'], 'invalidJson');
    const empty = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '' });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.headers['x-kind'], 'invalidJson');
  });

  test('a body the route schema refuses is validation (400)', async () => {
    const { app } = appWithHandler();
    const res = await app.inject({ method: 'POST', url: '/schema', headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['x-kind'], 'validation');
  });

  test('any other 4xx keeps its status as badRequest', async () => {
    const { app } = appWithHandler();
    const res = await app.inject({ method: 'GET', url: '/status4xx' });
    assert.equal(res.statusCode, 410);
    assert.equal(res.headers['x-kind'], 'badRequest');
  });

  test('a defect is logged once at error level and answered without its message or stack', async () => {
    const { app, lines } = appWithHandler();
    const res = await app.inject({ method: 'GET', url: '/defect?token=abc' });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { error: { code: 'internal', message: 'internal error' } });
    assert.doesNotMatch(res.body, /hunter2|secret\/path|at /);
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.ok(line);
    assert.equal(line['level'], 50);
    assert.equal(line['msg'], 'test failure');
    assert.equal(line['method'], 'GET');
    assert.doesNotMatch(String(line['path']), /abc/);
  });
});
