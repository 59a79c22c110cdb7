package dev.marina.provisioner.driver;

/** A driver could not do what it was asked; the message is the reason reported in INSTANCE_STATE_FAILED. */
public class DriverException extends RuntimeException {
    public DriverException(String message) {
        super(message);
    }

    public DriverException(String message, Throwable cause) {
        super(message, cause);
    }
}
