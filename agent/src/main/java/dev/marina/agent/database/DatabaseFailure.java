package dev.marina.agent.database;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * The database server could not do what was asked (start, a statement, a wait that ran out): what the
 * agent answers FAILED with {@code reason_code = DATABASE_ERROR}. Its message is the failure's own, so the
 * answer's text stays what people read before.
 *
 * <p>{@link #marking} tells such failures apart by where they come from rather than by their type or text:
 * anything a {@link DatabaseServer} method throws is the server's failure, whatever the implementation
 * (MariaDB, a test's fake) throws; anything else (a secret that does not open, a file of the agent's) is not.
 */
public final class DatabaseFailure extends RuntimeException {

    public DatabaseFailure(RuntimeException cause) {
        super(cause.getMessage(), cause);
    }

    /** {@code server}, with every exception its methods throw turned into a {@link DatabaseFailure}. */
    public static DatabaseServer marking(DatabaseServer server) {
        InvocationHandler handler = (proxy, method, args) -> {
            try {
                return method.invoke(server, args);
            } catch (InvocationTargetException e) {
                Throwable thrown = e.getCause();
                if (thrown instanceof DatabaseFailure || !(thrown instanceof RuntimeException runtime)) {
                    throw thrown;
                }
                throw new DatabaseFailure(runtime);
            }
        };
        return (DatabaseServer) Proxy.newProxyInstance(DatabaseServer.class.getClassLoader(), new Class<?>[] {DatabaseServer.class},
                handler);
    }
}
