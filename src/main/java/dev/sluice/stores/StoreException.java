package dev.sluice.stores;

/** The view store failed; the engine marks the view failed with this message. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
