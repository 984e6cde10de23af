/**
 * A parsed XML element, kept whole: name, attributes, trimmed text and child elements in document
 * order. Record bodies reach the model in this form so that elements and attributes the model does
 * not know are never lost (the raw XML of every record is stored besides).
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly text: string;
  readonly children: readonly XmlElement[];
}

/** The first child element of that name. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  if (element === undefined) return undefined;
  // A plain loop: the model reads dozens of fields of every record body this way.
  for (const c of element.children) if (c.name === name) return c;
  return undefined;
}

export function childrenNamed(element: XmlElement | undefined, name: string): XmlElement[] {
  return element ? element.children.filter((c) => c.name === name) : [];
}

/** A field's value: a child element's text, else an attribute of that name; undefined when absent. */
export function field(element: XmlElement | undefined, name: string): string | undefined {
  const c = child(element, name);
  if (c) return c.text;
  return element?.attributes[name];
}

export function stringField(element: XmlElement | undefined, name: string): string | null {
  const value = field(element, name);
  return value === undefined || value === '' ? null : value;
}

export function numberField(element: XmlElement | undefined, name: string): number | null {
  const value = field(element, name);
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function booleanField(element: XmlElement | undefined, name: string): boolean | null {
  const value = field(element, name)?.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return null;
}
