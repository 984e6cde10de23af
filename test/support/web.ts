/** A real web UI on port 0 over a fresh database, and a small cookie-keeping HTTP client for it. */
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { FakeClock } from '../../src/shared/clock.ts';
import type { DialectName } from '../../src/shared/database.ts';
import { urlOf } from '../../src/shared/listen.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { Accounts } from '../../src/web/auth/accounts.ts';
import type { Role } from '../../src/web/auth/roles.ts';
import { webUi } from '../../src/web/plugin.ts';
import { PageRegistry } from '../../src/web/registry.ts';
import { WebStorage } from '../../src/web/storage/index.ts';
import { freshDatabase, type TestDatabase } from './databases.ts';

export interface TestWeb {
  readonly url: string;
  readonly storage: WebStorage;
  readonly accounts: Accounts;
  readonly clock: FakeClock;
  readonly app: FastifyInstance;
  /** Creates a user with password `${username}-password!`. */
  addUser(username: string, role: Role): Promise<void>;
  close(): Promise<void>;
}

export async function startTestWeb(
  dialect: DialectName,
  options: { registry?: PageRegistry; secureCookies?: boolean } = {},
): Promise<TestWeb> {
  const database: TestDatabase = await freshDatabase(dialect, 'web');
  const storage = await WebStorage.open(database.url);
  const clock = new FakeClock();
  const accounts = new Accounts(storage, () => clock.now());
  const app = Fastify({ logger: false });
  await app.register(webUi, {
    storage,
    registry: options.registry ?? new PageRegistry(),
    logger: silentLogger(),
    clock,
    ...(options.secureCookies === undefined ? {} : { secureCookies: options.secureCookies }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: urlOf('http', app.server.address()),
    storage,
    accounts,
    clock,
    app,
    async addUser(username, role) {
      await accounts.create({ username, password: `${username}-password!`, role });
    },
    async close() {
      await app.close();
      await storage.close();
      await database.dispose();
    },
  };
}

export interface WebAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** A browser-like client: keeps cookies, sends forms, reads the CSRF token from pages. */
export class WebClient {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(readonly base: string) {}

  async send(method: string, path: string, options: { form?: Record<string, string>; body?: string; headers?: Record<string, string> } = {}): Promise<WebAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined = options.body;
    if (options.form) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await request(`${this.base}${path}`, { method: method as 'GET', headers, ...(body === undefined ? {} : { body }) });
    const setCookie = res.headers['set-cookie'];
    for (const line of setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq);
      const value = (pair ?? '').slice(eq + 1);
      if (/max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.body.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token !== undefined) this.csrf = token;
    return { status: res.statusCode, headers: res.headers, text };
  }

  get(path: string, headers?: Record<string, string>): Promise<WebAnswer> {
    return this.send('GET', path, headers ? { headers } : {});
  }

  /** A form POST carrying the session's CSRF token as `_csrf`. */
  post(path: string, form: Record<string, string> = {}): Promise<WebAnswer> {
    return this.send('POST', path, { form: { _csrf: this.csrf ?? '', ...form } });
  }

  async login(username: string, password = `${username}-password!`): Promise<WebAnswer> {
    const res = await this.send('POST', '/login', { form: { username, password } });
    if (res.status === 303) await this.get('/');
    return res;
  }
}
