/** `T` with its `readonly` taken off: a value built field by field before it is handed out as `T`. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
