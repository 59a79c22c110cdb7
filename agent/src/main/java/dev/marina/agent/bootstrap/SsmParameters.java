package dev.marina.agent.bootstrap;

import java.util.Optional;

/** The narrow seam to SSM Parameter Store the agent's bootstrap needs: read one secret, delete it. */
public interface SsmParameters extends AutoCloseable {

    /** An SSM call answered with an error: the call, AWS's code and message. */
    final class CallFailed extends RuntimeException {
        private final String code;

        public CallFailed(String action, String code, String awsMessage, Throwable cause) {
            super(action + " failed: " + code + ": " + awsMessage, cause);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** GetParameter WithDecryption=true; empty when there is none (ParameterNotFound). */
    Optional<String> getDecrypted(String name);

    /** DeleteParameter; false when there was none. */
    boolean delete(String name);

    @Override
    void close();
}
