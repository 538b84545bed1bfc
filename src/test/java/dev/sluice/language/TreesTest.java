package dev.sluice.language;

import static dev.sluice.language.Trees.assertSameTree;
import static dev.sluice.language.Trees.field;
import static dev.sluice.language.Trees.negate;
import static dev.sluice.language.Trees.not;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.Position;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tree comparison every parser test relies on must be able to fail. */
class TreesTest {
  @Test
  void treesThatDifferOnlyInPositionsAreTheSame() {
    assertSameTree(new Expr.Field(List.of("a"), new Position(3, 9)), field("a"));
  }

  @Test
  void nodesOfDifferentTypesWithTheSameFieldsDiffer() {
    assertThatThrownBy(() -> assertSameTree(not(field("a")), negate(field("a"))))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void differentLeavesDiffer() {
    assertThatThrownBy(() -> assertSameTree(not(field("a")), not(field("b"))))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> assertSameTree(Trees.decimal("1.5"), Trees.decimal("1.50")))
        .isInstanceOf(AssertionError.class);
  }
}
