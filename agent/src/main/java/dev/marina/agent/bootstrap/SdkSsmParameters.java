package dev.marina.agent.bootstrap;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.SsmClientBuilder;
import software.amazon.awssdk.services.ssm.model.DeleteParameterRequest;
import software.amazon.awssdk.services.ssm.model.GetParameterRequest;

/**
 * {@link SsmParameters} on aws-sdk-java-v2's SSM client over the JDK's URL-connection HTTP client. Credentials and, when
 * none is given, the region come from the SDK's default chains: on EC2, the instance profile and instance metadata.
 */
public final class SdkSsmParameters implements SsmParameters {

    private final SsmClient client;

    public SdkSsmParameters(Optional<String> region, Optional<URI> endpoint, AwsCredentialsProvider credentials) {
        SsmClientBuilder builder = SsmClient.builder()
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(20)));
        region.ifPresent(r -> builder.region(Region.of(r)));
        endpoint.ifPresent(builder::endpointOverride);
        this.client = builder.build();
    }

    @Override
    public Optional<String> getDecrypted(String name) {
        try {
            return Optional.of(call("GetParameter", () -> client.getParameter(GetParameterRequest.builder().name(name)
                    .withDecryption(true).build())).parameter().value());
        } catch (CallFailed e) {
            if ("ParameterNotFound".equals(e.code())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public boolean delete(String name) {
        try {
            call("DeleteParameter", () -> client.deleteParameter(DeleteParameterRequest.builder().name(name).build()));
            return true;
        } catch (CallFailed e) {
            if ("ParameterNotFound".equals(e.code())) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        client.close();
    }

    private static <T> T call(String action, Supplier<T> call) {
        try {
            return call.get();
        } catch (AwsServiceException e) {
            String code = e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? "HTTP" + e.statusCode()
                    : e.awsErrorDetails().errorCode();
            String message = e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null ? e.getMessage()
                    : e.awsErrorDetails().errorMessage();
            throw new CallFailed(action, code, message, e);
        } catch (SdkClientException e) {
            throw new CallFailed(action, "ClientError", e.getMessage(), e);
        }
    }
}
