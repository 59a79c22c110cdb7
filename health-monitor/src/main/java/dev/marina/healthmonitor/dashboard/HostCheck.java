package dev.marina.healthmonitor.dashboard;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which {@code Host} headers health-monitor answers, against DNS rebinding: a page from a name the
 * attacker controls, re-pointed at this machine, sends that name as its {@code Host}. So a request is
 * served only when its {@code Host} is an address (an IP literal cannot be re-pointed), {@code localhost},
 * or one of the names configured in {@code marina.dashboard.hosts}. Pure; the port does not matter.
 */
public final class HostCheck {
    private HostCheck() {}

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+(%[A-Za-z0-9]+)?\\]");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");

    /** Whether a request with this {@code Host} header is answered; {@code names} are lower case. */
    public static boolean accepts(String hostHeader, Set<String> names) {
        if (hostHeader == null || hostHeader.isBlank()) {
            return false;
        }
        String host = withoutPort(hostHeader.trim().toLowerCase(Locale.ROOT));
        if (host == null) {
            return false;
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        return IPV4.matcher(host).matches() && validV4(host)
                || IPV6.matcher(host).matches()
                || host.equals("localhost") || host.endsWith(".localhost")
                || names.contains(host);
    }

    /** Whether the address the server listens on is loopback only (then no token is needed). */
    public static boolean loopback(String boundHost) {
        if (boundHost == null || boundHost.isBlank()) {
            return false;
        }
        String host = boundHost.trim();
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!IPV4.matcher(host).matches() && !host.contains(":")) {
            return false; // a name: whatever it resolves to is not known to be loopback forever
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String withoutPort(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0) {
                return null;
            }
            String rest = host.substring(end + 1);
            if (!rest.isEmpty() && !(rest.startsWith(":") && PORT.matcher(rest.substring(1)).matches())) {
                return null;
            }
            return host.substring(0, end + 1);
        }
        int colon = host.indexOf(':');
        if (colon < 0) {
            return host;
        }
        if (host.indexOf(':', colon + 1) >= 0 || !PORT.matcher(host.substring(colon + 1)).matches()) {
            return null;
        }
        return host.substring(0, colon);
    }

    private static boolean validV4(String host) {
        for (String part : host.split("\\.")) {
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }
}
