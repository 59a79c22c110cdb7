package dev.marina.agent.database;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * MariaDB's {@code server_id} of an instance: its IPv4 address read as an unsigned 32-bit number.
 * Addresses are unique among live instances, so server ids are too, which GTID replication needs;
 * and the id says where a GTID's transaction was written ({@code 0-<server id>-<seq>}).
 */
public final class ServerId {
    private ServerId() {}

    public static long fromAddress(String address) {
        InetAddress parsed;
        try {
            // An IP literal: parsed, never looked up.
            parsed = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + address, e);
        }
        if (!(parsed instanceof Inet4Address) || !address.equals(parsed.getHostAddress())) {
            throw new IllegalArgumentException("the instance address must be an IPv4 literal, got " + address);
        }
        byte[] b = parsed.getAddress();
        long id = ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8) | (b[3] & 0xFFL);
        if (id == 0) {
            throw new IllegalArgumentException("0.0.0.0 is not an instance address");
        }
        return id;
    }
}
