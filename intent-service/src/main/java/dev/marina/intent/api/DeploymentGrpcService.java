package dev.marina.intent.api;

import dev.marina.schemas.v1.ApplyRequest;
import dev.marina.schemas.v1.ApplyResponse;
import dev.marina.schemas.v1.DeleteRequest;
import dev.marina.schemas.v1.DeleteResponse;
import dev.marina.schemas.v1.DeploymentServiceGrpc;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.DeploymentView;
import dev.marina.schemas.v1.GetRequest;
import dev.marina.schemas.v1.ListRequest;
import dev.marina.schemas.v1.ListResponse;
import dev.marina.schemas.v1.SwitchoverRequest;
import dev.marina.schemas.v1.SwitchoverResponse;
import dev.marina.schemas.v1.WatchRequest;
import dev.marina.schemas.v1.DeploymentRef;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.inject.Inject;
import java.util.function.Supplier;

/** The gRPC face of {@link DeploymentApi}; authentication by {@link ApiTokenInterceptor}. */
@GrpcService
@Blocking
public class DeploymentGrpcService extends DeploymentServiceGrpc.DeploymentServiceImplBase {

    @Inject
    DeploymentApi api;

    @Inject
    Audit audit;

    @Override
    public void apply(ApplyRequest request, StreamObserver<ApplyResponse> response) {
        Audit.Call call = change(Actions.APPLY, request.getDeployment(), request.getRequestId());
        unary(response, () -> audit.run(call, () -> {
            DeploymentApi.Submitted s = api.apply(call.caller(), request.getDeployment(), request.getSpec(), request.getExpectedGeneration(),
                    call.requestId(), "grpc");
            return ApplyResponse.newBuilder().setRequestId(s.requestId())
                    .setGeneration(s.intent().map(i -> i.getGeneration()).orElse(0L)).build();
        }, r -> r.getGeneration() > 0 ? 200 : 202));
    }

    @Override
    public void get(GetRequest request, StreamObserver<DeploymentView> response) {
        unary(response, () -> api.get(ApiTokenInterceptor.caller(), request.getDeployment()));
    }

    @Override
    public void list(ListRequest request, StreamObserver<ListResponse> response) {
        unary(response, () -> api.list(ApiTokenInterceptor.caller(), request.getTenant(), request.getPageSize(), request.getPageToken()));
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> response) {
        Audit.Call call = change(Actions.DELETE, request.getDeployment(), request.getRequestId());
        unary(response, () -> audit.run(call, () -> {
            DeploymentApi.Submitted s = api.delete(call.caller(), request.getDeployment(), 0, call.requestId(), "grpc");
            return DeleteResponse.newBuilder().setRequestId(s.requestId())
                    .setGeneration(s.intent().map(i -> i.getGeneration()).orElse(0L)).build();
        }, r -> r.getGeneration() > 0 ? 200 : 202));
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<DeploymentStatus> response) {
        String tenant = request.hasDeployment() ? request.getDeployment().getTenant() : request.getTenant();
        String name = request.hasDeployment() ? request.getDeployment().getName() : "";
        Caller caller = ApiTokenInterceptor.caller();
        Multi<DeploymentStatus> statuses;
        try {
            if (!name.isEmpty()) {
                api.get(caller, request.getDeployment());
            }
            statuses = api.watch(caller, tenant, name);
        } catch (ApiError e) {
            response.onError(toStatus(e).asRuntimeException());
            return;
        }
        Cancellable subscription = statuses.subscribe().with(
                response::onNext, failure -> response.onError(Status.INTERNAL.withDescription(failure.getMessage()).asRuntimeException()),
                response::onCompleted);
        if (response instanceof ServerCallStreamObserver<DeploymentStatus> server) {
            server.setOnCancelHandler(subscription::cancel);
        }
    }

    @Override
    public void switchover(SwitchoverRequest request, StreamObserver<SwitchoverResponse> response) {
        Audit.Call call = change(Actions.SWITCHOVER, request.getDeployment(), null);
        unary(response, () -> audit.run(call, () -> SwitchoverResponse.newBuilder().setRequestId(
                api.switchover(call.caller(), request.getDeployment(), request.getTargetInstanceId(), call.requestId(), "grpc").requestId())
                .build(), r -> 200));
    }

    @Override
    public void pause(dev.marina.schemas.v1.PauseRequest request, StreamObserver<dev.marina.schemas.v1.PauseResponse> response) {
        Audit.Call call = change(Actions.PAUSE, request.getDeployment(), null);
        unary(response, () -> audit.run(call, () -> dev.marina.schemas.v1.PauseResponse.newBuilder().setRequestId(
                api.pause(call.caller(), request.getDeployment(), true, call.requestId(), "grpc").requestId()).build(), r -> 200));
    }

    @Override
    public void resume(dev.marina.schemas.v1.ResumeRequest request, StreamObserver<dev.marina.schemas.v1.ResumeResponse> response) {
        Audit.Call call = change(Actions.RESUME, request.getDeployment(), null);
        unary(response, () -> audit.run(call, () -> dev.marina.schemas.v1.ResumeResponse.newBuilder().setRequestId(
                api.pause(call.caller(), request.getDeployment(), false, call.requestId(), "grpc").requestId()).build(), r -> 200));
    }

    @Override
    public void backup(dev.marina.schemas.v1.BackupRequest request, StreamObserver<dev.marina.schemas.v1.BackupResponse> response) {
        String id = api.backupIdOr(request.getBackupId());
        Audit.Call call = change(Actions.BACKUP, request.getDeployment(), id);
        unary(response, () -> audit.run(call, () -> dev.marina.schemas.v1.BackupResponse.newBuilder().setBackupId(
                api.backup(call.caller(), request.getDeployment(), id, "grpc").requestId()).build(), r -> 200));
    }

    @Override
    public void listBackups(dev.marina.schemas.v1.ListBackupsRequest request,
            StreamObserver<dev.marina.schemas.v1.ListBackupsResponse> response) {
        unary(response, () -> dev.marina.schemas.v1.ListBackupsResponse.newBuilder()
                .addAllBackups(api.backups(ApiTokenInterceptor.caller(), request.getDeployment())).build());
    }

    private Audit.Call change(String action, DeploymentRef ref, String requestId) {
        return audit.call(ApiTokenInterceptor.caller(), "grpc", action, ref.getTenant(),
                ref.getTenant() + "/" + ref.getName(), requestId);
    }

    static <T> void unary(StreamObserver<T> response, Supplier<T> call) {
        try {
            response.onNext(call.get());
            response.onCompleted();
        } catch (ApiError e) {
            response.onError(toStatus(e).asRuntimeException());
        }
    }

    static Status toStatus(ApiError e) {
        Status status = switch (e.kind()) {
            case BAD_REQUEST, UNPROCESSABLE -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case CONFLICT -> Status.FAILED_PRECONDITION;
            case UNAUTHORIZED -> Status.UNAUTHENTICATED;
            case FORBIDDEN -> Status.PERMISSION_DENIED;
            case UNIMPLEMENTED -> Status.UNIMPLEMENTED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
        };
        return status.withDescription(e.getMessage());
    }
}
