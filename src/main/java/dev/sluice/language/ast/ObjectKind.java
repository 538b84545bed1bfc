package dev.sluice.language.ast;

/** The kinds of named objects that DROP removes and SHOW lists. */
public enum ObjectKind {
  STREAM("STREAM", "STREAMS"),
  TABLE("TABLE", "TABLES"),
  VIEW("VIEW", "VIEWS"),
  INDEX("INDEX", "INDEXES"),
  SEARCH_INDEX("SEARCH INDEX", "SEARCH INDEXES"),
  CONSTRAINT("CONSTRAINT", "CONSTRAINTS");

  private final String singular;
  private final String plural;

  ObjectKind(String singular, String plural) {
    this.singular = singular;
    this.plural = plural;
  }

  /** As written after DROP. */
  public String singular() {
    return singular;
  }

  /** As written after SHOW. */
  public String plural() {
    return plural;
  }
}
