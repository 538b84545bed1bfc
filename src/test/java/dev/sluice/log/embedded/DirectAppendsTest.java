package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment files written by their sync ({@link DirectAppendFile}, docs/log-format.md §1, §8): what
 * reaches the disk and when, the padding a last write leaves, and a log opened on a folder a
 * killed server left.
 */
class DirectAppendsTest {
  private static final int HEADER_BYTES = 100;

  @TempDir Path dir;

  @Test
  void appendsReachTheFileOnlyBySyncAndItEndsInZerosToAWholeBlockUntilAppendsEnd() throws IOException {
    Path path = fileWithHeader();
    Random random = new Random(42);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(Files.readAllBytes(path));
    try (DirectAppendFile file = openDirect(path)) {
      int block = file.blockBytes();
      int durable = expected.size();
      for (int round = 0; round < 60; round++) {
        for (int i = random.nextInt(4); i >= 0; i--) {
          byte[] chunk = randomBytes(random, 1 + random.nextInt(3 * block));
          file.append(ByteBuffer.wrap(chunk));
          expected.write(chunk);
        }
        assertThat(file.size()).isEqualTo(expected.size());
        byte[] before = Files.readAllBytes(path);
        assertThat(Arrays.copyOf(before, durable)).as("the data synced so far").isEqualTo(Arrays.copyOf(expected.toByteArray(), durable));
        assertThat(zerosFrom(before, durable)).as("appends not yet synced are not in the file").isTrue();

        file.sync();
        durable = expected.size();
        byte[] after = Files.readAllBytes(path);
        assertThat(after.length % block).as("the file's size after a sync, in blocks of %d", block).isZero();
        assertThat(after.length).isBetween(durable, durable + block - 1);
        assertThat(Arrays.copyOf(after, durable)).isEqualTo(expected.toByteArray());
        assertThat(zerosFrom(after, durable)).as("the padding is zeros").isTrue();
        ByteBuffer read = ByteBuffer.allocate(durable);
        file.readFully(read, 0);
        assertThat(read.array()).isEqualTo(expected.toByteArray());
      }
      file.endAppends();
      assertThat(Files.readAllBytes(path)).as("the file after its appends ended").isEqualTo(expected.toByteArray());
      assertThatThrownBy(() -> file.append(ByteBuffer.wrap(new byte[1]))).isInstanceOf(IOException.class);
    }
  }

  @Test
  void reopenedFileContinuesInTheBlockItsDataEndsIn() throws IOException {
    Path path = fileWithHeader();
    byte[] header = Files.readAllBytes(path);
    byte[] first = randomBytes(new Random(1), 5000);
    byte[] second = randomBytes(new Random(2), 7000);
    try (DirectAppendFile file = openDirect(path)) {
      file.append(ByteBuffer.wrap(first));
      file.sync();
    }
    assertThat(Files.size(path)).as("closing after a sync cuts the padding off").isEqualTo(header.length + first.length);
    try (DirectAppendFile file = openDirect(path)) {
      file.append(ByteBuffer.wrap(second));
      file.sync();
    }
    assertThat(Files.readAllBytes(path)).isEqualTo(concat(header, first, second));
  }

  @Test
  void truncatingDropsStagedBytesUnwrittenAndCutsSyncedOnesFromTheFile() throws IOException {
    Path path = fileWithHeader();
    byte[] header = Files.readAllBytes(path);
    byte[] kept = randomBytes(new Random(3), 6000);
    byte[] dropped = randomBytes(new Random(4), 3000);
    try (DirectAppendFile file = openDirect(path)) {
      file.append(ByteBuffer.wrap(kept));
      file.sync();
      file.append(ByteBuffer.wrap(dropped));
      file.truncate(header.length + kept.length);
      file.sync();
      assertThat(Arrays.copyOf(Files.readAllBytes(path), header.length + kept.length)).isEqualTo(concat(header, kept));
      assertThat(zerosFrom(Files.readAllBytes(path), header.length + kept.length)).as("nothing of the dropped bytes").isTrue();

      file.truncate(header.length + 10);
      file.sync();
      assertThat(Files.readAllBytes(path)).isEqualTo(Arrays.copyOf(concat(header, kept), header.length + 10));
      file.append(ByteBuffer.wrap(dropped));
      file.sync();
      file.endAppends();
    }
    assertThat(Files.readAllBytes(path)).isEqualTo(concat(Arrays.copyOf(concat(header, kept), header.length + 10), dropped));
  }

