/**
 * Header values the web UI builds from data (redirect targets, download file names). Whatever the
 * data holds, the value carries only visible ASCII: no CR, LF or other control can split or break a
 * header, and no answer fails with "invalid header character".
 */

function percentEncoded(char: string): string {
  // Buffer.from writes a lone surrogate as U+FFFD, so this never throws as encodeURIComponent would.
  return [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/**
 * A same-site path (with its query) for a Location header: every character outside visible ASCII is
 * percent-encoded as UTF-8, and the path starts with exactly one slash, so a browser never reads it
 * as another host (`//host`, `/\host`).
 */
export function locationPath(path: string): string {
  const out = path.replace(/[^\x21-\x7e]/gu, percentEncoded);
  return `/${out.replace(/^[/\\]+/, '')}`;
}

/**
 * `Content-Disposition: attachment` for a file name: an ASCII `filename` (anything else, quotes,
 * backslashes and path separators as `_`) and, when the name is not plain ASCII, the exact name as
 * RFC 6266 / RFC 8187 `filename*`.
 */
export function attachment(fileName: string): string {
  const name = fileName.slice(0, 200);
  const ascii = name.replace(/[^\x20-\x7e]|["\\/]/gu, '_') || 'download';
  const exact = name.replace(/[^A-Za-z0-9!#$&+.^_`|~-]/gu, percentEncoded);
  return ascii === name || name === '' ? `attachment; filename="${ascii}"` : `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
