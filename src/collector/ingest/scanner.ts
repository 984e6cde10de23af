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
import type { XmlElement } from '../domain/element.ts';

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

/** An element being read: its text grows until its end tag, and then it is the element itself. */
interface Frame {
  readonly name: string;
  readonly attributes: Record<string, string>;
  text: string;
  readonly children: XmlElement[];
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

/** Names checked already: a small 2-way cache, by length and first, middle and last character. */
const nameCache: string[] = new Array<string>(1024).fill('');
const MAX_CACHED_NAME = 64;

/**
 * The tag or attribute name at `xml[from, to)` when it is safe, else undefined. Names repeat in
 * every record: one that matches a cached name is neither sliced nor checked again, and the same
 * string is handed out each time. A cached name is an internalised copy (V8 compares it with the
 * model's field-name literals by pointer, and it does not keep its post alive as a slice would).
 */
function nameAt(xml: string, from: number, to: number): string | undefined {
  const length = to - from;
  if (length === 0) return undefined;
  if (length > MAX_CACHED_NAME) {
    const name = xml.slice(from, to);
    return safeName(name) ? name : undefined;
  }
  const key = ((length * 31 + xml.charCodeAt(from)) * 31 + xml.charCodeAt(from + (length >> 1))) * 31 + xml.charCodeAt(to - 1);
  const slot = (Math.imul(key, 0x9e3779b1) >>> 22) & ~1; // an even index: the pair slot, slot + 1
  const first = nameCache[slot] ?? '';
  if (first.length === length && xml.startsWith(first, from)) return first;
  const second = nameCache[slot + 1] ?? '';
  if (second.length === length && xml.startsWith(second, from)) return second;
  const name = xml.slice(from, to);
  if (!safeName(name)) return undefined;
  const own = Object.keys({ [name]: 0 })[0] ?? name; // a property key is internalised
  nameCache[slot + 1] = first;
  nameCache[slot] = own;
  return own;
}

/**
 * The attributes of a start tag's inside after the name, `xml[from, to)`, read strictly: each one
 * preceded by whitespace, `name = "value"` or `'value'`, no `<` in a value, no name twice.
 * Undefined when the text is anything else (malformed, or a name that is not plain).
 */
function attributesOf(xml: string, from: number, to: number): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let k = from;
  for (;;) {
    const spaceFrom = k;
    while (k < to && isSpace(xml.charCodeAt(k))) k++;
    if (k >= to) return out;
    if (k === spaceFrom) return undefined;
    const nameFrom = k;
    for (; k < to; k++) {
      const ch = xml.charCodeAt(k);
      if (isSpace(ch) || ch === 61) break;
    }
    const name = nameAt(xml, nameFrom, k);
    if (name === undefined || Object.hasOwn(out, name)) return undefined;
    while (k < to && isSpace(xml.charCodeAt(k))) k++;
    if (k >= to || xml.charCodeAt(k) !== 61) return undefined; // '='
    k++;
    while (k < to && isSpace(xml.charCodeAt(k))) k++;
    if (k >= to) return undefined;
    const quote = xml.charCodeAt(k);
    if (quote !== 34 && quote !== 39) return undefined;
    const close = xml.indexOf(quote === 34 ? '"' : "'", k + 1);
    if (close < 0 || close >= to) return undefined;
    const value = xml.slice(k + 1, close);
    if (value.includes('<')) return undefined;
    out[name] = plain(value, 0, value.length) ? value : value.trim();
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

/** `text[from, to)` is not empty and `.trim()` leaves it as it is: printable ASCII at both ends. */
function plain(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  const first = text.charCodeAt(from);
  const last = text.charCodeAt(to - 1);
  return first > 32 && first < 127 && last > 32 && last < 127;
}

/** Adds the trimmed text `xml[from, to)` to the element's text. */
function appendText(frame: Frame, xml: string, from: number, to: number): void {
  const trimmed = plain(xml, from, to) ? xml.slice(from, to) : xml.slice(from, to).trim();
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
  let recordStart = 0; // where the open <record> began
  // The first '"', "'" and '<' after the current tag's start: each searched for forward only.
  let dq = 0;
  let sq = 0;
  let nextLt = -1;
  for (;;) {
    const lt = nextLt >= i ? nextLt : xml.indexOf('<', i);
    const textTo = lt < 0 ? xml.length : lt;
    if (open.length === 0) {
      if (!blank(xml, i, textTo)) return undefined; // text outside the root
    } else {
      const top = stack[stack.length - 1];
      if (top && textTo > i) appendText(top, xml, i, textTo);
    }
    if (lt < 0) break;
    // the tag's end, past quoted attribute values
    let j = xml.indexOf('>', lt + 1);
    if (j < 0) return undefined; // unterminated tag
    if (dq <= lt) dq = xml.indexOf('"', lt + 1) >>> 0; // none: 2^32 - 1
    if (sq <= lt) sq = xml.indexOf("'", lt + 1) >>> 0;
    if (dq > j && sq > j) {
      nextLt = xml.indexOf('<', lt + 1);
      if (nextLt >= 0 && nextLt < j) return undefined; // '<' inside a tag
    } else {
      let quote = 0;
      for (j = lt + 1; j < xml.length; j++) {
        const ch = xml.charCodeAt(j);
        if (quote !== 0) {
          if (ch === quote) quote = 0;
        } else if (ch === 34 || ch === 39) quote = ch;
        else if (ch === 62) break;
        else if (ch === 60) return undefined; // '<' inside a tag
      }
      if (j >= xml.length) return undefined; // unterminated tag
    }
    i = j + 1;
    if (xml.charCodeAt(lt + 1) === 47) {
      // </name>, closing the innermost open element
      let nameTo = j;
      while (nameTo > lt + 2 && isSpace(xml.charCodeAt(nameTo - 1))) nameTo--;
      const openName = open.pop();
      if (openName === undefined || openName.length !== nameTo - lt - 2 || !xml.startsWith(openName, lt + 2)) return undefined;
      const element = stack.pop();
      if (element) {
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(element);
        else records.push({ attributes: element.attributes, element, raw: xml.slice(recordStart, j + 1) });
      }
      continue;
    }
    const selfClosing = xml.charCodeAt(j - 1) === 47;
    const insideTo = selfClosing ? j - 1 : j;
    let nameEnd = lt + 1;
    while (nameEnd < insideTo && !isSpace(xml.charCodeAt(nameEnd))) nameEnd++;
    const name = nameAt(xml, lt + 1, nameEnd);
    if (name === undefined) return undefined;
    const attributes = attributesOf(xml, nameEnd, insideTo);
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
        if (stack.length === 0) recordStart = lt;
        stack.push({ name, attributes, text: '', children: [] });
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
