package dev.marina.objectstore;

/** The store could not do what was asked; the message names the key and the store's answer. */
public class ObjectStoreException extends RuntimeException {
    public ObjectStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public ObjectStoreException(String message) {
        super(message);
    }

    /** There is no object under the key. */
    public static final class NotFound extends ObjectStoreException {
        public NotFound(String key) {
            super("no object " + key + " in the store");
        }
    }
}
