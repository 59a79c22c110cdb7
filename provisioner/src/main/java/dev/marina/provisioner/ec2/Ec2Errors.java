package dev.marina.provisioner.ec2;

import java.util.Set;

/**
 * What an EC2 error code means for the driver. Pure. Codes as the EC2 API reference lists them ("Error codes for the
 * Amazon EC2 API").
 */
public final class Ec2Errors {

    /** What to do about an error. */
    public enum Kind {
        /** RequestLimitExceeded: back off and retry the same call. */
        THROTTLED,
        /** No capacity for the type in that zone: try the next subnet. */
        CAPACITY,
        /** The instance does not exist (any more): for a terminate, done. */
        NOT_FOUND,
        /** The request itself is wrong or not allowed: retrying the same can never work; fail with AWS's message. */
        FINAL,
        /** Anything else (a 5xx, an unknown code): fail this command; the reconciler's retry may succeed. */
        TRANSIENT
    }

    private static final Set<String> THROTTLING = Set.of("RequestLimitExceeded", "Throttling", "ThrottlingException");
    private static final Set<String> NO_CAPACITY = Set.of("InsufficientInstanceCapacity", "InsufficientCapacity",
            "InsufficientHostCapacity");
    private static final Set<String> GONE = Set.of("InvalidInstanceID.NotFound");
    private static final Set<String> REFUSED = Set.of("InvalidParameterValue", "InvalidParameter",
            "InvalidParameterCombination", "MissingParameter", "UnknownParameter", "UnauthorizedOperation",
            "AccessDenied", "AccessDeniedException", "AuthFailure", "OptInRequired", "Blocked",
            "IdempotentParameterMismatch", "InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidSubnetID.NotFound",
            "InvalidGroup.NotFound", "InvalidGroupId.Malformed", "InvalidInstanceID.Malformed", "InstanceLimitExceeded",
            "VcpuLimitExceeded", "InvalidBlockDeviceMapping", "UnsupportedOperation", "Unsupported");

    private Ec2Errors() {}

    public static Kind classify(String code, int httpStatus) {
        if (THROTTLING.contains(code)) {
            return Kind.THROTTLED;
        }
        if (NO_CAPACITY.contains(code)) {
            return Kind.CAPACITY;
        }
        if (GONE.contains(code)) {
            return Kind.NOT_FOUND;
        }
        if (REFUSED.contains(code) || code.startsWith("InvalidParameter") || code.startsWith("Unauthorized")) {
            return Kind.FINAL;
        }
        return Kind.TRANSIENT;
    }

    /** The reason a failed command carries: the call, AWS's code and AWS's own message. */
    public static String reason(Ec2CallException e) {
        return service(e.action()) + " " + e.action() + " failed: " + e.code() + ": " + e.awsMessage();
    }

    /** The service of a call: the bootstrap parameters' are SSM's, the rest EC2's. */
    static String service(String action) {
        return action.endsWith("Parameter") || action.equals("AddTagsToResource") ? "SSM" : "EC2";
    }
}
