package dev.sluice.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.constraints.Constraint;
import dev.sluice.constraints.SharedConstraints;
import dev.sluice.kafka.TestKafka;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.log.Event;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The writer of a claims partition's decisions: opening one fences every writer of the partition
 * opened before it, on any instance, and tells what an earlier owner decided last.
 */
@Tag("kafka")
class KafkaClaimsWriterTest {
  private KafkaLog log;
  private final Constraint constraint = new Constraint("unique_email", "signups", List.of("email"), false, 2, 1L);
  private final List<SharedConstraints.Writer> writers = new ArrayList<>();

  @BeforeEach
  void open() throws Exception {
    log = KafkaLog.open(KafkaLog.Options.defaults(TestKafka.bootstrapServers()).withCluster(TestKafka.newCluster("writer")));
    for (String stream : List.of("signups", constraint.claimsStream(), constraint.decisionsStream())) {
      log.create(new StreamSpec(stream, StreamKind.STREAM, null, 2), false);
    }
  }

  @AfterEach
  void close() {
    writers.forEach(SharedConstraints.Writer::close);
    log.close();
  }

  private SharedConstraints.Writer writer(int partition) {
    SharedConstraints.Writer w = new KafkaClaimsWriter(log, constraint, partition);
    writers.add(w);
    return w;
  }

  /** A decision of the claim at {@code offset} of claims partition 0, keyed to land in decisions partition 0. */
  private Event decision(long offset) {
    String value = "{\"outcome\":\"rejected\",\"claim\":{\"partition\":0,\"offset\":" + offset + ",\"id\":\"c" + offset + "\"}}";
    return new Event(keyIn(0), "decision/0." + offset, null, List.of(), false, value.getBytes(StandardCharsets.UTF_8));
  }

  private static String keyIn(int partition) {
    for (int i = 0; ; i++) {
      if (dev.sluice.log.Partitioner.partition("k" + i, 2) == partition) {
        return "k" + i;
      }
    }
  }

  @Test
  void aWriterOpenedLaterFencesTheEarlierOneWhoseTransactionThenCommitsNothing() throws Exception {
    SharedConstraints.Writer old = writer(0);
    assertThat(old.open()).as("nothing decided yet").isEqualTo(-1);
    old.begin();
    old.append(constraint.decisionsStream(), List.of(decision(0), decision(1)));
    old.commit();

    old.begin();
    old.append(constraint.decisionsStream(), List.of(decision(2)));
    SharedConstraints.Writer next = writer(0);
    assertThat(next.open()).as("the last claim decided by a committed transaction").isEqualTo(1);
    assertThatThrownBy(() -> {
      old.append(constraint.decisionsStream(), List.of(decision(3)));
      old.commit();
    }).isInstanceOf(SharedConstraints.Fenced.class);

    next.begin();
    List<Position> written = next.append(constraint.decisionsStream(), List.of(decision(2)));
    next.commit();
    assertThat(written.get(0).partition()).isZero();
    List<String> ids = new ArrayList<>();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (ids.size() < 3 && System.nanoTime() < deadline) {
      ids.clear();
      for (Record r : log.read(constraint.decisionsStream(), 0, 0, 100)) {
        ids.add(r.id());
      }
      Thread.sleep(50);
    }
    assertThat(ids).as("the fenced writer's decisions are not in the log").containsExactly("decision/0.0", "decision/0.1", "decision/0.2");
  }

  @Test
  void writersOfDifferentPartitionsDoNotFenceEachOther() {
    SharedConstraints.Writer zero = writer(0);
    zero.open();
    SharedConstraints.Writer one = writer(1);
    one.open();
    zero.begin();
    zero.append(constraint.decisionsStream(), List.of(decision(0)));
    zero.commit();
    assertThat(writer(0).open()).isEqualTo(0);
  }
}
