package dev.marina.provisioner.ec2;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.SsmClientBuilder;
import software.amazon.awssdk.services.ssm.model.AddTagsToResourceRequest;
import software.amazon.awssdk.services.ssm.model.DeleteParameterRequest;
import software.amazon.awssdk.services.ssm.model.ParameterTier;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.PutParameterRequest;
import software.amazon.awssdk.services.ssm.model.ResourceTypeForTagging;
import software.amazon.awssdk.services.ssm.model.Tag;

/**
 * {@link SsmApi} on aws-sdk-java-v2's SSM client over the JDK's URL-connection HTTP client, SDK retries off (throttling
 * is the driver's to pace, as for EC2).
 */
public final class SdkSsmApi implements SsmApi {

    private final SsmClient client;

    public SdkSsmApi(String region, Optional<URI> endpoint, AwsCredentialsProvider credentials) {
        SsmClientBuilder builder = SsmClient.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(Duration.ofSeconds(60))
                        .build());
        endpoint.ifPresent(builder::endpointOverride);
        this.client = builder.build();
    }

    @Override
    public void putSecure(String name, String value, Optional<String> kmsKeyId, Map<String, String> tags) {
        List<Tag> tagList = tags.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build()).toList();
        PutParameterRequest.Builder first = PutParameterRequest.builder().name(name).value(value)
                .type(ParameterType.SECURE_STRING).tier(ParameterTier.STANDARD).overwrite(false).tags(tagList)
                .description("marina: one-time bootstrap secret of an instance's agent");
        kmsKeyId.ifPresent(first::keyId);
        try {
            call("PutParameter", () -> client.putParameter(first.build()));
            return;
        } catch (Ec2CallException e) {
            if (!"ParameterAlreadyExists".equals(e.code())) {
                throw e;
            }
        }
        PutParameterRequest.Builder again = PutParameterRequest.builder().name(name).value(value)
                .type(ParameterType.SECURE_STRING).tier(ParameterTier.STANDARD).overwrite(true);
        kmsKeyId.ifPresent(again::keyId);
        call("PutParameter", () -> client.putParameter(again.build()));
        call("AddTagsToResource", () -> client.addTagsToResource(AddTagsToResourceRequest.builder()
                .resourceType(ResourceTypeForTagging.PARAMETER).resourceId(name).tags(tagList).build()));
    }

    @Override
    public boolean delete(String name) {
        try {
            call("DeleteParameter", () -> client.deleteParameter(DeleteParameterRequest.builder().name(name).build()));
            return true;
        } catch (Ec2CallException e) {
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
            throw new Ec2CallException(action, code, message, e.statusCode(), e);
        }
    }
}
