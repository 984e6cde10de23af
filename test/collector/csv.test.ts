/**
 * The collector's `?format=csv` goes through the system's one CSV writer (src/shared/csv.ts): text a
 * spreadsheet would run as a formula is neutralised, numbers stay numbers; on both dialects.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachDialect } from '../support/databases.ts';
import { startTestCollector, type TestCollector } from '../support/collector.ts';
import { at, body, recordsXml } from '../support/cdrXml.ts';

const DAY = Date.UTC(2026, 0, 5, 9);
const HYPERLINK = '=HYPERLINK("http://evil.example/x","Click")';
const DDE = "-2+3+cmd|' /C calc'!A0";

/** Splits one RFC 4180 line into its fields (quoted fields unquoted). */
function fields(line: string): string[] {
  const out: string[] = [];
  const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  for (let match = re.exec(line); match !== null && match.index < line.length; match = re.exec(line)) {
    const raw = match[1] ?? '';
    out.push(raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw);
    if (match[2] === '') break;
  }
  return out;
}

forEachDialect('collector CSV formula guard', (dialect) => {
  let c: TestCollector;
  before(async () => {
    c = await startTestCollector(dialect);
    const records = [
      { type: 'callStart', time: at(DAY, 0), body: body.callStart('x-c1', { name: '@SUM(A1:A9)' }) },
      { type: 'callLegStart', time: at(DAY, 0), body: body.legStart('x-l1', { remoteParty: '+4712345678@example.com', displayName: HYPERLINK, call: 'x-c1' }) },
      { type: 'callLegStart', time: at(DAY, 1), body: body.legStart('x-l2', { remoteParty: 'plain@example.com', displayName: DDE, call: 'x-c1' }) },
      { type: 'callLegEnd', time: at(DAY, 601), body: body.legEnd('x-l1', { durationSeconds: 601 }) },
    ].map((r, i) => ({ ...r, correlatorIndex: i }));
    assert.equal((await c.post(recordsXml('sess-csv', records, 'bridge-csv'))).status, 200);
  });
  after(() => c.close());

  it('call legs: formula-looking text gets a leading apostrophe, numbers and plain text are as stored; JSON keeps the value', async () => {
    const res = await c.api('/callLegs?format=csv');
    assert.equal(res.status, 200);
    const [headerLine = '', ...lines] = res.text.trimEnd().split('\r\n');
    const header = fields(headerLine);
    const row = (id: string): Record<string, string> => {
      const values = fields(lines.find((l) => l.startsWith(`${id},`)) ?? '');
      return Object.fromEntries(header.map((h, i) => [h, values[i] ?? '']));
    };
    const l1 = row('x-l1');
    assert.equal(l1['displayName'], `'${HYPERLINK}`);
    assert.equal(l1['remoteParty'], "'+4712345678@example.com");
    assert.equal(l1['durationSeconds'], '601');
    assert.equal(row('x-l2')['displayName'], `'${DDE}`);
    assert.equal(row('x-l2')['remoteParty'], 'plain@example.com');
    assert.ok(res.text.includes(`"'=HYPERLINK(""http://evil.example/x"",""Click"")"`), res.text);

    const json = await c.get('/callLegs');
    const legs = json.callLegs as Array<{ id: string; displayName: string }>;
    assert.equal(legs.find((l) => l.id === 'x-l1')?.displayName, HYPERLINK, 'the JSON API returns the value as stored');
  });

  it('calls: a name starting with @ is guarded too', async () => {
    const res = await c.api('/calls?format=csv');
    assert.equal(res.status, 200);
    assert.match(res.text, /^x-c1,'@SUM\(A1:A9\),/m);
  });
});
