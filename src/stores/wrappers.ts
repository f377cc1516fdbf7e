/**
 * Store wrappers: cross-cutting concerns kept out of the stores themselves.
 * `migratingStore` moves sessions between stores with no downtime; `instrumentedStore` reports
 * every store call for metrics and tracing.
 */
export {
  type InstrumentedStoreListener,
  instrumentedStore,
  type StoreCallEvent,
  type StoreOperation,
} from './instrumented-store.js'
export { type MigratingStoreOptions, migratingStore } from './migrating-store.js'