  @Test
  void appendsWhileAnotherThreadSyncsLoseNothingAndKeepTheirOrder() throws Exception {
    Path path = fileWithHeader();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(Files.readAllBytes(path));
    try (DirectAppendFile file = openDirect(path)) {
      AtomicBoolean appending = new AtomicBoolean(true);
      List<Throwable> failures = new ArrayList<>();
      Thread syncer = Thread.ofPlatform().start(() -> {
        try {
          while (appending.get()) {
            file.sync();
          }
        } catch (IOException e) {
          failures.add(e);
        }
      });
      Random random = new Random(5);
      for (int i = 0; i < 3000; i++) {
        byte[] chunk = randomBytes(random, 1 + random.nextInt(700));
        file.append(ByteBuffer.wrap(chunk));
        expected.write(chunk);
      }
      appending.set(false);
      syncer.join();
      assertThat(failures).isEmpty();
      file.sync();
      file.endAppends();
    }
    assertThat(Files.readAllBytes(path)).isEqualTo(expected.toByteArray());
  }

  @Test
  void anAppendThatWouldEatIntoTheReservedSpaceFailsAsAFullDiskWouldAndStagesNothing() throws IOException {
    Path path = fileWithHeader();
    long free = DirectAppendFile.SPACE_RESERVE_BYTES + 1024 * 1024;
    Storage.StorageFile plain = new DiskStorage(false).open(path, false);
    DirectAppendFile file = DirectAppendFile.open(path, plain, () -> free);
    assumeTrue(file != null, "the temporary folder's file system takes direct writes");
    try (file) {
      file.append(ByteBuffer.wrap(new byte[512 * 1024]));
      assertThatThrownBy(() -> file.append(ByteBuffer.wrap(new byte[700 * 1024])))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("No space left on device");
      assertThat(file.size()).isEqualTo(HEADER_BYTES + 512 * 1024);
      file.sync();
    }
    assertThat(Files.size(path)).isEqualTo(HEADER_BYTES + 512 * 1024);
  }

