/**
 * {@code GET /metrics}: Sluice's meters in Prometheus's text format, through Micrometer. The log's
 * writer records its own meters (fsyncs, acknowledgements, group commits, events per stream); this
 * package adds the JVM's and, at each scrape, gauges of every stream and view (docs/observing.md).
 */
package dev.sluice.metrics;
