/**
 * A real Apache Kafka 4.x broker for tests and benchmarks: {@link dev.sluice.kafka.broker.KafkaBroker}
 * fetches the broker's jars from Maven Central once (through {@code tools/kafka-broker/pom.xml}),
 * formats a single-node KRaft log folder and runs {@code kafka.Kafka} in a child JVM. Nothing here
 * is used by Sluice at run time; see docs/kafka-broker.md.
 */
package dev.sluice.kafka.broker;
