// Options are checked once, at construction (DESIGN "Options and defaults"): a ConfigError lists
// every bad option with its path. BI-80 (cookie attribute injection), T-3.2.4, T-3.4.3, T-3.4.4.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, type ConfigIssue } from '../../src/core/errors.js'
import type { SessionsOptions } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'

/** The issues createSessions reports for `options` (fails the test if it does not throw). */
function issuesOf(options: unknown): readonly ConfigIssue[] {
  let caught: unknown
  assert.throws(
    () => createSessions({ store: createMemoryStore(), ...(options as SessionsOptions) }),
    (error: unknown) => {
      caught = error
      return error instanceof ConfigError && error.code === 'CONFIG'
    },
  )
  return (caught as ConfigError).issues
}

function pathsOf(options: unknown): string[] {
  return issuesOf(options).map((issue) => issue.path)
}

function accepts(options: unknown): void {
  assert.doesNotThrow(() =>
    createSessions({ store: createMemoryStore(), ...(options as SessionsOptions) }),
  )
}

describe('ConfigError', () => {
  it('lists every bad option with its path, not just the first', () => {
    const error = (() => {
      try {
        createSessions({
          store: createMemoryStore(),
          idleTimeout: '30 minutes',
          absoluteTimeout: -1,
          cookie: { sameSite: 'sometimes', name: 'bad name' },
          maxSize: 10,
          strict: 'yes',
          trustProxy: 'always',
          hooks: { nope: () => {} },
        } as unknown as SessionsOptions)
      } catch (e) {
        return e
      }
      return null
    })()
    assert.ok(error instanceof ConfigError)
    assert.equal(error.status, 500)
    const paths = error.issues.map((i) => i.path)
    for (const path of [
      'idleTimeout',
      'absoluteTimeout',
      'cookie.sameSite',
      'cookie.name',
      'maxSize',
      'strict',
      'trustProxy',
      'hooks.nope',
    ]) {
      assert.ok(paths.includes(path), `missing ${path} in ${paths.join(', ')}`)
      assert.ok(error.message.includes(path), `the message names ${path}`)
    }
  })

  it('a valid configuration is accepted', () => {
    accepts({})
    accepts({
      idleTimeout: '15m',
      absoluteTimeout: '8h',
      touchAfter: 0,
      storeTimeout: 500,
      cookie: { name: '__Host-sid', secure: true, sameSite: 'strict', path: '/' },
      trustProxy: 1,
      recordClientInfo: { ip: 'truncate', userAgent: false },
      hooks: { created: () => {} },
    })
  })

  it('rejects a store that does not implement the Store interface', () => {
    assert.ok(pathsOf({ store: {} }).includes('store'))
    assert.ok(
      pathsOf({ store: { capabilities: {}, get: () => null } }).includes('store.set'),
      'names each missing method',
    )
  })
})

describe('durations', () => {
  const good: Array<[unknown, string]> = [
    [0, 'touchAfter'],
    [1500, 'idleTimeout'],
    ['250ms', 'idleTimeout'],
    ['30s', 'idleTimeout'],
    ['30m', 'idleTimeout'],
    ['12h', 'absoluteTimeout'],
    ['7d', 'absoluteTimeout'],
    ['2w', 'absoluteTimeout'],
  ]
  for (const [value, option] of good) {
    it(`${option}: ${JSON.stringify(value)} is a duration`, () => accepts({ [option]: value }))
  }
  const bad: unknown[] = [
    '30 m',
    '30min',
    '1y',
    '',
    'm',
    '-5m',
    '1.5h',
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '30M',
    {},
  ]
  for (const value of bad) {
    it(`${String(value) || '""'} is not a duration`, () => {
      assert.deepEqual(pathsOf({ mergeTimeout: value }), ['mergeTimeout'])
    })
  }
  it('idle and absolute timeouts must be positive', () => {
    assert.deepEqual(pathsOf({ idleTimeout: 0, absoluteTimeout: '0s' }), [
      'idleTimeout',
      'absoluteTimeout',
    ])
  })
})

describe('cookie attribute injection is rejected (BI-80)', () => {
  const names = [
    'sid;',
    'sid; Domain=evil.com',
    'sid\r\nSet-Cookie: x=1',
    'sid\n',
    'my sid',
    ' sid',
    'sïd',
    'sid=x',
    '',
    'a,b',
    'a"b',
  ]
  for (const name of names) {
    it(`cookie.name ${JSON.stringify(name)}`, () => {
      assert.ok(pathsOf({ cookie: { name } }).includes('cookie.name'))
    })
  }
  const paths = [
    '/a;b',
    '/a; Domain=evil.com',
    '/a\r\nX: y',
    '/a b',
    'relative',
    '',
    '/é',
    '/a\u0000',
  ]
  for (const path of paths) {
    it(`cookie.path ${JSON.stringify(path)}`, () => {
      assert.ok(pathsOf({ cookie: { path } }).includes('cookie.path'))
    })
  }
  const domains = [
    'example.com;',
    'example.com; Secure',
    'example.com\r\n',
    'exa mple.com',
    'exämple.com',
    'example..com',
    '',
  ]
  for (const domain of domains) {
    it(`cookie.domain ${JSON.stringify(domain)}`, () => {
      assert.ok(pathsOf({ cookie: { domain } }).includes('cookie.domain'))
    })
  }
  it('ordinary names, paths and domains are accepted', () => {
    accepts({ cookie: { name: 'app.sid', path: '/app/v1', domain: 'example.com' } })
    accepts({ cookie: { name: '__Secure-sid', secure: true, domain: '.example.co.uk' } })
  })
})

