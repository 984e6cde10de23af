/**
 * Postgres planner statistics follow heavy ingest: after every `analyzeEvery` stored records the
 * collector runs ANALYZE in the background (report ranges ending at the newest data were planned as
 * if nearly empty before). SQLite has no such refresher.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pg from 'pg';
import { forEachDialect, TEST_PG_URL } from '../support/databases.ts';
import { startTestCollector } from '../support/collector.ts';
import { body, recordsXml } from '../support/cdrXml.ts';

const T0 = Date.UTC(2026, 0, 1);
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();

function legPost(session: string, first: number, count: number): string {
  return recordsXml(
    session,
    Array.from({ length: count }, (_v, i) => ({
      type: 'callLegStart',
      time: at(first + i),
      correlatorIndex: first + i,
      body: body.legStart(`leg-${first + i}`, { call: 'call-1', remoteParty: `user${i}@example.com` }),
    })),
  );
}

async function callLegStatistics(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stats WHERE schemaname = $1 AND tablename = 'call_leg'`, [schema]);
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

forEachDialect('collector planner statistics', (dialect) => {
  it(dialect === 'postgres' ? 'runs ANALYZE once enough records are stored, not before' : 'has no statistics refresher on SQLite', async () => {
    const c = await startTestCollector(dialect, { config: { analyzeEvery: 6 } });
    try {
      const statistics = c.collector.storage.ingest.statistics;
      if (dialect === 'sqlite') {
        assert.equal(statistics, undefined);
        return;
      }
      assert.ok(statistics);
      const schema = new URL(c.database.url).searchParams.get('schema') ?? '';
      assert.equal((await c.post(legPost('stats-session', 1, 4))).status, 200);
      await statistics.idle();
      assert.equal(await callLegStatistics(schema), 0, 'no ANALYZE after 4 of 6 records');
      // a duplicate does not count: only stored records do
      assert.equal((await c.post(legPost('stats-session', 1, 4))).status, 200);
      await statistics.idle();
      assert.equal(await callLegStatistics(schema), 0, 'no ANALYZE after duplicates');
      assert.equal((await c.post(legPost('stats-session', 5, 2))).status, 200);
      await statistics.idle();
      assert.ok((await callLegStatistics(schema)) > 0, 'ANALYZE ran after 6 stored records');
    } finally {
      await c.close();
    }
  });
});
