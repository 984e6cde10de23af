import { pino, type Logger } from 'pino';

export type { Logger };

/** Field names whose values never reach a log: masked the way CMS masks passcodes in its API trace. */
const SECRET_NAMES = new Set(['passcode', 'password', 'secret', 'authorization', 'apipassword', 'pin', 'token']);

export const MASK = '********';

export function isSecretName(name: string): boolean {
  return SECRET_NAMES.has(name.toLowerCase());
}

/**
 * A query parameter whose value is a secret: its name ends in one of these words (any case, an `s`
 * may follow): `token`, `authToken`, `access_token`, `passcode`, `password`, `secret`, `pin`, `key`,
 * `api_key`, `auth`, `signature`, `sig`, `credential`. It counts where a query or form parameter can
 * start: after `?`, `&`, `;`, white space, a quote or at the start of the text.
 */
const SECRET_PARAMETER =
  /(^|[?&;\s"'])([\w.~-]*?(?:token|passcode|password|passwd|pwd|secret|pin|key|auth|authorization|signature|sig|credential)s?=)((?:[^&;#\s"'<>\\]|\\.)*)/gi;

/**
 * The password of a URI's userinfo (`scheme://user:password@host`), up to the authority's last `@`.
 * `\\.` keeps an escaped character of a JSON string (`\"`) inside the match.
 */
const USERINFO_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"'\\]*:)((?:[^\s/?#"'\\]|\\.)*)(?=@)/gi;

/**
 * `text` with the secrets inside any URI or query string masked: the userinfo password and the values
 * of secret-named parameters (`?token=…`, `&passcode=…`). Works on plain text and on a serialised JSON
 * log line alike (a masked value stops at a JSON string's closing quote), so it is what every log line
 * of every service passes through before it is written (`createLogger`), and what `up` and the CLI
 * print. Masking more than needed is preferred to missing a secret.
 */
export function maskText(text: string): string {
  if (!text.includes('=') && !text.includes('@')) return text;
  return text
    .replace(USERINFO_PASSWORD, (_m, head: string, password: string) => (password === '' ? head : `${head}${MASK}`))
    .replace(SECRET_PARAMETER, (_m, lead: string, name: string, value: string) => (value === '' ? `${lead}${name}` : `${lead}${name}${MASK}`));
}

/** An element whose text is a secret, in the CMS API's XML (`<passcode>1234</passcode>`, `<secret>…</secret>`). */
const SECRET_ELEMENT = /<(passcode|password|secret|pin|token|apiPassword)>([^<]*)<\/\1>/gi;

/**
 * An XML document (a CMS API answer kept in a trace or an audit log) with the text of secret-named
 * elements masked and the URIs in it masked as `maskText` does.
 */
export function maskXml(xml: string): string {
  return maskText(xml.replace(SECRET_ELEMENT, (_m, name: string, value: string) => (value === '' ? `<${name}></${name}>` : `<${name}>${MASK}</${name}>`)));
}

/** A URI for a log line or a trace: its userinfo password and secret query values masked. */
export function maskUri(uri: string): string {
  return maskText(uri);
}

/**
 * Returns a copy of form-like fields with secret values masked: a secret-named field whole, any other
 * field's URIs and query strings through `maskText` (a CDR receiver `uri` carrying `?token=`).
 */
export function maskFields(fields: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = isSecretName(key) && value !== '' ? MASK : maskText(value);
  return out;
}

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where to write; defaults to stderr so that stdout stays for the `listening on` lines. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env['SWITCHBOARD_LOG_LEVEL'] ?? 'info';
  return pino(
    {
      level,
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: {
        paths: [
          'password',
          '*.password',
          'passcode',
          '*.passcode',
          'secret',
          '*.secret',
          'token',
          '*.token',
          'pin',
          '*.pin',
          'authorization',
          'req.headers.authorization',
          'headers.authorization',
        ],
        censor: MASK,
      },
      // The last step before a line is written, whatever produced it (a field, the message, a child
      // logger's bindings, a serialised error): secrets inside URIs and query strings are masked.
      hooks: { streamWrite: maskText },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that discards everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
