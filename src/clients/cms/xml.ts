/**
 * Tolerant reading of CMS XML: element names are matched case-insensitively, the XML declaration is
 * optional, unknown elements are kept, empty elements read as ''. Every document becomes a small tree
 * of `XmlNode`s so callers never depend on the parser's object shapes.
 */
import { XMLParser } from 'fast-xml-parser';

export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly text: string;
  readonly children: readonly XmlNode[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

type Ordered = Record<string, unknown>;

function build(entry: Ordered): XmlNode | undefined {
  const name = Object.keys(entry).find((k) => k !== ':@');
  if (name === undefined || name === '#text' || name.startsWith('?')) return undefined;
  const rawAttrs = (entry[':@'] ?? {}) as Record<string, unknown>;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawAttrs)) attrs[k] = String(v);
  const content = entry[name];
  const children: XmlNode[] = [];
  let text = '';
  if (Array.isArray(content)) {
    for (const child of content as Ordered[]) {
      if ('#text' in child) text += String(child['#text']);
      const node = build(child);
      if (node) children.push(node);
    }
  }
  return { name, attrs, text, children };
}

/** Parses a document; returns its root element, or undefined for an empty/non-XML body. */
export function parseCmsXml(body: string): XmlNode | undefined {
  if (body.trim() === '' || !body.trimStart().startsWith('<')) return undefined;
  let parsed: unknown;
  try {
    parsed = parser.parse(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  for (const entry of parsed as Ordered[]) {
    const node = build(entry);
    if (node) return node;
  }
  return undefined;
}

/** The first child element named `name` (case-insensitive). */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  const lower = name.toLowerCase();
  return node?.children.find((c) => c.name.toLowerCase() === lower);
}

export function childrenNamed(node: XmlNode | undefined, name: string): XmlNode[] {
  const lower = name.toLowerCase();
  return node?.children.filter((c) => c.name.toLowerCase() === lower) ?? [];
}

/** The items of a list document (`<coSpaces total="n"><coSpace id="…">…`) and its `total`. */
export function listOf(root: XmlNode | undefined, itemName: string): { total: number; items: XmlNode[] } {
  const items = childrenNamed(root, itemName);
  const total = Number(attrOf(root, 'total') ?? items.length);
  return { total: Number.isFinite(total) ? total : items.length, items };
}

/** Text of a child element; undefined when absent (an empty element reads as ''). */
export function textOf(node: XmlNode | undefined, name: string): string | undefined {
  return child(node, name)?.text;
}

/** Attribute, case-insensitive. */
export function attrOf(node: XmlNode | undefined, name: string): string | undefined {
  if (!node) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(node.attrs)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function boolOf(node: XmlNode | undefined, name: string): boolean | undefined {
  const value = textOf(node, name)?.toLowerCase();
  return value === undefined || value === '' ? undefined : value === 'true';
}

export function numberOf(node: XmlNode | undefined, name: string): number | undefined {
  const value = textOf(node, name);
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** The reason and parameter of a `<failureDetails>` body. */
export function failureOf(body: string): { reason: string; parameter?: { name: string; error: string } } | undefined {
  const root = parseCmsXml(body);
  if (root?.name.toLowerCase() !== 'failuredetails') return undefined;
  const first = root.children[0];
  if (!first) return undefined;
  const parameter = attrOf(first, 'parameter');
  const error = attrOf(first, 'error');
  return parameter !== undefined ? { reason: first.name, parameter: { name: parameter, error: error ?? '' } } : { reason: first.name };
}
