package dev.marina.provisioner.ec2;

import dev.marina.provisioner.ProvisionerConfig;
import dev.marina.schemas.v1.Size;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code ec2} driver's settings, checked once: a driver that starts has every size's instance type and volume size,
 * at least one subnet and an image to launch. See {@link ProvisionerConfig.Ec2} for each key.
 */
public record Ec2Settings(String region, Optional<URI> endpoint, List<String> subnets, List<String> securityGroups,
        Optional<String> instanceProfile, Map<Size, String> instanceTypes, Map<String, String> images, String volumeType,
        Map<Size, Integer> volumeSizes, String volumeDevice, boolean encrypted, boolean deleteOnTermination, String owner,
        AddressKind addressKind, Duration addressWait, double rateLimit, int throttleRetries, Duration throttleBackoff,
        Duration throttleBackoffMax, int pageSize, String brokerAddress, String bootstrapParameter,
        Duration bootstrapTtl, Optional<String> bootstrapKmsKey) {

    /** Which of an instance's addresses names point at. */
    public enum AddressKind { PRIVATE, PUBLIC }

    /** The image key serving every version without an image of its own. */
    public static final String DEFAULT_IMAGE = "default";

    public static final List<Size> SIZES = List.of(Size.SIZE_SMALL, Size.SIZE_MEDIUM, Size.SIZE_LARGE);

    public Ec2Settings {
        Objects.requireNonNull(region, "region");
        subnets = List.copyOf(subnets);
        securityGroups = List.copyOf(securityGroups);
        instanceTypes = Map.copyOf(instanceTypes);
        images = Map.copyOf(images);
        volumeSizes = Map.copyOf(volumeSizes);
        if (subnets.isEmpty()) {
            throw new IllegalArgumentException("marina.provisioner.ec2.subnets: at least one subnet is needed");
        }
        for (Size size : SIZES) {
            if (!instanceTypes.containsKey(size)) {
                throw new IllegalArgumentException("marina.provisioner.ec2.instance-types." + sizeKey(size) + " is missing");
            }
            if (!volumeSizes.containsKey(size) || volumeSizes.get(size) < 1) {
                throw new IllegalArgumentException("marina.provisioner.ec2.volume-sizes." + sizeKey(size)
                        + " is missing (GiB, at least 1)");
            }
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException("marina.provisioner.ec2.images: at least one image (AMI id) is needed");
        }
        if (owner.isBlank()) {
            throw new IllegalArgumentException("marina.provisioner.ec2.owner must not be blank");
        }
        if (rateLimit <= 0 || throttleRetries < 0 || pageSize < 5 || pageSize > 1000) {
            throw new IllegalArgumentException("marina.provisioner.ec2: rate-limit must be positive, throttle-retries at"
                    + " least 0, page-size 5 to 1000");
        }
        if (!bootstrapParameter.contains(UserData.INSTANCE_PLACEHOLDER)) {
            throw new IllegalArgumentException("marina.provisioner.ec2.bootstrap-parameter must contain "
                    + UserData.INSTANCE_PLACEHOLDER + " (one parameter per instance)");
        }
        if (!bootstrapParameter.startsWith("/")) {
            throw new IllegalArgumentException("marina.provisioner.ec2.bootstrap-parameter must be a path (start with /),"
                    + " so that IAM policies can name it");
        }
        if (bootstrapTtl == null || bootstrapTtl.isNegative() || bootstrapTtl.isZero()) {
            throw new IllegalArgumentException("marina.provisioner.ec2.bootstrap-ttl must be positive");
        }
        bootstrapKmsKey = bootstrapKmsKey.filter(k -> !k.isBlank());
    }

    /** The name of an instance's bootstrap parameter. */
    public String bootstrapParameter(String instanceId) {
        return bootstrapParameter.replace(UserData.INSTANCE_PLACEHOLDER, instanceId);
    }

    /** From the service's configuration; {@code providerBroker} serves when no broker address is set for agents. */
    public static Ec2Settings from(ProvisionerConfig.Ec2 config, String providerBroker) {
        Map<Size, String> types = new EnumMap<>(Size.class);
        Map<Size, Integer> volumes = new EnumMap<>(Size.class);
        for (Size size : SIZES) {
            Optional.ofNullable(config.instanceTypes().get(sizeKey(size))).ifPresent(t -> types.put(size, t));
            Optional.ofNullable(config.volumeSizes().get(sizeKey(size))).ifPresent(v -> volumes.put(size, v));
        }
        return new Ec2Settings(config.region(), config.endpoint(), config.subnets().orElse(List.of()),
                config.securityGroups().orElse(List.of()), config.instanceProfile(), types, config.images(),
                config.volumeType(), volumes, config.volumeDevice(), config.encrypted(), config.deleteOnTermination(),
                config.owner(), parseAddressKind(config.addressKind()), config.addressWait(), config.rateLimit(),
                config.throttleRetries(), config.throttleBackoff(), config.throttleBackoffMax(), config.pageSize(),
                config.brokerAddress().orElse(providerBroker), config.bootstrapParameter(), config.bootstrapTtl(),
                config.bootstrapKmsKey());
    }

    static AddressKind parseAddressKind(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "private":
                return AddressKind.PRIVATE;
            case "public":
                return AddressKind.PUBLIC;
            default:
                throw new IllegalArgumentException("marina.provisioner.ec2.address-kind must be private or public, not \""
                        + text + "\"");
        }
    }

    /** "small", "medium", "large": the key of a size in the per-size maps. */
    public static String sizeKey(Size size) {
        return size.name().substring("SIZE_".length()).toLowerCase(Locale.ROOT);
    }

    /** The instance type of a size; an unspecified size is small. */
    String instanceType(Size size) {
        return instanceTypes.get(known(size));
    }

    int volumeSize(Size size) {
        return volumeSizes.get(known(size));
    }

    /** The image of an engine version: its own, else {@code default}; empty when neither is configured. */
    Optional<String> image(Optional<String> engineVersion) {
        return engineVersion.map(images::get).or(() -> Optional.ofNullable(images.get(DEFAULT_IMAGE)));
    }

    private static Size known(Size size) {
        return SIZES.contains(size) ? size : Size.SIZE_SMALL;
    }
}
