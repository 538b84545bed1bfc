package dev.sluice.engine;

/**
 * A view as declared: its name, the text of its pipeline, and the version (1, 2, … one per
 * {@code CREATE OR REPLACE}). The text is kept, not the tree, so a restart compiles it again.
 *
 * @param derivedStream true for {@code CREATE STREAM name AS …}: the pipeline's new rows are
 *     appended as events to the stream {@code name} instead of being kept as rows
 * @param stream the derived stream's declaration, kept so that a restart can declare it in the log
 *     if a crash came between saving this definition and declaring the stream; null otherwise
 * @param index for {@code CREATE [SEARCH] INDEX}: what the pipeline's rows are indexed by; null for
 *     views and derived streams
 */
public record ViewDefinition(
    String name, long version, String pipelineText, long createdMs, boolean derivedStream,
    dev.sluice.log.StreamSpec stream, IndexSpec index) {
  public ViewDefinition(String name, long version, String pipelineText, long createdMs, boolean derivedStream) {
    this(name, version, pipelineText, createdMs, derivedStream, null, null);
  }

  String spaceName() {
    return "view:" + name + ":" + version;
  }

  /** What {@code GET /views} calls it. */
  String kind() {
    if (derivedStream) {
      return "derived stream";
    }
    return index == null ? "view" : index.kind().wireName();
  }

  /** The statement as the user would write it again. */
  String statementText() {
    return index == null ? pipelineText : index.statement();
  }
}
