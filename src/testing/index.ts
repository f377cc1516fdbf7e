/**
 * `sessionkit/testing`: the store conformance suite and test helpers.
 */
export {
  type ConformanceGroup,
  type ConformanceOptions,
  describeStoreConformance,
} from './conformance.js'
export { type SeededSession, type SeedSessionOptions, seedSession } from './seed.js'
export {
  type CookieJar,
  createTestClient,
  type TestClient,
  type TestRequestInit,
  type TestResponse,
} from './test-client.js'
