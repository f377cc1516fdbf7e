/**
 * Type-level dot paths: `DotPath<{ user: { name: string } }>` is `'user' | 'user.name'`, and
 * `PathValue<T, 'user.name'>` is `string`. With untyped data (`SessionData`) any string is a path
 * and values are `unknown`.
 */

/** Untyped session data: what `createSessions()` uses without a type argument. */
export type SessionData = Record<string, unknown>

type PrevDepth = [never, 0, 1, 2, 3, 4, 5, 6]

/** Every dot path into `T` (objects only, arrays are leaves), up to 6 levels deep. */
export type DotPath<T, Depth extends number = 6> = [Depth] extends [never]
  ? never
  : T extends readonly unknown[]
    ? never
    : T extends object
      ? {
          [K in keyof T & string]:
            | K
            | (NonNullable<T[K]> extends readonly unknown[]
                ? never
                : NonNullable<T[K]> extends object
                  ? `${K}.${DotPath<NonNullable<T[K]>, PrevDepth[Depth]>}`
                  : never)
        }[keyof T & string]
      : never

/** The type of the value at dot path `P` in `T`; `unknown` where `T` does not say. */
export type PathValue<T, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? PathValue<NonNullable<T[Head]>, Rest>
    : unknown
  : P extends keyof T
    ? T[P]
    : unknown

/** A key: a dot path, or an array of literal segments (no dot splitting). */
export type SessionKey<T> = DotPath<T> | readonly string[]

/** The value type for a key: typed for dot paths, `unknown` for segment arrays. */
export type KeyValue<T, K> = K extends string ? PathValue<T, K> : unknown

/** Dot paths of `T` whose value is a number (for increment / decrement). */
export type NumericPath<T> =
  string extends DotPath<T>
    ? string
    : { [P in DotPath<T>]: NonNullable<PathValue<T, P>> extends number ? P : never }[DotPath<T>]

/** Dot paths of `T` whose value is an array (for push). */
export type ArrayPath<T> =
  string extends DotPath<T>
    ? string
    : {
        [P in DotPath<T>]: NonNullable<PathValue<T, P>> extends readonly unknown[] ? P : never
      }[DotPath<T>]

/** The element type of the array at `P`. */
export type ArrayElement<T, P> = P extends string
  ? NonNullable<PathValue<T, P>> extends readonly (infer E)[]
    ? E
    : unknown
  : unknown
