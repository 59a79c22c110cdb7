package dev.marina.provisioner.ec2;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ClientBuilder;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.EbsBlockDevice;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.IamInstanceProfileSpecification;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.RunInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesRequest;

/**
 * {@link Ec2Api} on aws-sdk-java-v2's EC2 client (Query protocol, API version 2016-11-15), over the JDK's
 * URL-connection HTTP client. The SDK's own retries are off: throttling and capacity errors are the driver's decisions
 * ({@link Backoff}, {@link SubnetOrder}), so every error reaches it once, as an {@link Ec2CallException}.
 */
public final class SdkEc2Api implements Ec2Api {

    private final Ec2Client client;

    public SdkEc2Api(String region, Optional<URI> endpoint, AwsCredentialsProvider credentials) {
        Ec2ClientBuilder builder = Ec2Client.builder()
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
    public Host run(Launch launch) {
        List<Tag> tags = launch.tags().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build()).toList();
        RunInstancesRequest.Builder request = RunInstancesRequest.builder()
                .clientToken(launch.clientToken())
                .imageId(launch.imageId())
                .instanceType(launch.instanceType())
                .minCount(1)
                .maxCount(1)
                .subnetId(launch.subnetId())
                .userData(launch.userDataBase64())
                .blockDeviceMappings(BlockDeviceMapping.builder()
                        .deviceName(launch.volumeDevice())
                        .ebs(EbsBlockDevice.builder()
                                .volumeType(launch.volumeType())
                                .volumeSize(launch.volumeGib())
                                .encrypted(launch.encrypted())
                                .deleteOnTermination(launch.deleteOnTermination())
                                .build())
                        .build())
                .tagSpecifications(
                        TagSpecification.builder().resourceType(ResourceType.INSTANCE).tags(tags).build(),
                        TagSpecification.builder().resourceType(ResourceType.VOLUME).tags(tags).build());
        if (!launch.securityGroups().isEmpty()) {
            request.securityGroupIds(launch.securityGroups());
        }
        launch.instanceProfile().ifPresent(name -> request.iamInstanceProfile(
                IamInstanceProfileSpecification.builder().name(name).build()));
        RunInstancesResponse response = call("RunInstances", () -> client.runInstances(request.build()));
        if (response.instances().size() != 1) {
            throw new Ec2CallException("RunInstances", "UnexpectedAnswer",
                    "launched " + response.instances().size() + " instances, expected 1", 200, null);
        }
        return host(response.instances().get(0));
    }

    @Override
    public List<Host> describe(Map<String, List<String>> filters, int pageSize) {
        DescribeInstancesRequest request = DescribeInstancesRequest.builder()
                .filters(filters.entrySet().stream()
                        .map(f -> Filter.builder().name(f.getKey()).values(f.getValue()).build()).toList())
                .maxResults(pageSize)
                .build();
        return call("DescribeInstances", () -> {
            List<Host> hosts = new ArrayList<>();
            client.describeInstancesPaginator(request).reservations()
                    .forEach(reservation -> reservation.instances().forEach(i -> hosts.add(host(i))));
            return hosts;
        });
    }

    @Override
    public void terminate(List<String> ec2Ids) {
        call("TerminateInstances", () -> client.terminateInstances(
                TerminateInstancesRequest.builder().instanceIds(ec2Ids).build()));
    }

    @Override
    public void close() {
        client.close();
    }

    private static Host host(Instance instance) {
        Map<String, String> tags = new java.util.LinkedHashMap<>();
        instance.tags().forEach(t -> tags.put(t.key(), t.value()));
        return new Host(instance.instanceId(), instance.state() == null ? "" : instance.state().nameAsString(),
                Optional.ofNullable(instance.privateIpAddress()).filter(a -> !a.isEmpty()),
                Optional.ofNullable(instance.publicIpAddress()).filter(a -> !a.isEmpty()),
                instance.launchTime() == null ? java.time.Instant.EPOCH : instance.launchTime(),
                instance.subnetId() == null ? "" : instance.subnetId(), tags);
    }

    private static <T> T call(String action, java.util.function.Supplier<T> call) {
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
