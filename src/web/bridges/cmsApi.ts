/**
 * The little of the CMS management API the Bridges pages need, over HTTP(S) like any CMS client:
 * Basic auth, form bodies, XML answers, `<failureDetails>` turned into a readable error. Works against
 * a real CMS too. (The scheduler has the full client; these pages only read status and edit the CDR
 * receivers of a bridge.)
 */
import { XMLParser } from 'fast-xml-parser';
import { HttpTransport, UpstreamError } from '../../shared/http/transport.ts';
import { webErrors } from '../errors.ts';

export interface CmsApiEndpoint {
  /** `https://host:port` (no `/api/v1`). */
  readonly baseUrl: string;
  readonly user: string;
  readonly password: string;
  /** Accept a self-signed certificate (our own bridge in `switchboard up`). */
  readonly allowSelfSigned: boolean;
}

export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

export class CmsApi {
  readonly #http: HttpTransport;

  constructor(readonly endpoint: CmsApiEndpoint) {
    this.#http = new HttpTransport({
      baseUrl: endpoint.baseUrl,
      credentials: { user: endpoint.user, password: endpoint.password },
      allowSelfSigned: endpoint.allowSelfSigned,
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 10_000,
    });
  }

  async #exchange(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, fields?: Record<string, string>): Promise<{ status: number; body: string; location: string | undefined }> {
    const body = fields === undefined ? undefined : new URLSearchParams(fields).toString();
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' };
    try {
      const res = await this.#http.request({ method, path: `/api/v1${path}`, headers, body });
      const location = res.headers['location'];
      return { status: res.status, body: res.body, location: typeof location === 'string' ? location : undefined };
    } catch (error) {
      if (error instanceof UpstreamError) throw webErrors.upstream('bridge', error.message);
      throw error;
    }
  }

  static failureReason(body: string): string {
    const parsed = parser.parse(body) as XmlNode;
    const details = parsed['failureDetails'];
    if (details !== null && typeof details === 'object') return Object.keys(details).filter((k) => !k.startsWith('@')).join(', ') || 'failure';
    return 'unexpected answer';
  }

  /** GET → the parsed document; a failure throws an upstream error naming the CMS reason. */
  async get(path: string): Promise<XmlNode> {
    const res = await this.#exchange('GET', path);
    if (res.status !== 200) throw webErrors.upstream('bridge', `GET ${path} answered ${res.status} ${CmsApi.failureReason(res.body)}`);
    return parser.parse(res.body) as XmlNode;
  }

  /** GET that tolerates a bridge without this object (older CMS, or not built yet): undefined. */
  async getOptional(path: string): Promise<XmlNode | undefined> {
    const res = await this.#exchange('GET', path);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw webErrors.upstream('bridge', `GET ${path} answered ${res.status} ${CmsApi.failureReason(res.body)}`);
    return parser.parse(res.body) as XmlNode;
  }

  /** Every item of a paged list, advancing by the number of items each page returned (live lists cap at 10). */
  async listAll(path: string, listTag: string, itemTag: string, maxItems = 1000): Promise<XmlNode[]> {
    const out: XmlNode[] = [];
    const separator = path.includes('?') ? '&' : '?';
    for (;;) {
      const { total, items } = listItems(await this.get(`${path}${separator}offset=${out.length}`), listTag, itemTag);
      out.push(...items);
      if (items.length === 0 || out.length >= total || out.length >= maxItems) return out;
    }
  }

  /** POST/PUT/DELETE; answers the new object's id for a create. A CMS failure is a 400 naming its reason. */
  async send(method: 'POST' | 'PUT' | 'DELETE', path: string, fields: Record<string, string> = {}): Promise<string | undefined> {
    const res = await this.#exchange(method, path, method === 'DELETE' ? undefined : fields);
    if (res.status === 200) return res.location?.slice(res.location.lastIndexOf('/') + 1);
    const reason = CmsApi.failureReason(res.body);
    if (res.status >= 400 && res.status < 500 && res.status !== 401) throw webErrors.badRequest(`The bridge refused: ${reason}.`);
    throw webErrors.upstream('bridge', `${method} ${path} answered ${res.status} ${reason}`);
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}

/** The items of a CMS list document (`<coSpaces total="n"><coSpace .../>...`), always an array. */
export function listItems(doc: XmlNode | undefined, listTag: string, itemTag: string): { total: number; items: XmlNode[] } {
  const list = doc?.[listTag];
  if (list === null || typeof list !== 'object') return { total: 0, items: [] };
  const node = list as XmlNode;
  const raw = node[itemTag];
  const items = raw === undefined ? [] : Array.isArray(raw) ? (raw as XmlNode[]) : [raw as XmlNode];
  return { total: Number(node['@total'] ?? items.length), items };
}

/** A child element's text ('' when absent). */
export function text(node: XmlNode | undefined, name: string): string {
  const value = node?.[name];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object') return text(value as XmlNode, '#text');
  return '';
}
