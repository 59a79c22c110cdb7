package dev.marina.dns.driver.route53;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.dns.driver.DnsDriverException.Kind;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.route53.model.InvalidChangeBatchException;
import software.amazon.awssdk.services.route53.model.Route53Exception;

/** Every kind of failure the SDK reports, and what the reconciler is told. */
class Route53ErrorsTest {

    /** {@code kind} null: throttled, retried inside the driver. */
    record Case(String behaviour, SdkException error, Kind kind) {}

    static AwsServiceException answer(int status, String code, String message) {
        return Route53Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
    }

    static AwsServiceException invalidBatch(String message) {
        return InvalidChangeBatchException.builder().statusCode(400).awsErrorDetails(AwsErrorDetails.builder()
                .errorCode("InvalidChangeBatch").errorMessage(message).build()).build();
    }

    static final List<Case> CASES = List.of(
            new Case("Throttling is retried", answer(400, "Throttling", "Rate exceeded"), null),
            new Case("PriorRequestNotComplete is retried", answer(400, "PriorRequestNotComplete", "still processing"), null),
            new Case("HTTP 429 is retried whatever its code", answer(429, null, null), null),
            new Case("a CREATE of an existing set means the zone changed",
                    invalidBatch("Tried to create resource record set [name='a.example.com.', type='A'] but it already exists"),
                    Kind.ZONE_CHANGED),
            new Case("a DELETE of a missing set means the zone changed",
                    invalidBatch("Tried to delete resource record set [name='a.example.com.', type='A'] but it was not found"),
                    Kind.ZONE_CHANGED),
            new Case("a DELETE with other values means the zone changed",
                    invalidBatch("Tried to delete resource record set [name='a.example.com.', type='TXT'] but the values provided do not match the current values"),
                    Kind.ZONE_CHANGED),
            new Case("a CNAME that meets another writer's records means the zone changed",
                    invalidBatch("RRSet of type CNAME with DNS name a.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com."),
                    Kind.ZONE_CHANGED),
            new Case("any other InvalidChangeBatch is refused",
                    invalidBatch("Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address encountered with '300.1.1.1'"),
                    Kind.REFUSED),
            new Case("AccessDenied is refused", answer(403, "AccessDenied", "not authorized"), Kind.REFUSED),
            new Case("a bad signature is refused", answer(403, "SignatureDoesNotMatch", "signature"), Kind.REFUSED),
            new Case("an expired token is refused", answer(400, "ExpiredToken", "expired"), Kind.REFUSED),
            new Case("a missing hosted zone is refused", answer(404, "NoSuchHostedZone", "No hosted zone found"), Kind.REFUSED),
            new Case("InvalidInput is refused", answer(400, "InvalidInput", "bad"), Kind.REFUSED),
            new Case("a 500 is unreachable", answer(500, "InternalFailure", "oops"), Kind.UNREACHABLE),
            new Case("a 503 is unreachable", answer(503, "ServiceUnavailable", "later"), Kind.UNREACHABLE),
            new Case("a timeout is unreachable", ApiCallTimeoutException.create(10_000), Kind.UNREACHABLE));

    @TestFactory
    Stream<DynamicTest> classifies() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.behaviour(), () -> {
            boolean throttled = Route53Errors.isThrottling(c.error());
            assertEquals(c.kind() == null, throttled, "throttled?");
            assertEquals(c.kind() == null ? Kind.UNREACHABLE : c.kind(),
                    Route53Errors.translate(c.error(), "do it", "example.com.").kind(),
                    "once the retries are spent, throttling is unreachable");
        }));
    }
}
