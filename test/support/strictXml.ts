/**
 * A strict check of an XML document as a conforming XML 1.0 parser (expat, libxml2) applies it:
 * well-formed UTF-8, every character inside the `Char` production (§2.2 of "Extensible Markup
 * Language (XML) 1.0"), and well-formed markup. fast-xml-parser's XMLValidator checks the markup only
 * (it accepts a NUL or U+FFFF in text), so the characters are checked here first.
 */
import assert from 'node:assert/strict';
import { XMLValidator } from 'fast-xml-parser';

const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Throws unless `document` (bytes as sent, or text) is a document a strict XML 1.0 parser accepts. */
export function assertStrictXml(document: Uint8Array | string, what = 'document'): void {
  const text = typeof document === 'string' ? document : new TextDecoder('utf-8', { fatal: true }).decode(document);
  const bad = NOT_XML_CHAR.exec(text);
  assert.equal(bad, null, `${what}: U+${(bad?.[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} at ${bad?.index ?? -1} is not an XML 1.0 character`);
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the validator in the locked dependencies (its successor is a separate package)
  const valid = XMLValidator.validate(text);
  assert.equal(valid, true, `${what}: ${JSON.stringify(valid)}`);
}
