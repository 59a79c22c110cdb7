package dev.marina.provisioner.local;

import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Picks an instance address: the lowest address of the range that no instance holds. Pure: the
 * caller passes the addresses in use (from the registry) and persists the choice before it is used,
 * so an address is never handed out twice while an instance holds it.
 *
 * <p>Never handed out: addresses ending in .0 or .255 (they look like network and broadcast
 * addresses to tools and people, even inside a larger range) and 127.0.0.1, where the platform's
 * own services listen.
 */
public final class AddressAllocator {

    private static final int LOCALHOST = AddressRange.parseAddress("127.0.0.1");

    private AddressAllocator() {}

    public static Optional<String> lowestFree(AddressRange range, Collection<String> inUse) {
        Set<Integer> taken = new HashSet<>();
        for (String address : inUse) {
            taken.add(AddressRange.parseAddress(address));
        }
        // Walk as unsigned numbers; the range is inside 127/8, so no sign trouble, but stay explicit.
        for (long candidate = Integer.toUnsignedLong(range.first()); candidate <= Integer.toUnsignedLong(range.last()); candidate++) {
            int address = (int) candidate;
            if (isAssignable(address) && !taken.contains(address)) {
                return Optional.of(AddressRange.format(address));
            }
        }
        return Optional.empty();
    }

    static boolean isAssignable(int address) {
        int lastOctet = address & 0xFF;
        return lastOctet != 0 && lastOctet != 255 && address != LOCALHOST;
    }
}
