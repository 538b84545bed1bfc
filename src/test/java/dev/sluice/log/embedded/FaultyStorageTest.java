package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.log.embedded.FaultyStorage.Tear;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fault-injecting disk fails only in the ways a real one may: checked, since every recovery test leans on it. */
class FaultyStorageTest {
  private static final Path DIR = Path.of("/data");
  private static final Path FILE = DIR.resolve("f");

  @Test
  void syncedBytesAndEntriesSurviveEveryCrash() throws IOException {
    Set<String> outcomes = new HashSet<>();
    for (long seed = 0; seed < 50; seed++) {
      FaultyStorage disk = durableFileHolding("synced", seed);
      write(disk, FILE, "+unsynced");
      String after = read(disk.crash(Tear.ANY), FILE);
      assertThat(after).startsWith("synced");
      outcomes.add(after);
    }
    assertThat(outcomes).contains("synced", "synced+unsynced").hasSizeGreaterThan(3);
  }

  @Test
  void losingUnsyncedBytesKeepsExactlyTheSyncedOnes() throws IOException {
    FaultyStorage disk = durableFileHolding("synced", 1);
    write(disk, FILE, "+unsynced");
    assertThat(read(disk.crash(Tear.LOSE), FILE)).isEqualTo("synced");
  }

  @Test
  void aTornTailKeepsAStrictPrefixOfTheUnsyncedBytes() throws IOException {
    Set<String> seen = new HashSet<>();
    for (long seed = 0; seed < 50; seed++) {
      FaultyStorage disk = durableFileHolding("synced", seed);
      write(disk, FILE, "+unsynced");
      String after = read(disk.crash(Tear.PARTIAL), FILE);
      assertThat("synced+unsynced").startsWith(after);
      assertThat(after.length()).isBetween("synced".length() + 1, "synced+unsynced".length() - 1);
      seen.add(after);
    }
    assertThat(seen).as("tear points").hasSizeGreaterThan(3);
  }

  @Test
  void aTornTailWithGarbageNeverTouchesSyncedBytes() throws IOException {
    for (long seed = 0; seed < 50; seed++) {
      FaultyStorage disk = durableFileHolding("synced", seed);
      write(disk, FILE, "+unsynced");
      FaultyStorage after = disk.crash(Tear.PARTIAL_WITH_GARBAGE);
      assertThat(read(after, FILE)).startsWith("synced").hasSizeGreaterThan("synced".length());
    }
  }

  @Test
  void aRenameWithoutAFolderSyncMayBeUndoneButNeverHalfDone() throws IOException {
    Set<Boolean> survived = new HashSet<>();
    for (long seed = 0; seed < 50; seed++) {
      FaultyStorage disk = new FaultyStorage(seed);
      disk.createDirectories(DIR);
      disk.syncDirectory(DIR.getParent());
      Path tmp = DIR.resolve("f.tmp");
      write(disk, tmp, "content");
      try (Storage.StorageFile file = disk.open(tmp, false)) {
        file.sync();
      }
      disk.syncDirectory(DIR);
      disk.rename(tmp, FILE);
      FaultyStorage after = disk.crash(Tear.LOSE);
      survived.add(after.exists(FILE));
      assertThat(after.exists(FILE) || after.exists(tmp)).as("the file under one of its names").isTrue();
    }
    assertThat(survived).containsExactlyInAnyOrder(true, false);
  }

  @Test
  void aFolderCreatedWithoutSyncingItsParentMayVanishWithEverythingInIt() throws IOException {
    Set<Boolean> survived = new HashSet<>();
    for (long seed = 0; seed < 50; seed++) {
      FaultyStorage disk = durableFileHolding("synced", seed);
      Path inner = DIR.resolve("inner");
      disk.createDirectories(inner);
      write(disk, inner.resolve("g"), "x");
      disk.syncDirectory(inner);
      survived.add(disk.crash(Tear.LOSE).exists(inner.resolve("g")));
    }
    assertThat(survived).containsExactlyInAnyOrder(true, false);
  }

  @Test
  void aCrashedDiskFailsEveryLaterOperation() throws IOException {
    FaultyStorage disk = durableFileHolding("synced", 1);
    Storage.StorageFile open = disk.open(FILE, false);
    disk.crash(Tear.LOSE);
    assertThatThrownBy(() -> open.append(ByteBuffer.wrap(new byte[1]))).isInstanceOf(IOException.class);
    assertThatThrownBy(open::sync).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> disk.open(FILE, false)).isInstanceOf(IOException.class);
  }

  @Test
  void aFullDiskWritesWhatFitsThenFailsWithNoSpaceLeft() throws IOException {
    FaultyStorage disk = durableFileHolding("", 1);
    disk.failWritesAfter(3);
    assertThatThrownBy(() -> write(disk, FILE, "abcdef")).hasMessageContaining("No space left on device");
    assertThat(read(disk, FILE)).isEqualTo("abc");
    disk.restoreSpace();
    write(disk, FILE, "d");
    assertThat(read(disk, FILE)).isEqualTo("abcd");
  }

  @Test
  void aFailedFsyncMakesNothingDurable() throws IOException {
    FaultyStorage disk = durableFileHolding("synced", 1);
    write(disk, FILE, "+lost");
    disk.failNextSync();
    try (Storage.StorageFile file = disk.open(FILE, false)) {
      assertThatThrownBy(file::sync).isInstanceOf(IOException.class);
    }
    assertThat(read(disk.crash(Tear.LOSE), FILE)).isEqualTo("synced");
  }

  @Test
  void aFlippedBitChangesOneBitOfOneByte() throws IOException {
    FaultyStorage disk = durableFileHolding("abc", 1);
    disk.flipBit(FILE, 1);
    byte[] after = read(disk, FILE).getBytes(StandardCharsets.ISO_8859_1);
    assertThat(after[0]).isEqualTo((byte) 'a');
    assertThat(Integer.bitCount((after[1] ^ 'b') & 0xff)).isEqualTo(1);
    assertThat(after[2]).isEqualTo((byte) 'c');
  }

  private static FaultyStorage durableFileHolding(String content, long seed) throws IOException {
    FaultyStorage disk = new FaultyStorage(seed);
    disk.createDirectories(DIR);
    disk.syncDirectory(DIR.getParent());
    write(disk, FILE, content);
    try (Storage.StorageFile file = disk.open(FILE, false)) {
      file.sync();
    }
    disk.syncDirectory(DIR);
    return disk;
  }

  private static void write(Storage disk, Path path, String text) throws IOException {
    try (Storage.StorageFile file = disk.open(path, true)) {
      file.append(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)));
    }
  }

  private static String read(Storage disk, Path path) throws IOException {
    return new String(disk.readAll(path), StandardCharsets.ISO_8859_1);
  }

}
