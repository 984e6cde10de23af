/**
 * Text as XML 1.0 can carry it. The `Char` production of "Extensible Markup Language (XML) 1.0",
 * §2.2, admits tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and U+10000–U+10FFFF; anything else (the
 * other C0 controls such as NUL, a surrogate code unit without its pair, U+FFFE, U+FFFF) makes a
 * document that a conforming parser must reject, even written as a character reference.
 *
 * Such a character is replaced by U+FFFD REPLACEMENT CHARACTER, one for one. Replacing rather than
 * removing keeps the place of the lost character visible (`caller\0name` → `caller�name`, not
 * `callername`) and is what a UTF-8 encoder already does with a lone surrogate, so every character
 * the wire cannot carry reads the same. docs/cms-compatibility.md states the rule.
 */

/** One character outside XML 1.0's `Char` (in `u` mode a lone surrogate is a code point of its own). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NOT_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The character that stands for one XML 1.0 cannot carry. */
export const XML_REPLACEMENT = '\uFFFD';

/** True when `value` holds a character XML 1.0 cannot carry. */
export function hasNonXmlChar(value: string): boolean {
  return NOT_XML_CHAR.test(value);
}

/** `value` with every character XML 1.0 cannot carry replaced by U+FFFD. */
export function toXmlChars(value: string): string {
  return NOT_XML_CHAR.test(value) ? value.replace(NOT_XML_CHARS, XML_REPLACEMENT) : value;
}

const MARKUP = /[&<>"']/;
const MARKUP_ALL = /[&<>"']/g;
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Text or an attribute value ready to go between tags or quotes: markup characters as entities and
 * characters XML 1.0 cannot carry replaced (see above). The one escaping of the bridge's API XML and
 * CDR XML.
 */
export function escapeXml(value: string): string {
  const text = toXmlChars(value);
  return MARKUP.test(text) ? text.replace(MARKUP_ALL, (c) => ENTITIES[c] ?? c) : text;
}
