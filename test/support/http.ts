/** A small real-HTTP client for tests: Basic auth, form bodies, XML answers parsed. */
import { XMLParser } from 'fast-xml-parser';
import { Agent, request } from 'undici';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

const insecure = new Agent({ connect: { rejectUnauthorized: false } });

export async function http(
  method: string,
  url: string,
  options: { auth?: { user: string; password: string } | undefined; body?: string; contentType?: string | null; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers['authorization'] = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`;
  if (options.body !== undefined && options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/x-www-form-urlencoded';
  const res = await request(url, {
    method: method as 'GET',
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
    dispatcher: insecure,
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

export const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  // A list document's items are always arrays: <coSpaces><coSpace/>...</coSpaces>, <calls><call/>...
  isArray: (name, jpath, _isLeaf, isAttribute) => {
    if (isAttribute) return false;
    const [parent, child, ...rest] = String(jpath).split('.');
    return rest.length === 0 && child === name && (parent === `${name}s` || parent === `${name.slice(0, -1)}ies`);
  },
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-side access to parsed XML
export type Xml = any;

export function parseXml(text: string): Xml {
  return xmlParser.parse(text);
}

/** The element names of a document in order, with attribute names: the "structure" of an answer. */
export function xmlShape(text: string): string {
  const shapeParser = new XMLParser({ ignoreAttributes: false, preserveOrder: true, attributeNamePrefix: '@' });
  const walk = (nodes: unknown[]): string =>
    nodes
      .map((node) => {
        const entries = Object.entries(node as Record<string, unknown>).filter(([k]) => k !== ':@' && k !== '#text' && k !== '?xml');
        const attrs = Object.keys(((node as Record<string, unknown>)[':@'] ?? {})).join(',');
        return entries.map(([k, v]) => `${k}${attrs ? `[${attrs}]` : ''}(${Array.isArray(v) ? walk(v) : ''})`).join('');
      })
      .join('');
  return walk(shapeParser.parse(text) as unknown[]);
}
