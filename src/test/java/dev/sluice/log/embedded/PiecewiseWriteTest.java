package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.log.embedded.FaultyStorage.Tear;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@link Storage#writeAtomicallyInPieces}: the index files' way to the disk (docs/log-format.md §4). */
class PiecewiseWriteTest {
  private static final Path DIR = Path.of("/data");
  private static final Path FILE = DIR.resolve("0.idx");
  private static final Path TMP = DIR.resolve("0.idx.tmp");

  @ParameterizedTest(name = "{0} bytes in pieces of 7")
  @ValueSource(ints = {0, 5, 7, 20, 21})
  void theWholeContentReplacesTheFileAndSurvivesAnyCrashOnceWritten(int length) throws IOException {
    String content = "0123456789abcdefghijklmnopqrstuvwxyz".substring(0, length);
    for (long seed = 0; seed < 20; seed++) {
      FaultyStorage disk = new FaultyStorage(seed);
      disk.createDirectories(DIR);
      disk.syncDirectory(DIR.getParent());
      disk.writeAtomically(FILE, "old".getBytes(StandardCharsets.US_ASCII));
      write(disk, TMP, "left by an earlier crash");

      disk.writeAtomicallyInPieces(FILE, content.getBytes(StandardCharsets.US_ASCII), 7, 0);

      assertThat(read(disk, FILE)).isEqualTo(content);
      assertThat(disk.exists(TMP)).isFalse();
      FaultyStorage after = disk.crash(Tear.ANY);
      assertThat(read(after, FILE)).as("seed %d", seed).isEqualTo(content);
      assertThat(after.exists(TMP)).isFalse();
    }
  }

  @Test
  void aPieceMustHoldSomething() {
    FaultyStorage disk = new FaultyStorage(1);
    assertThatThrownBy(() -> disk.writeAtomicallyInPieces(FILE, new byte[3], 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pieceBytes");
  }

  private static void write(Storage disk, Path path, String text) throws IOException {
    try (Storage.StorageFile file = disk.open(path, true)) {
      file.append(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }
  }

  private static String read(Storage disk, Path path) throws IOException {
    return new String(disk.readAll(path), StandardCharsets.US_ASCII);
  }
}
