package dev.marina.provisioner.ec2;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The user data that starts an instance's agent. User data is readable by anything on the host through the instance
 * metadata service, for the instance's whole life, so it holds <b>names and addresses only</b>: the instance and
 * deployment, the broker's address, the region, from when on the agent reads its commands, and the <em>name</em> of
 * the parameter holding the instance's one-time bootstrap secret. The agent reads that parameter with the instance
 * profile's credentials (nothing to hand over), exchanges the secret for its own credentials, and the platform deletes
 * the parameter once used; the agent's first command comes from {@code agent-commands}, never from here.
 *
 * <p>By construction nothing else can get in: every value is checked against a narrow alphabet, so a value carrying a
 * newline, a quote or a shell character (or a whole secret) is refused rather than written.
 */
public final class UserData {

    /** Replaced by the instance id in the bootstrap parameter's name. */
    public static final String INSTANCE_PLACEHOLDER = "{instance}";

    /** Where the bootstrap settings are written on the host; the image's agent unit reads them. */
    static final String ENV_FILE = "/etc/marina/bootstrap.env";
    /** Where the image mounts the instance's data volume: the agent's instance folder. */
    static final String INSTANCE_DIR = "/var/lib/marina/instance";

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:/,@+=-]{1,512}");

    private UserData() {}

    /** The bootstrap settings, in the order written. */
    public static Map<String, String> settings(String instanceId, String deployment, String brokerAddress, String region,
            Instant commandsSince, String bootstrapParameter) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MARINA_INSTANCE_ID", instanceId);
        env.put("MARINA_DEPLOYMENT", deployment);
        // The names the agent reads (as the local driver sets them): the broker, and its first command's time in epoch millis.
        env.put("KAFKA_BOOTSTRAP_SERVERS", brokerAddress);
        env.put("MARINA_AWS_REGION", region);
        env.put("MARINA_COMMANDS_SINCE", Long.toString(commandsSince.toEpochMilli()));
        // The image mounts the data volume here; the unit adds MARINA_INSTANCE_ADDRESS from the instance metadata.
        env.put("MARINA_INSTANCE_DIR", INSTANCE_DIR);
        env.put("MARINA_BOOTSTRAP_PARAMETER", bootstrapParameter.replace(INSTANCE_PLACEHOLDER, instanceId));
        return env;
    }

    /** The script (cloud-init runs a user data starting with "#!"), plain text. */
    public static String script(Map<String, String> settings) {
        StringBuilder out = new StringBuilder();
        out.append("#!/bin/sh\n");
        out.append("# marina agent bootstrap: names and addresses only, no secret (user data is readable from the\n");
        out.append("# instance metadata). The agent fetches its one-time bootstrap secret from MARINA_BOOTSTRAP_PARAMETER\n");
        out.append("# with the instance profile.\n");
        out.append("set -eu\n");
        out.append("umask 022\n");
        out.append("mkdir -p /etc/marina\n");
        out.append("cat > ").append(ENV_FILE).append(" <<'MARINA_BOOTSTRAP'\n");
        settings.forEach((key, value) -> {
            if (!SAFE.matcher(value).matches()) {
                throw new IllegalArgumentException("user data value of " + key + " is not a plain name or address");
            }
            out.append(key).append('=').append(value).append('\n');
        });
        out.append("MARINA_BOOTSTRAP\n");
        out.append("systemctl enable --now marina-agent.service\n");
        return out.toString();
    }

    /** As RunInstances wants it: base64. */
    public static String encoded(String script) {
        return Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_8));
    }
}
