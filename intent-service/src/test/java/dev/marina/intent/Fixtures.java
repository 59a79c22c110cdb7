package dev.marina.intent;

import dev.marina.intent.validation.EngineCatalog;
import dev.marina.intent.validation.IntentValidator;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DeploymentSpec;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.IntentEvent;
import dev.marina.schemas.v1.IntentOp;
import dev.marina.schemas.v1.SealedSecret;
import com.google.protobuf.ByteString;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Small builders shared by intent-service tests. */
public final class Fixtures {
    private Fixtures() {}

    public static final IntentValidator VALIDATOR = new IntentValidator(EngineCatalog.local());

    public static DeploymentRef ref(String tenant, String name) {
        return DeploymentRef.newBuilder().setTenant(tenant).setName(name).build();
    }

    public static DeploymentSpec mariadb() {
        return DeploymentSpec.newBuilder().setEngine(Engine.ENGINE_MARIADB).setVersion("10.11").build();
    }

    public static IntentEvent apply(String tenant, String name, DeploymentSpec spec, String requestId) {
        return IntentEvent.newBuilder().setRequestId(requestId).setDeployment(ref(tenant, name))
                .setOp(IntentOp.INTENT_OP_APPLY).setSpec(spec).build();
    }

    public static IntentEvent delete(String tenant, String name, String requestId) {
        return IntentEvent.newBuilder().setRequestId(requestId).setDeployment(ref(tenant, name))
                .setOp(IntentOp.INTENT_OP_DELETE).build();
    }

    /** Distinguishable fake sealed passwords: "sealed-1", "sealed-2", … */
    /** Backup keys, counted apart from the passwords: "key-1", "key-2", ... */
    public static Supplier<SealedSecret> countingBackupKeys() {
        AtomicInteger n = new AtomicInteger();
        return () -> SealedSecret.newBuilder().setKeyId("test")
                .setCiphertext(ByteString.copyFromUtf8("key-" + n.incrementAndGet())).build();
    }

    public static Supplier<SealedSecret> countingPasswords() {
        AtomicInteger n = new AtomicInteger();
        return () -> SealedSecret.newBuilder().setKeyId("test")
                .setCiphertext(ByteString.copyFromUtf8("sealed-" + n.incrementAndGet())).build();
    }
}
