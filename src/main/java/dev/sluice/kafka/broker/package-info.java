/**
 * A real Apache Kafka 4.x broker for tests and benchmarks: {@link KafkaBroker} fetches the
 * broker's jars from Maven Central once (through {@code tools/kafka-broker/pom.xml}), formats a
 * single-node KRaft log folder and runs {@code kafka.Kafka} in a child JVM. Sluice itself never
 * starts a broker; see docs/kafka-broker.md.
 */
package dev.sluice.kafka.broker;
