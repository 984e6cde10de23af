/** An urlencoded form body: every value a string, repeated names kept in order. */
export class FormBody {
  readonly #params: URLSearchParams;

  constructor(params: URLSearchParams) {
    this.#params = params;
  }

  static parse(text: string): FormBody {
    return new FormBody(new URLSearchParams(text));
  }

  static empty(): FormBody {
    return new FormBody(new URLSearchParams());
  }

  /** The first value, trimmed; '' when absent. */
  get(name: string): string {
    return (this.#params.get(name) ?? '').trim();
  }

  /** The first value exactly as sent (passwords). */
  getRaw(name: string): string {
    return this.#params.get(name) ?? '';
  }

  has(name: string): boolean {
    return this.#params.has(name);
  }

  all(name: string): string[] {
    return this.#params.getAll(name).map((v) => v.trim());
  }
}

export const MAX_FORM_BYTES = 64 * 1024;