describe('cookie prefixes and SameSite (T-3.4.3, T-3.4.4)', () => {
  it('__Host- requires secure: true (the default "auto" is not enough)', () => {
    assert.deepEqual(pathsOf({ cookie: { name: '__Host-sid' } }), ['cookie.secure'])
    assert.deepEqual(pathsOf({ cookie: { name: '__Host-sid', secure: false } }), ['cookie.secure'])
  })

  it('__Host- forbids a domain and a path other than /', () => {
    const paths = pathsOf({
      cookie: { name: '__Host-sid', secure: true, domain: 'example.com', path: '/app' },
    })
    assert.deepEqual(paths.sort(), ['cookie.domain', 'cookie.path'])
  })

  it('__Secure- requires secure: true', () => {
    assert.deepEqual(pathsOf({ cookie: { name: '__Secure-sid' } }), ['cookie.secure'])
    accepts({ cookie: { name: '__Secure-sid', secure: true } })
  })

  it("sameSite 'none' requires secure: true", () => {
    assert.deepEqual(pathsOf({ cookie: { sameSite: 'none' } }), ['cookie.secure'])
    assert.deepEqual(pathsOf({ cookie: { sameSite: 'none', secure: 'auto' } }), ['cookie.secure'])
    accepts({ cookie: { sameSite: 'none', secure: true } })
  })

  it('sameSite and secure accept only their documented values', () => {
    assert.ok(pathsOf({ cookie: { sameSite: 'Lax' } }).includes('cookie.sameSite'))
    assert.ok(pathsOf({ cookie: { secure: 'yes' } }).includes('cookie.secure'))
  })
})

describe('genId (T-3.2.4)', () => {
  it('a genId returning fewer than 22 characters (< 128 bits) is rejected', () => {
    assert.deepEqual(pathsOf({ genId: () => 'a'.repeat(21) }), ['genId'])
    assert.deepEqual(pathsOf({ genId: () => 'short' }), ['genId'])
  })

  it('a genId returning characters outside base64url, or not a string, is rejected', () => {
    assert.deepEqual(pathsOf({ genId: () => `${'a'.repeat(30)};` }), ['genId'])
    assert.deepEqual(pathsOf({ genId: () => 42 }), ['genId'])
    assert.deepEqual(pathsOf({ genId: 'abc' }), ['genId'])
  })

  it('a genId that returns the same id twice is rejected (it would share one session)', () => {
    assert.deepEqual(pathsOf({ genId: () => 'a'.repeat(43) }), ['genId'])
  })

  it('a genId of ≥ 22 base64url characters is accepted', () => {
    let n = 0
    accepts({ genId: () => `custom_${String(n++).padStart(20, '0')}` })
  })
})

describe('hooks and concurrency', () => {
  it('an unknown hook name is rejected with its path', () => {
    assert.deepEqual(pathsOf({ hooks: { onCreate: () => {} } }), ['hooks.onCreate'])
  })

  it('a hook that is not a function is rejected', () => {
    assert.deepEqual(pathsOf({ hooks: { created: 'yes' } }), ['hooks.created'])
  })

  it("concurrency 'lock' needs a store with lock support: otherwise a clear ConfigError", () => {
    const memory = createMemoryStore()
    const noLock = {
      capabilities: { ...memory.capabilities, lock: false },
      get: memory.get.bind(memory),
      set: memory.set.bind(memory),
      touch: memory.touch.bind(memory),
      destroy: memory.destroy.bind(memory),
    }
    const issues = issuesOf({ concurrency: 'lock', store: noLock })
    assert.deepEqual(
      issues.map((i) => i.path),
      ['concurrency'],
    )
    assert.match(issues[0]?.message ?? '', /'lock'/)
    accepts({ concurrency: 'lock' })
  })

  it('an unknown concurrency mode is rejected; merge, lock and none are accepted', () => {
    assert.deepEqual(pathsOf({ concurrency: 'optimistic' }), ['concurrency'])
    accepts({ concurrency: 'merge' })
    accepts({ concurrency: 'lock' })
    accepts({ concurrency: 'none' })
  })
})
