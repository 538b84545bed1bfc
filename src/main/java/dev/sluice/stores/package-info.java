/**
 * Where derived state lives: RocksDB for views (this package is the only one that imports it) and,
 * later, Lucene for search. The engine sees ordered byte keys and atomic batches, nothing else.
 */
package dev.sluice.stores;
