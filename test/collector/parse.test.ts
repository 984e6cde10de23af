/** The tolerant parser on its own: record slicing is exact even with tricky but well-formed XML. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCdrPost, readPost, recordSlices } from '../../src/collector/ingest/parse.ts';
import { scanPost } from '../../src/collector/ingest/scanner.ts';
import { validateXml } from '../../src/collector/ingest/validation.ts';
import { CollectorError } from '../../src/collector/errors.ts';
import { guidePosts } from '../support/collector.ts';

describe('CDR parser', () => {
  it('keeps each record byte for byte, past comments, CDATA, quoted ">" and nested <record> elements', () => {
    const r1 = `<record type="callStart" time="2026-01-05T09:00:00Z" correlatorIndex="0" note='a > b'><call id="c1"><name><![CDATA[<record> & </record>]]></name><!-- </record> --></call></record>`;
    const r2 = `<record type="x" correlatorIndex="1"><wrapper><record>inner</record></wrapper></record>`;
    const r3 = `<record type="y" correlatorIndex="2"/>`;
    const xml = `<?xml version="1.0"?><!-- <record> --><records session="s"><other><record>not mine</record></other>${r1}\n  ${r2}${r3}</records>`;
    assert.deepEqual(recordSlices(xml), [r1, r2, r3]);
    const post = parseCdrPost(xml);
    assert.deepEqual(post.records.map((r) => r.raw), [r1, r2, r3]);
    assert.equal(post.records[0]?.body?.children[0]?.text, '<record> & </record>');
    assert.equal(post.records[0].timeMs, Date.UTC(2026, 0, 5, 9));
    assert.equal(post.records[2]?.body, undefined);
  });

  it('takes fields from attributes as well as child elements (alarms are printed both ways)', () => {
    const post = parseCdrPost(`<records session="s"><record type="callLegEnd" correlatorIndex="0"><callLeg id="l"><alarm type="packetLoss" durationPercentage="2.5"/><alarm><type>excessiveJitter</type><durationPercentage>1</durationPercentage></alarm></callLeg></record></records>`);
    const alarms = post.records[0]?.body?.children ?? [];
    assert.equal(alarms.length, 2);
    assert.equal(alarms[0]?.attributes['type'], 'packetLoss');
    assert.equal(alarms[1]?.children[0]?.text, 'excessiveJitter');
  });

  it('refuses what cannot be stored, with a code', () => {
    const code = (xml: string): string => {
      try {
        parseCdrPost(xml);
        return 'accepted';
      } catch (error) {
        assert.ok(error instanceof CollectorError);
        assert.equal(error.status, 400);
        return error.code;
      }
    };
    assert.equal(code('<records session="s"><record type="a" correlatorIndex="0"></records>'), 'malformedXml');
    assert.equal(code('<records session=“s”></records>'), 'malformedXml');
    assert.equal(code('<record type="a" correlatorIndex="0"/>'), 'wrongRoot');
    assert.equal(code('<records><record type="a" correlatorIndex="0"/></records>'), 'missingSession');
    assert.equal(code('<records session="s"><record correlatorIndex="0"/></records>'), 'recordWithoutType');
    assert.equal(code('<records session="s"><record type="a"/></records>'), 'recordWithoutIndex');
    assert.equal(code('<records session="s"><record type="a" recordIndex="-1"/></records>'), 'invalidRecordAttribute');
    assert.equal(code('<records session="s"></records>'), 'accepted');
  });

  it('reads plain posts in one pass exactly as fast-xml-parser does, and leaves every other post to it', () => {
    const plain = [
      // what a bridge sends, compact and pretty-printed
      `<?xml version="1.0"?><records session="s1" callBridge="cb"><record type="callLegEnd" time="2026-01-05T09:00:00Z" recordIndex="3" correlatorIndex="2"><callLeg id="l1"><reason>remoteTeardown</reason><alarm type="packetLoss" durationPercentage="3.5"/><rxAudio><codec>opus</codec><packetStatistics><packetLossBursts><duration>0.000</duration><density>0.02</density></packetLossBursts></packetStatistics></rxAudio></callLeg></record></records>`,
      `<?xml version="1.0" encoding="UTF-8"?>\n<records session="s2">\n  <record type="callStart" time="2026-01-05T09:00:00Z" recordIndex="1" correlatorIndex="0">\n    <call id="c1">\n      <name>  Space one  </name>\n      <coSpace>cs</coSpace>\n    </call>\n  </record>\n  <record type="callEnd" correlatorIndex="1"/>\n</records>\n`,
      // quoting, spacing, mixed text, self-closing elements, '>' in values, non-record children, text at the root
      `<records  session = ' s3 ' callBridge="a>b" >text<other><record type="no">x</record></other><record type='t' correlatorIndex="4" note="x > y"><e a = "1" b='2'/><m>one <i>two</i> three</m><n>\t</n><n/></record>tail</records>`,
      `<records session="s4"/>`,
      `<records session="s5"><record type="x" correlatorIndex="0"><a:b xmlns:a="urn:x" a:c="d"><deep><deeper>v</deeper></deep></a:b><callLeg id="l"/></record></records>`,
    ];
    for (const xml of plain) {
      const fast = scanPost(xml);
      assert.doesNotThrow(() => parseCdrPost(xml), xml);
      assert.ok(fast, xml);
      assert.deepEqual(fast, readPost(xml, true));
    }
    const others = [
      `<records session="s"><record type="x" correlatorIndex="0"><n>R&amp;D &lt;1&gt;</n></record></records>`,
      `<records session="s"><record type="x" correlatorIndex="0"><!-- c --><n><![CDATA[a<b]]></n></record></records>`,
      `<?xml version="1.0"?><records session="s"><?pi x?><record type="x" correlatorIndex="0"/></records>`,
      `<records session="s"><record type="x" correlatorIndex="0" toString="1"><n/></record></records>`,
      `<records session="s"><record type="x" correlatorIndex="0"><nämlich>x</nämlich></record></records>`,
      `<records session="s"><record type="x" correlatorIndex="0">${'<d>'.repeat(120)}${'</d>'.repeat(120)}</record></records>`,
    ];
    for (const xml of others) assert.equal(scanPost(xml), undefined, xml);
    const decoded = parseCdrPost(others[0] ?? '');
    assert.equal(decoded.records[0]?.body?.text, 'R&D <1>');
    assert.equal(decoded.records[0].raw, '<record type="x" correlatorIndex="0"><n>R&amp;D &lt;1&gt;</n></record>');
    assert.equal(parseCdrPost(others[1] ?? '').records[0]?.body?.text, 'a<b');
  });

  it('never takes a malformed post: thousands of mutated posts, each either refused by the scanner or well-formed and read as the library reads it', () => {
    // A seeded generator, so a failure names a mutant that can be replayed.
    let seed = 0x5eed;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pieces = ['<', '>', '/', '=', '"', "'", ' ', '\n', 'a', 'record', '</a>', '<a>', '<a/>', '?', '<?xml version="1.0"?>', 'x="1"', '</records>', '<records session="z">'];
    const samples = [...guidePosts(), `<?xml version="1.0"?><records session="m" callBridge="b"><record type="callLegStart" time="2026-01-05T09:00:00Z" recordIndex="1" correlatorIndex="0"><callLeg id="l1"><remoteParty>a@b</remoteParty><alarm type="packetLoss" durationPercentage="3.5"/></callLeg></record></records>`];
    let taken = 0;
    let checked = 0;
    for (let round = 0; round < 4000; round++) {
      let xml = samples[random(samples.length)] ?? '';
      for (let m = 1 + random(3); m > 0; m--) {
        const at = random(xml.length + 1);
        const kind = random(4);
        if (kind === 0) xml = xml.slice(0, at) + xml.slice(at + 1 + random(3)); // delete
        else if (kind === 1) xml = xml.slice(0, at) + (pieces[random(pieces.length)] ?? '') + xml.slice(at); // insert
        else if (kind === 2) xml = xml.slice(0, at) + (pieces[random(pieces.length)] ?? '') + xml.slice(at + 1); // replace
        else {
          const from = random(xml.length);
          xml = xml.slice(0, at) + xml.slice(from, from + random(40)) + xml.slice(at); // duplicate a slice
        }
      }
      checked += 1;
      const fast = scanPost(xml);
      if (fast === undefined) continue;
      taken += 1;
      assert.equal(validateXml(xml), true, `the scanner took a post the validator refuses: ${JSON.stringify(xml)}`);
      assert.deepEqual(fast, readPost(xml, true), `the scanner read differently: ${JSON.stringify(xml)}`);
    }
    // Mutations that keep a post well-formed (text edits, whole elements) are taken and compared.
    assert.ok(taken > checked / 10, `${taken} of ${checked} mutants taken`);
  });
});

describe('report helpers', () => {
  it('reads compact number lists and sweeps hourly peaks (ends before begins on ties)', async () => {
    const { parseNumberList, sweepByHour, HOUR_MS } = await import('../../src/collector/storage/reportStore.ts');
    assert.deepEqual([...parseNumberList('3,1000.0,25')], [3, 1000, 25]);
    assert.deepEqual([...parseNumberList('')], []);
    const h = HOUR_MS;
    const begins = Float64Array.from([0, 10, 20, h + 5]);
    const ends = Float64Array.from([20, 30, h + 5, 2 * h + 1]);
    assert.deepEqual(sweepByHour(begins, ends), [
      { hour: 0, peak: 2, closing: 1 },
      { hour: 1, peak: 1, closing: 1 },
      { hour: 2, peak: 0, closing: 0 },
    ]);
  });

});
