package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderLockTest {
  @TempDir Path data;

  @Test
  void aSecondLogOnTheSameFolderIsRefusedUntilTheFirstCloses() {
    EmbeddedLog first = EmbeddedLog.open(data, EmbeddedLog.Options.defaults());

    assertThatThrownBy(() -> EmbeddedLog.open(data, EmbeddedLog.Options.defaults()))
        .isInstanceOfSatisfying(LogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOG_FAILED))
        .hasMessageContaining("is in use by another Sluice");

    first.close();
    EmbeddedLog.open(data, EmbeddedLog.Options.defaults()).close();
  }
}
