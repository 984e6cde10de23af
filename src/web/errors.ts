/**
 * The web UI's error catalogue. Handlers throw these; the plugin's one error handler renders them as
 * an HTML page (or an htmx fragment) with the status.
 */
import { ServiceError } from '../shared/http/errors.ts';

/** A web UI failure; `field` names the form field at fault, when there is one. */
export class WebError extends ServiceError {
  constructor(status: number, code: string, message: string, field?: string) {
    super(status, code, message, { field });
    this.name = 'WebError';
  }
}

export const webErrors = {
  invalidField: (field: string, message: string) => new WebError(400, 'invalidField', message, field),
  badRequest: (message: string) => new WebError(400, 'badRequest', message),
  loginFailed: () => new WebError(401, 'loginFailed', 'Wrong username or password.'),
  forbidden: () => new WebError(403, 'forbidden', 'Your role does not allow this.'),
  csrfFailed: () => new WebError(403, 'csrfFailed', 'The form expired or did not come from this site. Reload the page and try again.'),
  notFound: (what = 'page') => new WebError(404, 'notFound', `No such ${what}.`),
  conflict: (message: string) => new WebError(409, 'conflict', message),
  /** A service this page needs answered with an error or not at all. */
  upstream: (service: string, detail: string) => new WebError(502, 'upstream', `${service}: ${detail}`),
  tooLarge: () => new WebError(413, 'tooLarge', 'The request is too large.'),
} as const;
