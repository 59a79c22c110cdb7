package dev.marina.provisioner.local;

/**
 * An IPv4 range in CIDR notation ({@code 127.10.0.0/16}) inside the loopback block 127.0.0.0/8,
 * which Linux routes to the machine itself, so every instance can listen on its own address.
 */
public record AddressRange(int network, int prefixLength) {

    private static final int LOOPBACK_NETWORK = 127 << 24;

    public AddressRange {
        if (prefixLength < 8 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be 8..32 inside 127.0.0.0/8, got /" + prefixLength);
        }
        if ((network & 0xFF000000) != LOOPBACK_NETWORK) {
            throw new IllegalArgumentException("the local driver needs a loopback range inside 127.0.0.0/8, got "
                    + AddressRange.format(network) + "/" + prefixLength);
        }
        network = network & mask(prefixLength);
    }

    /** Parses {@code a.b.c.d/n}; throws {@link IllegalArgumentException} naming the text when it is not one. */
    public static AddressRange parse(String cidr) {
        String[] parts = cidr == null ? new String[0] : cidr.trim().split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("address range must look like 127.10.0.0/16, got \"" + cidr + "\"");
        }
        try {
            return new AddressRange(parseAddress(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address range must look like 127.10.0.0/16, got \"" + cidr + "\"", e);
        }
    }

    /** The first address of the range, as an unsigned number in an int. */
    public int first() {
        return network;
    }

    /** The last address of the range. */
    public int last() {
        return network | ~mask(prefixLength);
    }

    public boolean contains(int address) {
        return (address & mask(prefixLength)) == network;
    }

    public static int parseAddress(String dotted) {
        String[] octets = dotted.trim().split("\\.");
        if (octets.length != 4) {
            throw new NumberFormatException("not an IPv4 address: " + dotted);
        }
        int address = 0;
        for (String octet : octets) {
            int value = Integer.parseInt(octet);
            if (value < 0 || value > 255) {
                throw new NumberFormatException("not an IPv4 address: " + dotted);
            }
            address = (address << 8) | value;
        }
        return address;
    }

    public static String format(int address) {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }

    @Override
    public String toString() {
        return format(network) + "/" + prefixLength;
    }

    private static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }
}
