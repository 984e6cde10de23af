/**
 * The XML the CMS API answers with. Written by hand rather than through a generic builder because the
 * wire shape matters to real clients: element order, `<x/>` for present-but-empty values, attributes on
 * list roots (`total`, `maximum`) and items (`id`). Every text and attribute value goes through the
 * one `escapeXml` (src/shared/xmlText.ts), which also replaces characters XML 1.0 cannot carry.
 */
import { escapeXml } from '../../shared/xmlText.ts';

export type XmlValue = string | number | boolean | null | XmlElement | undefined;

export interface XmlElement {
  readonly tag: string;
  readonly attrs?: Readonly<Record<string, string | number | undefined>>;
  /** Ordered children: `[name, value]` pairs; `undefined` values are omitted, `null` gives `<name/>`. */
  readonly children?: ReadonlyArray<readonly [string, XmlValue]> | readonly XmlElement[];
  readonly text?: string;
}


function attrsToString(attrs: XmlElement['attrs']): string {
  if (!attrs) return '';
  let out = '';
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out += ` ${k}="${escapeXml(String(v))}"`;
  return out;
}

function isElement(value: unknown): value is XmlElement {
  return typeof value === 'object' && value !== null && 'tag' in value;
}

function writeValue(name: string, value: XmlValue, out: string[]): void {
  if (value === undefined) return;
  if (value === null) {
    out.push(`<${name}/>`);
    return;
  }
  if (isElement(value)) {
    writeElement(value.tag === name ? value : { ...value, tag: name }, out);
    return;
  }
  out.push(`<${name}>${escapeXml(String(value))}</${name}>`);
}

export function writeElement(element: XmlElement, out: string[]): void {
  const open = `<${element.tag}${attrsToString(element.attrs)}`;
  const children = element.children ?? [];
  if (children.length === 0 && (element.text === undefined || element.text === '')) {
    out.push(`${open}/>`);
    return;
  }
  out.push(`${open}>`);
  if (element.text !== undefined) out.push(escapeXml(element.text));
  for (const child of children) {
    if (isElement(child)) writeElement(child, out);
    else writeValue(child[0], child[1], out);
  }
  out.push(`</${element.tag}>`);
}

/** A complete document with the `<?xml version="1.0"?>` declaration CMS sends. */
export function xmlDocument(root: XmlElement): string {
  const out = ['<?xml version="1.0"?>\n'];
  writeElement(root, out);
  return out.join('');
}

/** A list document: `<coSpaces total="N"><coSpace id="...">...</coSpace></coSpaces>`. */
export function xmlList(
  collection: string,
  total: number,
  items: readonly XmlElement[],
  extraAttrs: Readonly<Record<string, string | number>> = {},
): string {
  return xmlDocument({ tag: collection, attrs: { total, ...extraAttrs }, children: items });
}
