package dev.marina.intent.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * gRPC calls carry the same bearer token as REST, in the {@code authorization} metadata; the caller
 * it shows is in {@link #CALLER} while the call is served. A changing call refused for its token is
 * audited like a REST one.
 */
@ApplicationScoped
@GlobalInterceptor
public class ApiTokenInterceptor implements ServerInterceptor {
    private static final Logger LOG = Logger.getLogger(ApiTokenInterceptor.class);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /** The authenticated caller of the gRPC call being served. */
    public static final Context.Key<Caller> CALLER = Context.key("marina-caller");

    /** The changing methods, by full name, and the audit action of each. */
    static final Map<String, String> CHANGES = Map.of(
            "marina.v1.DeploymentService/Apply", Actions.APPLY,
            "marina.v1.DeploymentService/Delete", Actions.DELETE,
            "marina.v1.DeploymentService/Switchover", Actions.SWITCHOVER,
            "marina.v1.DeploymentService/Pause", Actions.PAUSE,
            "marina.v1.DeploymentService/Resume", Actions.RESUME,
            "marina.v1.TokenService/Create", Actions.TOKEN_CREATE,
            "marina.v1.TokenService/Revoke", Actions.TOKEN_REVOKE);

    @Inject
    TokenStore tokens;

    @Inject
    Audit audit;

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        var caller = tokens.authenticate(headers.get(AUTHORIZATION));
        if (caller.isPresent()) {
            return Contexts.interceptCall(Context.current().withValue(CALLER, caller.get()), call, headers, next);
        }
        LOG.warnf("grpc call refused method=%s reason=missing, wrong or revoked bearer token", method);
        Status status = Status.UNAUTHENTICATED.withDescription("missing, wrong or revoked bearer token");
        String action = CHANGES.get(method);
        if (action != null) {
            try {
                audit.refused(audit.call(null, "grpc", action, "", "", null), 401, status.getDescription());
            } catch (ApiError unavailable) {
                status = DeploymentGrpcService.toStatus(unavailable);
            }
        }
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() { };
    }

    /** The caller of the call being served; the interceptor has run before any service method. */
    static Caller caller() {
        Caller caller = CALLER.get();
        if (caller == null) {
            throw new IllegalStateException("no authenticated caller: the call did not pass ApiTokenInterceptor");
        }
        return caller;
    }

    static List<String> changingMethods() {
        return List.copyOf(CHANGES.keySet());
    }
}