  @Test
  void withDirectAppendsOffSegmentsAreAppendedThroughThePageCacheAndFsynced() throws IOException {
    Path path = fileWithHeader();
    try (Storage.StorageFile file = new DiskStorage(false).openForAppends(path)) {
      assertThat(file.writesOnSync()).isFalse();
      file.append(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      assertThat(Files.size(path)).as("appended, before the fsync").isEqualTo(HEADER_BYTES + 3);
      file.sync();
    }
    StreamSpec spec = new StreamSpec("orders", StreamKind.STREAM, null, 2);
    Path data = dir.resolve("data");
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults().withStorage(new DiskStorage(false)))) {
      log.create(spec, false);
      for (int i = 0; i < 20; i++) {
        log.append("orders", List.of(Fixtures.event("k" + i, null, "{}"))).join();
      }
      assertThat(Fixtures.readAll(log, "orders", 0).size() + Fixtures.readAll(log, "orders", 1).size()).isEqualTo(20);
    }
  }

  @Test
  void aFolderAKilledServerLeftOpensWithEveryAcknowledgedEventAndItsPaddingCutOff() throws Exception {
    Path data = dir.resolve("data");
    Path copy = dir.resolve("copy");
    StreamSpec spec = new StreamSpec("orders", StreamKind.STREAM, null, 3);
    List<Event> acknowledged = new ArrayList<>();
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults())) {
      log.create(spec, false);
      for (int i = 0; i < 40; i++) {
        List<Event> request = List.of(
            Fixtures.event("k" + i, "id-" + i, "{\"n\":" + i + "}"), Fixtures.event("j" + i, null, "{\"m\":" + i + "}"));
        AppendResult result = log.append("orders", request).join();
        assertThat(result.appended()).isEqualTo(2);
        acknowledged.addAll(request);
      }
      // The files as they are now are what a kill -9 leaves: direct writes have no page cache.
      copyTree(data, copy);
    }
    Path segment = copy.resolve("streams/orders").resolve(LogFormat.segmentName(0));
    long left = Files.size(segment);
    int block = (int) Files.getFileStore(segment).getBlockSize();
    assumeTrue(left % block == 0, "the segment was written directly (its size is whole blocks)");
    assertThat(LogAudit.run(copy).findings()).as("verify on the folder as left").isEmpty();

    try (EmbeddedLog log = EmbeddedLog.open(copy, EmbeddedLog.Options.defaults())) {
      assertThat(log.damageReports()).isEmpty();
      List<Record> all = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        all.addAll(Fixtures.readAll(log, "orders", p));
      }
      assertThat(all).hasSize(acknowledged.size());
      for (Event event : acknowledged) {
        assertThat(all).as("the acknowledged event %s", event.key()).anyMatch(r -> r.key().equals(event.key())
            && Arrays.equals(r.value(), event.value()));
      }
      assertThat(Files.size(segment)).as("the segment after opening: its data alone").isLessThan(left);
      assertThat(log.append("orders", List.of(Fixtures.event("k0", "id-0", "{}"))).join().positions().get(0).duplicate())
          .as("an id acknowledged before the kill is still known")
          .isTrue();
    }
    assertThat(LogAudit.run(copy).findings()).isEmpty();
  }

  @Test
  void aSealedSegmentLeftWithPaddingAndNoIndexOpensWithoutDamageAndGetsItsIndex() throws Exception {
    Path data = dir.resolve("data");
    StreamSpec spec = new StreamSpec("orders", StreamKind.STREAM, null, 2);
    List<List<String>> before = new ArrayList<>();
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults().withSegmentBytes(4096))) {
      log.create(spec, false);
      for (int i = 0; i < 60; i++) {
        log.append("orders", List.of(Fixtures.event("k" + i, null, "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(100) + "\"}"))).join();
      }
      for (int p = 0; p < 2; p++) {
        before.add(Fixtures.readAll(log, "orders", p).stream().map(Fixtures::text).toList());
      }
    }
    Path folder = data.resolve("streams/orders");
    Path sealed = folder.resolve(LogFormat.segmentName(1));
    Path index = folder.resolve(LogFormat.indexName(1));
    assertThat(index).as("a sealed segment's index").exists();
    long size = Files.size(sealed);
    Files.delete(index);
    Files.write(sealed, new byte[1000], StandardOpenOption.APPEND);
    assertThat(LogAudit.run(data).findings()).as("verify passes over zeros at a segment's end").isEmpty();

    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults().withSegmentBytes(4096))) {
      assertThat(log.damageReports()).isEmpty();
      for (int p = 0; p < 2; p++) {
        assertThat(Fixtures.readAll(log, "orders", p).stream().map(Fixtures::text).toList()).isEqualTo(before.get(p));
      }
    }
    assertThat(Files.size(sealed)).isEqualTo(size);
    assertThat(index).exists();

    byte[] bytes = Files.readAllBytes(sealed);
    Files.write(sealed, concat(bytes, new byte[] {0, 0, 7, 0}));
    assertThat(LogAudit.run(data).findings()).as("bytes after the last batch that are not all zeros").isNotEmpty();
  }

  /**
   * A reader reads ahead of a batch; with direct files the bytes after the durable ones may be in
   * the writer's memory only, not in the file, and the reader must make do with what the file has.
   */
  @Test
  void readersFollowingAppendsNeverReadPastWhatTheFileHolds() throws Exception {
    StreamSpec spec = new StreamSpec("orders", StreamKind.STREAM, null, 1);
    int writers = 4;
    int requests = 400;
    try (EmbeddedLog log = EmbeddedLog.open(dir.resolve("data"), EmbeddedLog.Options.defaults())) {
      log.create(spec, false);
      List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        threads.add(Thread.ofPlatform().start(() -> {
          try {
            for (int r = 0; r < requests; r++) {
              log.append("orders", List.of(Fixtures.event("w" + writer, null, "{\"r\":" + r + "}"))).join();
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }));
      }
      long next = 0;
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (next < (long) writers * requests && System.nanoTime() < deadline) {
        List<Record> page = log.read("orders", 0, next, 1000);
        for (Record record : page) {
          assertThat(record.offset()).isEqualTo(next++);
        }
      }
      for (Thread t : threads) {
        t.join();
      }
      assertThat(failures).isEmpty();
      assertThat(next).as("records read while they were appended").isEqualTo((long) writers * requests);
    }
  }

  // ---- helpers ----

  private Path fileWithHeader() throws IOException {
    Path path = dir.resolve("segment.log");
    Files.write(path, randomBytes(new Random(0), HEADER_BYTES));
    return path;
  }

  private static DirectAppendFile openDirect(Path path) throws IOException {
    Storage.StorageFile plain = new DiskStorage(false).open(path, false);
    DirectAppendFile file = DirectAppendFile.open(path, plain);
    if (file == null) {
      plain.close();
    }
    assumeTrue(file != null, "the temporary folder's file system takes direct writes");
    return file;
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  private static boolean zerosFrom(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
