package dev.marina.schemas.access;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.resource.ResourcePatternFilter;

/**
 * Makes and removes SCRAM principals with their {@link Principals} ACLs, through an admin client
 * whose principal may alter the cluster (the platform's admin; the provisioner for agents).
 * Idempotent: {@link #ensure} keeps an existing principal's password (read from its file) and adds
 * only missing ACLs (the broker ignores a binding that exists).
 */
public final class KafkaUsers {

    /** SCRAM's iterations: the minimum Kafka accepts for SHA-512; each login costs this on both sides. */
    private static final int ITERATIONS = 4096;

    private final Admin admin;
    private final Path caFile;
    private final Duration timeout;

    /**
     * @param admin   a client whose principal may alter the cluster
     * @param caFile  the broker's CA certificate, which the principals' settings trust
     */
    public KafkaUsers(Admin admin, Path caFile, Duration timeout) {
        this.admin = admin;
        this.caFile = caFile;
        this.timeout = timeout;
    }

    /** The platform's own services, each with its file under {@code secretsDir/users}. */
    public void ensureServices(Path secretsDir) {
        for (Role role : Role.services()) {
            ensure(role.serviceName(), role, KafkaAccess.userFile(secretsDir, role.serviceName()));
        }
    }

    /**
     * Makes (or keeps) a principal: its SCRAM credential, its ACLs, and its settings file (0600).
     *
     * @return the settings file
     */
    public Path ensure(String principal, Role role, Path file) {
        if (Principals.SUPER_USERS.contains(principal)) {
            throw new IllegalArgumentException(principal + " is a super user of the broker's own");
        }
        String password = KafkaAccess.password(file).orElseGet(KafkaUsers::newPassword);
        await(admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(principal,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), password))).all(), "SCRAM credential of " + principal);
        await(admin.createAcls(Principals.bindings(principal, role)).all(), "ACLs of " + principal);
        Properties settings = KafkaAccess.scramClient(principal, password, caFile);
        KafkaAccess.writePrivate(file, settings, "Kafka client settings of principal " + principal + " (" + role
                + "): never share, never log");
        return file;
    }

    /** Removes a principal: its credential, every ACL naming it, and its settings file. Idempotent. */
    public void remove(String principal, Path file) {
        try {
            await(admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion(principal, ScramMechanism.SCRAM_SHA_512))).all(),
                    "SCRAM credential of " + principal);
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof ResourceNotFoundException)) {
                throw e;
            }
        }
        AclBindingFilter everyAclOfPrincipal = new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter("User:" + principal, null, AclOperation.ANY, AclPermissionType.ANY));
        await(admin.deleteAcls(List.of(everyAclOfPrincipal)).all(), "ACLs of " + principal);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file, e);
        }
    }

    private <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka refused to change the " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not change the " + what + " within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while changing the " + what, e);
        }
    }

    private static String newPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
