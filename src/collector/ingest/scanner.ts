/**
 * The fast path of `parse.ts` for the XML a call bridge actually sends: ONE pass over a post that
 * checks it is well-formed and yields the root's attributes and, per `<record>`, its attributes, its
 * element tree and its exact bytes. A post it takes needs neither the well-formedness check nor
 * fast-xml-parser (together about three quarters of the parsing cost of a batch of records).
 *
 * It only takes posts whose XML is plainly well-formed and whose meaning is trivial, and answers
 * `undefined` for anything else, so the caller checks the post with fast-xml-parser's validator
 * and parses it with the library: an entity or character reference (`&`), a comment, CDATA
 * section or DOCTYPE (`<!`), a processing instruction other than a leading `<?xml ...?>`
 * declaration, a name outside `[A-Za-z_][A-Za-z0-9_.:-]*` or one fast-xml-parser renames
 * (Object.prototype members), nesting deeper than fast-xml-parser allows, and every kind of
 * malformation (a tag left open or closed out of turn, an unterminated tag, an attribute without a
 * quoted value, without whitespace before it or given twice, `<` in an attribute value, text outside
 * the root, a second root). What it takes is well-formed, and reads as the library reads it (same
 * attributes, same trimmed and joined texts, same children in document order): the parser tests
 * compare the two on the posts bridges send and on thousands of mutated ones.
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
/** A leading XML declaration with only version / encoding / standalone pseudo-attributes. */
const DECLARATION_RE = /^<\?xml(?:\s+(?:version|encoding|standalone)\s*=\s*(?:"[^"<&]*"|'[^'<&]*'))*\s*\?>/;

function safeName(name: string): boolean {
  return NAME_RE.test(name) && !UNSAFE_NAMES.has(name);
}

/**
 * The attributes of a start tag's inside (after the name), read strictly: each one preceded by
 * whitespace, `name = "value"` or `'value'`, no `<` in a value, no name twice. Undefined when the
 * text is anything else (malformed, or a name that is not plain).
 */
function attributesOf(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const n = text.length;
  let k = 0;
  for (;;) {
    const spaceFrom = k;
    while (k < n && isSpace(text.charCodeAt(k))) k++;
    if (k >= n) return out;
    if (k === spaceFrom) return undefined;
    const nameFrom = k;
    while (k < n && !isSpace(text.charCodeAt(k)) && text.charCodeAt(k) !== 61) k++;
    const name = text.slice(nameFrom, k);
    if (!safeName(name) || Object.hasOwn(out, name)) return undefined;
    while (k < n && isSpace(text.charCodeAt(k))) k++;
    if (text.charCodeAt(k) !== 61) return undefined; // '='
    k++;
    while (k < n && isSpace(text.charCodeAt(k))) k++;
    const quote = text.charCodeAt(k);
    if (quote !== 34 && quote !== 39) return undefined;
    const close = text.indexOf(quote === 34 ? '"' : "'", k + 1);
    if (close < 0) return undefined;
    const value = text.slice(k + 1, close);
    if (value.includes('<')) return undefined;
    out[name] = value.trim();
    k = close + 1;
  }
}

/** Only whitespace between `from` and `to`. */
function blank(xml: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (!isSpace(xml.charCodeAt(k))) return false;
  return true;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

function appendText(frame: Frame, segment: string): void {
  const trimmed = segment.trim();
  if (trimmed !== '') frame.text += trimmed;
}

/** Scans and checks a post; undefined when it needs the validator and the full parser. */
export function scanPost(xml: string): ScannedPost | undefined {
  if (xml.includes('&') || xml.includes('<!')) return undefined;
  let i = 0;
  if (xml.startsWith('<?')) {
    const declaration = DECLARATION_RE.exec(xml);
    if (!declaration) return undefined;
    i = declaration[0].length;
  }
  if (xml.includes('<?', i)) return undefined;

  let rootName: string | undefined;
  let rootAttributes: Record<string, string> = {};
  const records: ScannedRecord[] = [];
  const open: string[] = []; // names of the open elements, root first
  const stack: Frame[] = []; // the open elements from a <record> child of the root down
  for (;;) {
    const lt = xml.indexOf('<', i);
    const textTo = lt < 0 ? xml.length : lt;
    if (open.length === 0) {
      if (!blank(xml, i, textTo)) return undefined; // text outside the root
    } else {
      const top = stack[stack.length - 1];
      if (top && textTo > i) appendText(top, xml.slice(i, textTo));
    }
    if (lt < 0) break;
    // the tag's end, past quoted attribute values
    let j = lt + 1;
    let quote = 0;
    for (; j < xml.length; j++) {
      const ch = xml.charCodeAt(j);
      if (quote !== 0) {
        if (ch === quote) quote = 0;
      } else if (ch === 34 || ch === 39) quote = ch;
      else if (ch === 62) break;
      else if (ch === 60) return undefined; // '<' inside a tag
    }
    if (j >= xml.length) return undefined; // unterminated tag
    i = j + 1;
    if (xml.charCodeAt(lt + 1) === 47) {
      // </name>, closing the innermost open element
      let nameTo = j;
      while (nameTo > lt + 2 && isSpace(xml.charCodeAt(nameTo - 1))) nameTo--;
      if (open.pop() !== xml.slice(lt + 2, nameTo)) return undefined;
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
    const attributes = attributesOf(inside.slice(nameEnd));
    if (attributes === undefined) return undefined;
    const depth = open.length;
    if (depth === 0) {
      if (rootName !== undefined) return undefined; // a second root
      rootName = name;
      rootAttributes = attributes;
    } else if (stack.length > 0 || (depth === 1 && name === 'record')) {
      if (selfClosing) {
        const element: XmlElement = { name, attributes, text: '', children: [] };
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(element);
        else records.push({ attributes, element, raw: xml.slice(lt, j + 1) });
      } else {
        stack.push({ name, attributes, children: [], text: '', start: lt });
      }
    }
    if (!selfClosing) {
      open.push(name);
      if (open.length > MAX_DEPTH) return undefined;
    }
  }
  if (rootName === undefined || open.length > 0) return undefined;
  return { rootName, rootAttributes, records };
}
