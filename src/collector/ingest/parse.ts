/**
 * Tolerant parsing of a CDR post (cdr.md §2): one `<records session callBridge?>` document with any
 * number of `<record>` elements. Pretty-printing, unknown elements and attributes, unknown record
 * types and a missing `callBridge` (single node) are all accepted. What cannot be stored safely is
 * refused as a whole: malformed XML, a root other than `<records>`, no session, a record without
 * type or without any index (the pipeline quarantines such a post). Each record keeps its XML exactly
 * as sent (the text of its `<record>` element), so nothing the bridge sent is lost; a U+0000 is
 * stored escaped, in the values and the raw text, with the record's exact bytes besides (`text.ts`).
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { collectorErrors } from '../errors.ts';
import type { XmlElement } from '../domain/element.ts';
import { scanPost, type ScannedPost } from './scanner.ts';
import { escapeAttributes, escapeElement, escapeNul } from './text.ts';
import { validateXml, type Validity } from './validation.ts';

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
  /** The `<record>` element as XML (U+0000 escaped). */
  readonly raw: string;
  /** The record's exact bytes when `raw` is not (it held a U+0000); else absent. */
  readonly rawBytes?: Uint8Array | null;
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
  // Callbacks get the Matcher instead of a path string built for every tag (we use no callbacks).
  jPath: false,
});

// XMLBuilder still ships in fast-xml-parser 5 (marked deprecated in favour of separate
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

/** Skips a comment, CDATA section, processing instruction or declaration at `at`; returns the index after it. */
function skipMarkup(xml: string, at: number): number | undefined {
  const ends: [string, string][] = [['<!--', '-->'], ['<![CDATA[', ']]>'], ['<?', '?>'], ['<!', '>']];
  for (const [open, close] of ends) {
    if (xml.startsWith(open, at)) {
      const end = xml.indexOf(close, at + open.length);
      return end < 0 ? xml.length : end + close.length;
    }
  }
  return undefined;
}

/**
 * Where each `<record>` child of the root starts and ends (`[start, end)` in `xml`). Runs on
 * validated XML only, so a small scanner suffices: tags are found respecting quoted attribute
 * values, and comments/CDATA are skipped. Only ASCII markup is looked at, so on a post's bytes read
 * as latin1 (one character per byte) the positions are byte offsets.
 */
export function recordRanges(xml: string): [number, number][] {
  const out: [number, number][] = [];
  let depth = 0;
  let recordStart = -1;
  let i = 0;
  for (;;) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) break;
    const skipped = skipMarkup(xml, lt);
    if (skipped !== undefined) {
      i = skipped;
      continue;
    }
    let j = lt + 1;
    let quote = '';
    for (; j < xml.length; j++) {
      const ch = xml[j];
      if (quote !== '') {
        if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '>') break;
    }
    const closing = xml[lt + 1] === '/';
    const selfClosing = xml[j - 1] === '/';
    const name = /^<\/?([^\s/>]+)/.exec(xml.slice(lt, Math.min(j + 1, lt + 64)))?.[1];
    if (closing) {
      depth -= 1;
      if (recordStart >= 0 && depth === 1) {
        out.push([recordStart, j + 1]);
        recordStart = -1;
      }
    } else {
      if (depth === 1 && name === 'record') {
        if (selfClosing) out.push([lt, j + 1]);
        else recordStart = lt;
      }
      if (!selfClosing) depth += 1;
    }
    i = j + 1;
  }
  return out;
}

/** The exact text of each `<record>` child of the root (`recordRanges`). */
export function recordSlices(xml: string): string[] {
  return recordRanges(xml).map(([start, end]) => xml.slice(start, end));
}

/** fast-xml-parser's reading of a validated post, in the scanner's shape (any well-formed XML). */
function libraryScan(xml: string): ScannedPost | undefined {
  const tree = parser.parse(xml) as OrderedNode[];
  const rootNode = tree.find((n) => {
    const name = nodeName(n);
    return name !== undefined && name !== '#text' && !name.startsWith('?') && name !== '#comment';
  });
  if (!rootNode) return undefined;
  const recordNodes = ((rootNode[nodeName(rootNode) ?? ''] ?? []) as OrderedNode[]).filter((node) => nodeName(node) === 'record');
  const slices = recordSlices(xml);
  const exact = slices.length === recordNodes.length;
  return {
    rootName: nodeName(rootNode) ?? '',
    rootAttributes: rootNode[':@'] ?? {},
    records: recordNodes.map((node, i) => ({
      attributes: node[':@'] ?? {},
      element: toElement(node) ?? { name: 'record', attributes: {}, text: '', children: [] },
      // The exact bytes sent; re-serialised only if the scanner and the parser ever disagree.
      raw: exact ? (slices[i] ?? '') : builder.build([node]),
    })),
  };
}

