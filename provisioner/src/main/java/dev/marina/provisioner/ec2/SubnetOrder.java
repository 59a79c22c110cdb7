package dev.marina.provisioner.ec2;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which subnets a create tries, in order. Pure. An instance id ends in its number ("acme-orders-2"); instance n starts
 * at subnet n mod count, so a deployment's instances spread over the configured subnets (zones), and on
 * InsufficientInstanceCapacity the next subnet is tried, wrapping, each once. An id without a number starts at the
 * first subnet.
 */
public final class SubnetOrder {

    private static final Pattern TRAILING_NUMBER = Pattern.compile("(\\d+)$");

    private SubnetOrder() {}

    public static List<String> forInstance(List<String> subnets, String instanceId) {
        if (subnets.isEmpty()) {
            return List.of();
        }
        Matcher number = TRAILING_NUMBER.matcher(instanceId);
        int start = 0;
        if (number.find()) {
            String digits = number.group(1);
            // The last 9 digits are plenty to spread, and never overflow.
            start = Integer.parseInt(digits.substring(Math.max(0, digits.length() - 9))) % subnets.size();
        }
        List<String> order = new ArrayList<>(subnets.size());
        for (int i = 0; i < subnets.size(); i++) {
            order.add(subnets.get((start + i) % subnets.size()));
        }
        return List.copyOf(order);
    }
}
