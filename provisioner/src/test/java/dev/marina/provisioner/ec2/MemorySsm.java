package dev.marina.provisioner.ec2;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Parameters in memory, for the driver tests about EC2 alone. */
public final class MemorySsm implements SsmApi {

    private final Map<String, String> parameters = new TreeMap<>();

    @Override
    public synchronized void putSecure(String name, String value, Optional<String> kmsKeyId, Map<String, String> tags) {
        parameters.put(name, value);
    }

    @Override
    public synchronized boolean delete(String name) {
        return parameters.remove(name) != null;
    }

    public synchronized Map<String, String> parameters() {
        return Map.copyOf(parameters);
    }

    @Override
    public void close() {}
}