/**
 * The root and records of a WELL-FORMED post: the one-pass scanner for plain XML (what bridges
 * send), fast-xml-parser for anything else. `full` forces the library (tests compare the two).
 */
export function readPost(xml: string, full = false): ScannedPost | undefined {
  return (full ? undefined : scanPost(xml)) ?? libraryScan(xml);
}

/**
 * Parses one post. Throws a CollectorError (400) when nothing of it may be stored. Plain posts are
 * checked and read by the scanner in one pass; any other post is checked by fast-xml-parser's
 * validator and read by the library. `validity` is that check's result when the caller already
 * made it (after `parsePlainCdrPost` declined the post; `validation.ts` runs it on worker threads):
 * the scanner is then not run again.
 */
export function parseCdrPost(xml: string, validity?: Validity): ParsedPost {
  if (validity === undefined) {
    const plain = parsePlainCdrPost(xml);
    if (plain) return plain;
  } else if (xml.trim() === '') throw collectorErrors.emptyBody();
  const valid = validity ?? validateXml(xml);
  if (valid !== true) throw collectorErrors.malformedXml(valid);
  return fromScanned(libraryScan(xml), xml.includes('\u0000'));
}

/**
 * The scanner's part of `parseCdrPost` alone: the parsed post when it is plain, `undefined` when
 * it needs the validator (the caller then checks it, off the main thread if it likes, and calls
 * `parseCdrPost` with the result).
 */
export function parsePlainCdrPost(xml: string): ParsedPost | undefined {
  if (xml.trim() === '') throw collectorErrors.emptyBody();
  const scanned = scanPost(xml);
  return scanned ? fromScanned(scanned, xml.includes('\u0000')) : undefined;
}

/** The post's records; `nul`: the post holds a U+0000, so every value read from it is escaped (`text.ts`). */
function fromScanned(scanned: ScannedPost | undefined, nul: boolean): ParsedPost {
  if (!scanned) throw collectorErrors.malformedXml('no root element');
  if (scanned.rootName !== 'records') throw collectorErrors.wrongRoot(escapeNul(scanned.rootName));
  const rootAttributes = nul ? escapeAttributes(scanned.rootAttributes) : scanned.rootAttributes;
  const session = rootAttributes['session']?.trim();
  if (session === undefined || session === '') throw collectorErrors.missingSession();
  const callBridge = rootAttributes['callBridge']?.trim();
  const records: ParsedRecord[] = [];
  for (const scannedRecord of scanned.records) {
    const position = records.length + 1;
    const attributes = nul ? escapeAttributes(scannedRecord.attributes) : scannedRecord.attributes;
    const type = attributes['type']?.trim();
    if (type === undefined || type === '') throw collectorErrors.recordWithoutType(position);
    const recordIndex = indexAttribute(position, attributes, 'recordIndex');
    const correlatorIndex = indexAttribute(position, attributes, 'correlatorIndex');
    if (recordIndex === null && correlatorIndex === null) throw collectorErrors.recordWithoutIndex(position);
    const time = attributes['time']?.trim() ?? null;
    const parsedTime = time === null ? Number.NaN : Date.parse(time);
    const body = scannedRecord.element.children[0];
    const raw = nul ? escapeNul(scannedRecord.raw) : scannedRecord.raw;
    records.push({
      position,
      type,
      time,
      timeMs: Number.isFinite(parsedTime) ? parsedTime : null,
      recordIndex,
      correlatorIndex,
      numPreceedingRecordsMissing: indexAttribute(position, attributes, 'numPreceedingRecordsMissing'),
      body: nul && body ? escapeElement(body) : body,
      raw,
      ...(raw === scannedRecord.raw ? {} : { rawBytes: Buffer.from(scannedRecord.raw, 'utf8') }),
    });
  }
  return { session, callBridge: callBridge === undefined || callBridge === '' ? null : callBridge, records };
}

/** Re-reads one stored `<record>` (its raw XML) into its body element: used to re-merge out-of-order arrivals. */
export function parseStoredRecord(raw: string): XmlElement | undefined {
  const tree = parser.parse(raw) as OrderedNode[];
  const node = tree.find((n) => nodeName(n) === 'record');
  const body = node ? toElement(node)?.children[0] : undefined;
  // Stored before U+0000 was escaped (SQLite kept it): read as a new post would be.
  return body && raw.includes('\u0000') ? escapeElement(body) : body;
}
