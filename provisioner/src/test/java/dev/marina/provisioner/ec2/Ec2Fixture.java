package dev.marina.provisioner.ec2;

import dev.marina.provisioner.driver.CreateRequest;
import dev.marina.schemas.v1.Size;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The settings the recorded exchanges were written for, and a driver on the real SDK pointed at a {@link FakeEc2}. */
public final class Ec2Fixture {

    public static final String OWNER = "marina-test";
    public static final List<String> SUBNETS = List.of("subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829",
            "subnet-0c3d4e5f60718293a");
    public static final String BROKER = "kafka.marina.internal:9093";
    public static final Instant COMMANDS_SINCE = Instant.parse("2026-12-03T07:59:58Z");

    private Ec2Fixture() {}

    public static Ec2Settings settings(FakeEc2 fake, Ec2Settings.AddressKind addressKind, double rateLimit) {
        return new Ec2Settings("eu-west-1", Optional.of(fake.endpoint()), SUBNETS, List.of("sg-0123456789abcdef0"),
                Optional.of("marina-instance"),
                Map.of(Size.SIZE_SMALL, "t3.medium", Size.SIZE_MEDIUM, "r6i.large", Size.SIZE_LARGE, "r6i.2xlarge"),
                Map.of("default", "ami-0abcdef1234567890", "10.11.19", "ami-0123456789abcdef0"), "gp3",
                Map.of(Size.SIZE_SMALL, 20, Size.SIZE_MEDIUM, 100, Size.SIZE_LARGE, 500), "/dev/sdf", true, true, OWNER,
                addressKind, Duration.ofSeconds(30), rateLimit, 3, Duration.ofMillis(500), Duration.ofSeconds(2), 5, BROKER,
                "/marina/bootstrap/{instance}", Duration.ofMinutes(15), Optional.empty());
    }

    public static Ec2Settings settings(FakeEc2 fake) {
        return settings(fake, Ec2Settings.AddressKind.PRIVATE, 1000);
    }

    public static SdkEc2Api api(FakeEc2 fake) {
        return new SdkEc2Api("eu-west-1", Optional.of(fake.endpoint()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(FakeEc2.ACCESS_KEY, FakeEc2.SECRET_KEY)));
    }

    /** When the tests' creates happen (the recorded instances launched at 08:00). */
    public static final Instant NOW = Instant.parse("2026-12-03T08:00:05Z");

    public static Ec2Driver driver(FakeEc2 fake, Ec2Settings settings, TimeSource time) {
        return new Ec2Driver(settings, api(fake), new MemorySsm(), new TestSecrets(), time, new MovableClock(NOW));
    }

    public static SdkSsmApi ssm(FakeSsm fake) {
        return new SdkSsmApi("eu-west-1", Optional.of(fake.endpoint()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(FakeEc2.ACCESS_KEY, FakeEc2.SECRET_KEY)));
    }

    public static CreateRequest create(String instanceId, String deployment, Size size, String attempt) {
        return new CreateRequest(instanceId, deployment, size, COMMANDS_SINCE, Optional.empty(), Optional.empty(), attempt);
    }
}
