/**
 * The one escaping of the bridge's API XML and CDR XML: markup as entities, and every character XML
 * 1.0 cannot carry replaced by U+FFFD, one for one (docs/cms-compatibility.md).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { xmlDocument } from '../../src/bridge/api/xml.ts';
import { renderRecordBody, renderRecords } from '../../src/bridge/cdr/xml.ts';
import { escapeXml, hasNonXmlChar, toXmlChars } from '../../src/shared/xmlText.ts';
import { assertStrictXml } from '../support/strictXml.ts';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, trimValues: false });

describe('XML text', () => {
  test('characters outside XML 1.0 Char become U+FFFD; everything else is kept', () => {
    const replaced = ['\u0000', '\u0001', '\u0008', '\u000B', '\u000C', '\u000E', '\u001F', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uFFFE', '\uFFFF'];
    for (const c of replaced) {
      assert.equal(toXmlChars(`a${c}b`), 'a\uFFFDb', `U+${c.charCodeAt(0).toString(16)}`);
      assert.ok(hasNonXmlChar(c));
    }
    const kept = ['\t', '\n', '\r', ' ', '\u007F', '\u0085', '\u00A0', '\uD7FF', '\uE000', '\uFFFD', '\uD800\uDC00', '\uDBFF\uDFFF', '😀', 'é', '中'];
    for (const c of kept) {
      assert.equal(toXmlChars(`a${c}b`), `a${c}b`, JSON.stringify(c));
      assert.equal(hasNonXmlChar(c), false, JSON.stringify(c));
    }
    // A surrogate pair written the wrong way round is two lone surrogates.
    assert.equal(toXmlChars('\uDC00\uD800'), '\uFFFD\uFFFD');
    assert.equal(escapeXml('caller\u0000name <&> "\'"'), 'caller\uFFFDname &lt;&amp;&gt; &quot;&apos;&quot;');
  });

  test('any string, escaped, parses strictly back to itself with U+FFFD in place of what XML cannot carry (seeded)', () => {
    const anyCodePoint = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0xd7f0, max: 0xe010 }), fc.integer({ min: 0xfff0, max: 0x10ffff }));
    fc.assert(
      fc.property(fc.array(anyCodePoint, { maxLength: 40 }), (points) => {
        const value = points.map((p) => String.fromCodePoint(p)).join('');
        const doc = `<?xml version="1.0"?>\n<a b="${escapeXml(value)}">${escapeXml(value)}</a>`;
        assertStrictXml(Buffer.from(doc, 'utf8'));
        const expected = toXmlChars(value);
        assert.equal(expected.length, value.length, 'one for one');
        // Parsers normalise CR and white space in attributes; compare the element text with CR folded.
        const parsed = parser.parse(doc) as { a: { '#text'?: string } | string };
        const text = typeof parsed.a === 'string' ? parsed.a : (parsed.a['#text'] ?? '');
        assert.equal(text.replace(/\r\n?/g, '\n'), expected.replace(/\r\n?/g, '\n'));
      }),
      { seed: 13, numRuns: 500 },
    );
  });

  test('the API XML writer and the CDR XML writer both use it', () => {
    const name = 'caller\u0000name\uD800\uFFFF';
    const api = xmlDocument({ tag: 'callLeg', attrs: { id: `x\u0001y` }, children: [['name', name]] });
    assertStrictXml(api, 'API XML');
    assert.equal(api, '<?xml version="1.0"?>\n<callLeg id="x\uFFFDy"><name>caller\uFFFDname\uFFFD\uFFFD</name></callLeg>');
    const body = renderRecordBody({ type: 'callLegStart', callLeg: { id: 'leg', remoteParty: `p\u0002@example.com`, displayName: name, type: 'sip', direction: 'incoming' } });
    const post = renderRecords(`s\u0003`, undefined, [{ type: 'callLegStart', timeMs: 0, correlatorIndex: 0, recordIndex: 1, missing: 0, body }]);
    assertStrictXml(post, 'CDR XML');
    assert.match(post, /<remoteParty>p\uFFFD@example\.com<\/remoteParty><displayName>caller\uFFFDname\uFFFD\uFFFD<\/displayName>/);
    assert.match(post, /<records session="s\uFFFD">/);
  });
});
