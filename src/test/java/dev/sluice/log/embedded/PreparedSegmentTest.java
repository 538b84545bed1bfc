package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Event;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prepared segments (docs/log-format.md §1) on the real disk: the writer writes over zeros, sealed
 * segments keep their exact size, readers and the audit see only the data, and a reopened log goes
 * on writing where the data ends.
 */
class PreparedSegmentTest {
  private static final String STREAM = "s";
  private static final long SEGMENT_BYTES = 64 * 1024;

  @TempDir Path data;

  @Test
  void theWriterWritesOverPreparedZerosAndNothingButTheDataIsEverSeen() throws Exception {
    EmbeddedLog.Options options = EmbeddedLog.Options.defaults().withSegmentBytes(SEGMENT_BYTES);
    List<Event> sent = new ArrayList<>();
    try (EmbeddedLog log = EmbeddedLog.open(data, options)) {
      log.create(new StreamSpec(STREAM, StreamKind.STREAM, null, 1), false);
      for (int i = 0; i < 3000 && segmentFiles().size() < 4; i++) {
        sent.addAll(appendOne(log, i));
      }
    }
    Path folder = data.resolve("streams").resolve(STREAM);
    List<Path> segments = segmentFiles();
    assertThat(segments).as("segments written").hasSizeGreaterThanOrEqualTo(4);
    Path active = segments.get(segments.size() - 1);
    assertThat(Files.size(active)).as("the active segment is a prepared one, zeros after its data").isEqualTo(SEGMENT_BYTES);
    for (Path sealed : segments.subList(0, segments.size() - 1)) {
      assertThat(Files.size(sealed)).as("%s, sealed, keeps no zeros", sealed.getFileName()).isLessThan(SEGMENT_BYTES);
      byte[] bytes = Files.readAllBytes(sealed);
      assertThat(bytes[bytes.length - 1] | bytes[bytes.length - 2] | bytes[bytes.length - 3]).as("%s ends in a record's chain", sealed.getFileName()).isNotZero();
    }

    LogAudit.Result audit = LogAudit.run(data);
    assertThat(audit.findings()).as("the audit's findings").isEmpty();
    assertThat(audit.records()).isEqualTo(sent.size());

    try (EmbeddedLog log = EmbeddedLog.open(data, options)) {
      assertThat(log.damageReports()).isEmpty();
      sent.addAll(appendOne(log, -1));
      List<Record> records = Fixtures.readAll(log, STREAM, 0);
      assertThat(records).hasSameSizeAs(sent);
      for (int i = 0; i < sent.size(); i++) {
        assertThat(Fixtures.holds(records.get(i), sent.get(i))).as("record %d", i).isTrue();
      }
    }
    try (Stream<Path> left = Files.list(folder)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp") && !n.endsWith(LogFormat.PREPARED_SUFFIX));
    }
  }

  private static List<Event> appendOne(EmbeddedLog log, int i) throws Exception {
    List<Event> request = List.of(Fixtures.event("k" + i, "id-" + i, "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(200) + "\"}"));
    log.append(STREAM, request).get(10, TimeUnit.SECONDS);
    Thread.sleep(0, 200_000); // time for the preparer between appends
    return request;
  }

  private List<Path> segmentFiles() throws Exception {
    Path folder = data.resolve("streams").resolve(STREAM);
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(p -> p.getFileName().toString().endsWith(LogFormat.SEGMENT_SUFFIX)).sorted().toList();
    }
  }
}
