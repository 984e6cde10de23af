/**
 * A strict check of an XML document as a conforming XML 1.0 parser (expat, libxml2) applies it:
 * well-formed UTF-8, every character inside the `Char` production (§2.2 of "Extensible Markup
 * Language (XML) 1.0"), and well-formed markup. fast-xml-parser's XMLValidator checks the markup only
 * (it accepts a NUL or U+FFFF in text), so the characters are checked here first.
 */
import assert from 'node:assert/strict';
import { XMLValidator } from 'fast-xml-parser';

/** A character outside XML 1.0's Char production (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/FFFF). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Undefined when `text` is well-formed XML (fast-xml-parser's validator: structure, not characters); else why not. */
function structureProblem(text: string): string | undefined {
  // XMLValidator still ships in fast-xml-parser 5 (marked deprecated in favour of a separate package
  // that is not a dependency of this project); the collector checks posts with it too.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const valid = XMLValidator.validate(text);
  return valid === true ? undefined : `not well-formed: ${valid.err.code} ${valid.err.msg} (line ${valid.err.line})`;
}

/** True when `text` is well-formed XML as far as its structure goes (elements, attributes, entities). */
export function wellFormed(text: string): boolean {
  return structureProblem(text) === undefined;
}

/** Undefined when `text` is a well-formed XML 1.0 document made only of XML characters; else why not. */
export function xmlProblem(text: string): string | undefined {
  const bad = NOT_XML_CHAR.exec(text);
  if (bad) return `character U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} at ${bad.index} is not an XML 1.0 Char`;
  return structureProblem(text);
}

/** Throws unless `document` (bytes as sent, or text) is a document a strict XML 1.0 parser accepts. */
export function assertStrictXml(document: Uint8Array | string, what = 'document'): void {
  const text = typeof document === 'string' ? document : new TextDecoder('utf-8', { fatal: true }).decode(document);
  assert.equal(xmlProblem(text), undefined, what);
}
