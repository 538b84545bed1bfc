package dev.sluice.language.ast;

/**
 * Where a node starts in the source text. Lines and columns are 1-based and columns count chars, so
 * an error can point a caret at the exact spot the user typed.
 */
public record Position(int line, int column) {
  public Position {
    if (line < 1 || column < 1) {
      throw new IllegalArgumentException("positions are 1-based, got " + line + ":" + column);
    }
  }

  @Override
  public String toString() {
    return "line " + line + ", column " + column;
  }
}
