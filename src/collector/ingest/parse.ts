/**
 * Tolerant parsing of a CDR post (cdr.md §2): one `<records session callBridge?>` document with any
 * number of `<record>` elements. Pretty-printing, unknown elements and attributes, unknown record
 * types and a missing `callBridge` (single node) are all accepted. What cannot be stored safely is
 * refused as a whole: malformed XML, a root other than `<records>`, no session, a record without
 * type or without any index. Each record keeps its XML (re-serialised from the parse tree with every
 * element, attribute and text) so nothing the bridge sent is lost.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { collectorErrors } from '../errors.ts';
import type { XmlElement } from '../model/element.ts';

export interface ParsedRecord {
  /** 1-based position in the post (for error messages). */
  readonly position: number;
  readonly type: string;
  readonly time: string | null;
  readonly timeMs: number | null;
  readonly recordIndex: number | null;
  readonly correlatorIndex: number | null;
  readonly numPreceedingRecordsMissing: number | null;
  /** The record's body element (`<call>`, `<callLeg>`, `<recording>`, `<streaming>`, or unknown). */
  readonly body: XmlElement | undefined;
  /** The `<record>` element as XML. */
  readonly raw: string;
}

export interface ParsedPost {
  readonly session: string;
  readonly callBridge: string | null;
  readonly records: readonly ParsedRecord[];
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
});

// XMLBuilder/XMLValidator still ship in fast-xml-parser 5 (marked deprecated in favour of separate
// packages that are not dependencies of this project).
// eslint-disable-next-line @typescript-eslint/no-deprecated
const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  suppressEmptyNode: true,
});

function nodeName(node: OrderedNode): string | undefined {
  for (const key of Object.keys(node)) if (key !== ':@') return key;
  return undefined;
}

function toElement(node: OrderedNode): XmlElement | undefined {
  const name = nodeName(node);
  if (name === undefined || name === '#text' || name.startsWith('?') || name === '#comment') return undefined;
  const content = node[name];
  const children: XmlElement[] = [];
  const texts: string[] = [];
  if (Array.isArray(content)) {
    for (const item of content as OrderedNode[]) {
      const text = item['#text'];
      if (typeof text === 'string' || typeof text === 'number' || typeof text === 'boolean') texts.push(String(text));
      else {
        const c = toElement(item);
        if (c) children.push(c);
      }
    }
  }
  return { name, attributes: node[':@'] ?? {}, text: texts.join('').trim(), children };
}

const INTEGER_RE = /^\s*\d{1,15}\s*$/;

function indexAttribute(position: number, attributes: Record<string, string>, name: string): number | null {
  const value = attributes[name];
  if (value === undefined || value.trim() === '') return null;
  if (!INTEGER_RE.test(value)) throw collectorErrors.invalidRecordAttribute(position, name, value);
  return Number(value);
}

/** Parses one post. Throws a CollectorError (400) when nothing of it may be stored. */
export function parseCdrPost(xml: string): ParsedPost {
  if (xml.trim() === '') throw collectorErrors.emptyBody();
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw collectorErrors.malformedXml(`${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  const tree = parser.parse(xml) as OrderedNode[];
  const roots = tree.filter((n) => {
    const name = nodeName(n);
    return name !== undefined && name !== '#text' && !name.startsWith('?') && name !== '#comment';
  });
  const rootNode = roots[0];
  if (!rootNode) throw collectorErrors.malformedXml('no root element');
  const rootName = nodeName(rootNode) ?? '';
  if (rootName !== 'records') throw collectorErrors.wrongRoot(rootName);
  const rootAttributes = rootNode[':@'] ?? {};
  const session = rootAttributes['session']?.trim();
  if (session === undefined || session === '') throw collectorErrors.missingSession();
  const callBridge = rootAttributes['callBridge']?.trim();
  const records: ParsedRecord[] = [];
  for (const node of (rootNode['records'] ?? []) as OrderedNode[]) {
    if (nodeName(node) !== 'record') continue; // text, comments and unknown siblings are tolerated
    const position = records.length + 1;
    const attributes = node[':@'] ?? {};
    const type = attributes['type']?.trim();
    if (type === undefined || type === '') throw collectorErrors.recordWithoutType(position);
    const recordIndex = indexAttribute(position, attributes, 'recordIndex');
    const correlatorIndex = indexAttribute(position, attributes, 'correlatorIndex');
    if (recordIndex === null && correlatorIndex === null) throw collectorErrors.recordWithoutIndex(position);
    const time = attributes['time']?.trim() ?? null;
    const parsedTime = time === null ? Number.NaN : Date.parse(time);
    const element = toElement(node);
    records.push({
      position,
      type,
      time,
      timeMs: Number.isFinite(parsedTime) ? parsedTime : null,
      recordIndex,
      correlatorIndex,
      numPreceedingRecordsMissing: indexAttribute(position, attributes, 'numPreceedingRecordsMissing'),
      body: element?.children[0],
      raw: builder.build([node]),
    });
  }
  return { session, callBridge: callBridge === undefined || callBridge === '' ? null : callBridge, records };
}

/** Re-reads one stored `<record>` (its raw XML) into its body element: used to re-merge out-of-order arrivals. */
export function parseStoredRecord(raw: string): XmlElement | undefined {
  const tree = parser.parse(raw) as OrderedNode[];
  const node = tree.find((n) => nodeName(n) === 'record');
  return node ? toElement(node)?.children[0] : undefined;
}
