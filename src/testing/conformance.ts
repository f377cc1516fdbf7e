/**
 * The store conformance suite: what every `Store` must do, as node:test cases. Run it against
 * a custom store to check it before handing it to `createSessions`.
 */
import { describe, it } from 'node:test'
import type { SessionRecord, Store } from '../core/store.js'
import { casCases } from './conformance-cas.js'
import {
  type CaseContext,
  type ConformanceCase,
  type ConformanceGroup,
  HOUR,
  storeKey,
} from './conformance-kit.js'
import { lockCases } from './conformance-locks.js'
import { queryCases } from './conformance-queries.js'
import { recordCases } from './conformance-records.js'

export type { ConformanceGroup } from './conformance-kit.js'

/** Options of {@link describeStoreConformance}. */
export interface ConformanceOptions {
  /** Title of the enclosing `describe` block. @default 'store conformance' */
  name?: string
  /**
   * The clock the store judges expiry by (give the store `now: clock.now`). Required to test
   * expiry, touch extension and lock takeover without sleeping; without it those cases skip.
   */
  clock?: { now(): number; advance(ms: number): void }
  /**
   * Groups (`'records'`, `'expiry'`, `'compareAndSet'`, `'touch'`, `'userIndex'`, `'scan'`,
   * `'gc'`, `'lock'`) or exact test titles to skip, e.g. for a documented limitation.
   */
  skip?: ReadonlyArray<ConformanceGroup | (string & {})>
}

const CASES: readonly ConformanceCase[] = [...recordCases, ...casCases, ...queryCases, ...lockCases]

const GROUPS: readonly ConformanceGroup[] = [
  'records',
  'expiry',
  'compareAndSet',
  'touch',
  'userIndex',
  'scan',
  'gc',
  'lock',
]

/**
 * Register node:test `describe`/`it` blocks that check a store against the `Store` contract,
 * the parts its `capabilities` declare. Each test gets a fresh store from `makeStore` (which
 * must start empty: counts are checked exactly) and closes it afterwards. Keys are realistic
 * 43-character base64url strings.
 *
 * @example
 * ```ts
 * import { describeStoreConformance } from 'sessionkit/testing'
 *
 * let t = Date.now()
 * const clock = { now: () => t, advance: (ms: number) => { t += ms } }
 * describeStoreConformance(() => createMyStore({ now: clock.now }), { name: 'my store', clock })
 * ```
 */
export function describeStoreConformance(
  makeStore: () => Store | Promise<Store>,
  options: ConformanceOptions = {},
): void {
  const { clock, skip = [] } = options
  const now = clock === undefined ? Date.now : () => clock.now()
  describe(options.name ?? 'store conformance', () => {
    for (const group of GROUPS) {
      describe(group, () => {
        for (const testCase of CASES.filter((c) => c.group === group)) {
          const reason =
            skip.includes(group) || skip.includes(testCase.title)
              ? 'skipped by options.skip'
              : testCase.clock && clock === undefined
                ? 'needs options.clock'
                : false
          it(testCase.title, { skip: reason }, async (t) => {
            const store = await makeStore()
            try {
              const missing = testCase.requires?.(store)
              if (missing !== undefined) {
                t.skip(missing)
                return
              }
              await testCase.run(context(store, now, clock))
            } finally {
              await store.close?.()
            }
          })
        }
      })
    }
  })
}

function context(store: Store, now: () => number, clock: ConformanceOptions['clock']): CaseContext {
  return {
    store,
    now,
    advance(ms) {
      if (clock === undefined) throw new Error('this case needs options.clock')
      clock.advance(ms)
    },
    key: storeKey,
    record(fields = {}): SessionRecord {
      const at = now()
      return {
        data: 'v1.json.{"cart":[1,2,3]}',
        version: 1,
        expiresAt: at + HOUR,
        meta: { createdAt: at - 60_000, lastSeenAt: at },
        ...fields,
      }
    },
  }
}
