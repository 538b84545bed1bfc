package dev.sluice.engine;

/**
 * A view as declared: its name, the text of its pipeline, and the version (1, 2, … one per
 * {@code CREATE OR REPLACE}). The text is kept, not the tree, so a restart compiles it again.
 */
public record ViewDefinition(String name, long version, String pipelineText, long createdMs) {
  String spaceName() {
    return "view:" + name + ":" + version;
  }
}
