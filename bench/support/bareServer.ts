/**
 * The ceiling for API benchmarks: a bare Fastify server answering every GET with a fixed XML body (the
 * size of a real API page, given as a file) and every other method with an empty 200. Whatever the
 * bridge costs beyond this is our code: auth, parsing, SQL, the XML writer, the trace log.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const bodyFile = process.argv[2];
if (bodyFile === undefined) throw new Error('usage: bareServer.ts BODY_FILE');
const body = readFileSync(bodyFile, 'utf8');
const app = Fastify({ logger: false });
app.addContentTypeParser('*', { parseAs: 'string' }, (_req, raw, done) => done(null, raw));
app.get('/*', (_request, reply) => reply.header('content-type', 'text/xml').send(body));
app.put('/*', (_request, reply) => reply.send(''));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
