package dev.marina.agent.tls;

/** A certificate command that can never succeed as sent (answered REFUSED); nothing was changed. */
public final class TlsRefusal extends RuntimeException {
    public TlsRefusal(String reason) {
        super(reason);
    }
}
