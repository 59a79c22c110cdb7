package dev.marina.dns.driver.route53;

import dev.marina.dns.driver.DnsDriverException;
import dev.marina.dns.driver.DnsDriverException.Kind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.route53.model.InvalidChangeBatchException;

/** What an SDK failure means for the reconciler: throttled (pause and retry here), or a {@link Kind}. */
final class Route53Errors {
    private Route53Errors() {}

    /** Codes that mean "too fast, nothing was done": worth a pause and the same request again. */
    private static final Set<String> THROTTLING = Set.of("Throttling", "ThrottlingException", "ThrottledException",
            "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
            "PriorRequestNotComplete");

    /** Codes that mean the credentials or their permissions are wrong: no retry will help. */
    private static final Set<String> DENIED = Set.of("AccessDenied", "AccessDeniedException", "InvalidClientTokenId",
            "UnrecognizedClientException", "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSignatureException",
            "MissingAuthenticationToken", "ExpiredToken", "ExpiredTokenException", "AuthFailure");

    /**
     * InvalidChangeBatch messages that mean the zone is not as the batch expected, i.e. one of our
     * conditions failed or another writer got in between: read and plan again.
     */
    private static final List<String> ZONE_CHANGED_MESSAGES = List.of("but it already exists", "but it was not found",
            "values provided do not match the current values", "conflicting rrset", "conflicts with other records");

    private static final Pattern XML_MESSAGE = Pattern.compile("<Message>(.*?)</Message>", Pattern.DOTALL);

    static boolean isThrottling(SdkException e) {
        if (e instanceof AwsServiceException service) {
            return service.statusCode() == 429 || service.isThrottlingException() || THROTTLING.contains(code(service));
        }
        return false;
    }

    /** The driver's exception for a failed call; {@code what} says what was being done. */
    static DnsDriverException translate(SdkException e, String what, String zone) {
        if (e instanceof AwsServiceException service) {
            return translateService(service, what, zone);
        }
        if (causedBy(e, Route53Driver.CredentialsUnavailable.class)) {
            return noCredentials(what, e);
        }
        // No answer at all: refused connection, timeout, a broken response.
        return new DnsDriverException(Kind.UNREACHABLE, "could not " + what + ": Route 53 did not answer ("
                + describe(e) + ")", e);
    }

    static DnsDriverException noCredentials(String what, RuntimeException e) {
        return new DnsDriverException(Kind.REFUSED, "could not " + what + ": no AWS credentials found ("
                + e.getMessage() + "); give dns-service credentials the SDK's default chain finds (environment, "
                + "profile, web identity or instance role)", e);
    }

    private static DnsDriverException translateService(AwsServiceException e, String what, String zone) {
        String code = code(e);
        int status = e.statusCode();
        String said = "Route 53 answered " + status + (code.isEmpty() ? "" : " " + code) + ": " + messages(e);
        if (isInvalidChangeBatch(e)) {
            String lower = messages(e).toLowerCase(Locale.ROOT);
            boolean changed = ZONE_CHANGED_MESSAGES.stream().anyMatch(lower::contains);
            return changed
                    ? new DnsDriverException(Kind.ZONE_CHANGED, "zone " + zone + " changed since it was read (" + said + ")", e)
                    : new DnsDriverException(Kind.REFUSED, "Route 53 refused the change of zone " + zone + " (" + said + ")", e);
        }
        if (isThrottling(e)) {
            return new DnsDriverException(Kind.UNREACHABLE, "could not " + what + ": still throttled after the retries ("
                    + said + ")", e);
        }
        if (DENIED.contains(code) || status == 401 || status == 403) {
            return new DnsDriverException(Kind.REFUSED, "could not " + what + ": Route 53 refused the credentials or "
                    + "their permissions (" + said + "); the identity needs route53:ListResourceRecordSets, "
                    + "route53:ChangeResourceRecordSets and route53:GetChange on the hosted zone", e);
        }
        if ("NoSuchHostedZone".equals(code)) {
            return new DnsDriverException(Kind.REFUSED, "could not " + what + ": the hosted zone does not exist ("
                    + said + "); check marina.dns.route53.hosted-zone-id", e);
        }
        if (status >= 500) {
            return new DnsDriverException(Kind.UNREACHABLE, "could not " + what + ": Route 53 failed (" + said + ")", e);
        }
        return new DnsDriverException(Kind.REFUSED, "could not " + what + ": " + said, e);
    }

    /**
     * Route 53 reports InvalidChangeBatch in two shapes: the usual ErrorResponse with one message,
     * or an {@code <InvalidChangeBatch>} document with several {@code <Messages>}, which carries no
     * error code the SDK can read; the raw body tells it apart then.
     */
    private static boolean isInvalidChangeBatch(AwsServiceException e) {
        return e instanceof InvalidChangeBatchException || "InvalidChangeBatch".equals(code(e))
                || (code(e).isEmpty() && e.statusCode() == 400 && rawBody(e).contains("<InvalidChangeBatch"));
    }

    private static String messages(AwsServiceException e) {
        List<String> messages = new ArrayList<>();
        if (e instanceof InvalidChangeBatchException batch && batch.hasMessages()) {
            messages.addAll(batch.messages());
        }
        AwsErrorDetails details = e.awsErrorDetails();
        if (messages.isEmpty() && details != null && details.errorMessage() != null) {
            messages.add(details.errorMessage());
        }
        if (messages.isEmpty()) {
            Matcher m = XML_MESSAGE.matcher(rawBody(e));
            while (m.find()) {
                messages.add(m.group(1).trim());
            }
        }
        return messages.isEmpty() ? "no message" : String.join("; ", messages);
    }

    private static String code(AwsServiceException e) {
        AwsErrorDetails details = e.awsErrorDetails();
        return details == null || details.errorCode() == null ? "" : details.errorCode();
    }

    private static String rawBody(AwsServiceException e) {
        AwsErrorDetails details = e.awsErrorDetails();
        return details == null || details.rawResponse() == null ? "" : details.rawResponse().asString(StandardCharsets.UTF_8);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return root == e ? message : message + "; " + root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
