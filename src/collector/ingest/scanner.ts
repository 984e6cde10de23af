/**
 * The fast path of `parse.ts` for the XML a call bridge actually sends: one pass over an already
 * VALIDATED post that yields the root's attributes and, per `<record>`, its attributes, its element
 * tree and its exact bytes (the ingest hot path: fast-xml-parser's tree plus the conversion to
 * XmlElement cost three times more than validation).
 *
 * It only takes posts whose XML meaning is trivial, and answers `undefined` for anything else so
 * the caller falls back to fast-xml-parser: an entity or character reference (`&`), a comment, CDATA
 * section or DOCTYPE (`<!`), a processing instruction other than the leading declaration, a name
 * outside `[A-Za-z_][A-Za-z0-9_.:-]*` or one fast-xml-parser renames (Object.prototype members),
 * or nesting deeper than fast-xml-parser allows. On what it takes, its result equals the library
 * path (same attributes, same trimmed and joined texts, same children in document order): the
 * parser tests compare the two.
 */
import type { XmlElement } from '../model/element.ts';

export interface ScannedRecord {
  readonly attributes: Record<string, string>;
  /** The `<record>` element itself (its first child is the record body). */
  readonly element: XmlElement;
  readonly raw: string;
}

export interface ScannedPost {
  readonly rootName: string;
  readonly rootAttributes: Record<string, string>;
  readonly records: ScannedRecord[];
}

interface Frame {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
  readonly start: number;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
/** Names fast-xml-parser renames or refuses (prototype members). */
const UNSAFE_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);
/** fast-xml-parser's default `maxNestedTags`. */
const MAX_DEPTH = 100;
const ATTRIBUTE_RE = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function safeName(name: string): boolean {
  return NAME_RE.test(name) && !UNSAFE_NAMES.has(name);
}

/** The attributes of a start tag's inside (after the name); undefined when a name is not plain. */
function attributesOf(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (text.trim() === '') return out;
  ATTRIBUTE_RE.lastIndex = 0;
  for (let m = ATTRIBUTE_RE.exec(text); m !== null; m = ATTRIBUTE_RE.exec(text)) {
    const name = m[1] ?? '';
    if (!safeName(name)) return undefined;
    out[name] = (m[2] ?? m[3] ?? '').trim();
  }
  return out;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

function appendText(frame: Frame, segment: string): void {
  const trimmed = segment.trim();
  if (trimmed !== '') frame.text += trimmed;
}

/** Scans a validated post; undefined when it needs the full parser. */
export function scanPost(xml: string): ScannedPost | undefined {
  if (xml.includes('&') || xml.includes('<!')) return undefined;
  let i = xml.indexOf('<');
  if (i >= 0 && xml.startsWith('<?', i)) i = xml.indexOf('?>', i) + 2;
  if (i < 0 || xml.includes('<?', i)) return undefined;

  let rootName: string | undefined;
  let rootAttributes: Record<string, string> = {};
  const records: ScannedRecord[] = [];
  let depth = 0; // open elements
  const stack: Frame[] = []; // the open elements from a <record> child of the root down
  let textFrom = -1;
  for (;;) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) break;
    const top = stack[stack.length - 1];
    if (top && textFrom >= 0 && lt > textFrom) appendText(top, xml.slice(textFrom, lt));
    // the tag's end, past quoted attribute values
    let j = lt + 1;
    let quote = 0;
    for (; j < xml.length; j++) {
      const ch = xml.charCodeAt(j);
      if (quote !== 0) {
        if (ch === quote) quote = 0;
      } else if (ch === 34 || ch === 39) quote = ch;
      else if (ch === 62) break;
    }
    i = j + 1;
    textFrom = i;
    if (xml.charCodeAt(lt + 1) === 47) {
      // </name>
      depth -= 1;
      const frame = stack.pop();
      if (frame) {
        const element: XmlElement = { name: frame.name, attributes: frame.attributes, text: frame.text, children: frame.children };
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(element);
        else records.push({ attributes: frame.attributes, element, raw: xml.slice(frame.start, j + 1) });
      }
      continue;
    }
    const selfClosing = xml.charCodeAt(j - 1) === 47;
    const inside = xml.slice(lt + 1, selfClosing ? j - 1 : j);
    let nameEnd = 0;
    while (nameEnd < inside.length && !isSpace(inside.charCodeAt(nameEnd))) nameEnd++;
    const name = inside.slice(0, nameEnd);
    if (!safeName(name)) return undefined;
    const inRecord = stack.length > 0 || (depth === 1 && name === 'record');
    if (depth === 0 || inRecord) {
      const attributes = attributesOf(inside.slice(nameEnd));
      if (attributes === undefined) return undefined;
      if (depth === 0) {
        rootName ??= name;
        rootAttributes = attributes;
      } else if (selfClosing) {
        const element: XmlElement = { name, attributes, text: '', children: [] };
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(element);
        else records.push({ attributes, element, raw: xml.slice(lt, j + 1) });
      } else {
        stack.push({ name, attributes, children: [], text: '', start: lt });
      }
    }
    if (!selfClosing) {
      depth += 1;
      if (depth > MAX_DEPTH) return undefined;
    }
  }
  if (rootName === undefined) return undefined;
  return { rootName, rootAttributes, records };
}
