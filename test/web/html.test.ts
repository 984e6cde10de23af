import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeHtml, html, join, raw } from '../../src/web/html.ts';

describe('html template', () => {
  test('escapes interpolated text by default', () => {
    const name = `<script>alert("x")</script> & 'q' \``;
    assert.equal(
      html`<p title="${name}">${name}</p>`.toString(),
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; &#96;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; &#96;</p>',
    );
  });

  test('nested html and raw are inserted as is; only raw opts out', () => {
    const inner = html`<b>${'<i>'}</b>`;
    assert.equal(html`<p>${inner}${raw('<br>')}</p>`.toString(), '<p><b>&lt;i&gt;</b><br></p>');
  });

  test('arrays render each item; null, undefined and false render nothing; numbers and true as text', () => {
    assert.equal(html`${['<a>', html`<b></b>`, null, undefined, false, 0, true]}`.toString(), '&lt;a&gt;<b></b>0true');
  });

  test('join escapes separators and items', () => {
    assert.equal(join(['a', '<b>'], ', ').toString(), 'a, &lt;b&gt;');
    assert.equal(escapeHtml('plain'), 'plain');
  });
});
