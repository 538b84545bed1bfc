package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.server.Statements.CreateStream;
import dev.sluice.server.Statements.ShowStreams;
import org.junit.jupiter.api.Test;

class StatementsTest {

  @Test
  void createTakesItsOptionsInAnyOrderWithOnePartitionByDefault() {
    assertThat(Statements.parse("create table if not exists customers partitions 8 key \"customer-id\";"))
        .containsExactly(new CreateStream(new StreamSpec("customers", StreamKind.TABLE, "customer-id", 8), true));
    assertThat(Statements.parse("CREATE STREAM clicks"))
        .containsExactly(new CreateStream(new StreamSpec("clicks", StreamKind.STREAM, null, 1), false));
  }

  @Test
  void statementsAreSeparatedBySemicolonsAndCommentsAreSkipped() {
    assertThat(Statements.parse("-- set up\nCREATE STREAM a KEY id; ;\n show streams -- all of them\n;"))
        .containsExactly(new CreateStream(new StreamSpec("a", StreamKind.STREAM, "id", 1), false), new ShowStreams());
  }

  @Test
  void anErrorNamesTheLineAndColumnOfTheTokenAtFault() {
    assertThatThrownBy(() -> Statements.parse("CREATE STREAM a\n  KEY id\n  PARTITIONS 2 SHOW"))
        .isInstanceOfSatisfying(InputError.class, e -> {
          assertThat(e.line()).isEqualTo(3);
          assertThat(e.column()).isEqualTo(16);
          assertThat(e.detail()).isEqualTo("expected ';' or the end after the statement, found SHOW");
        });
  }
}
