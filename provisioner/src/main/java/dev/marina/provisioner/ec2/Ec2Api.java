package dev.marina.provisioner.ec2;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The narrow seam between the {@code ec2} driver's decisions and EC2: three calls, in the driver's own terms.
 * {@link SdkEc2Api} is the one implementation (aws-sdk-java-v2); an error answer is an {@link Ec2CallException}.
 */
public interface Ec2Api extends AutoCloseable {

    /** One RunInstances of one instance. */
    record Launch(String clientToken, String imageId, String instanceType, String subnetId, List<String> securityGroups,
            Optional<String> instanceProfile, String volumeDevice, String volumeType, int volumeGib, boolean encrypted,
            boolean deleteOnTermination, Map<String, String> tags, String userDataBase64) {
        public Launch {
            securityGroups = List.copyOf(securityGroups);
            tags = Map.copyOf(tags);
        }
    }

    /** An EC2 instance as the driver needs it. */
    record Host(String ec2Id, String state, Optional<String> privateIp, Optional<String> publicIp, Instant launchedAt,
            String subnetId, Map<String, String> tags) {
        public Host {
            tags = Map.copyOf(tags);
        }
    }

    /** RunInstances (MinCount = MaxCount = 1); the instance as launched. */
    Host run(Launch launch);

    /**
     * DescribeInstances with these filters (name → values), every page; the instances of every reservation, in the
     * order EC2 answered.
     */
    List<Host> describe(Map<String, List<String>> filters, int pageSize);

    /** TerminateInstances of these EC2 ids. */
    void terminate(List<String> ec2Ids);

    @Override
    void close();
}
