package dev.marina.intent.api;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The names of changing calls as audit records carry them, and which REST request is which. */
public final class Actions {
    private Actions() {}

    public static final String APPLY = "deployment.apply";
    public static final String DELETE = "deployment.delete";
    public static final String SWITCHOVER = "deployment.switchover";
    public static final String RENEW_CERTIFICATES = "deployment.renew-certificates";
    public static final String BACKUP = "deployment.backup";
    public static final String PAUSE = "deployment.pause";
    public static final String RESUME = "deployment.resume";
    public static final String TOKEN_CREATE = "token.create";
    public static final String TOKEN_REVOKE = "token.revoke";

    /** A changing call: its action, the tenant it concerns and what it names. */
    public record Action(String name, String tenant, String target) {}

    private static final Pattern DEPLOYMENT = Pattern.compile("/v1/deployments/([^/]*)/([^/]*)(/.*)?");
    private static final Pattern TOKEN = Pattern.compile("/v1/tokens/([^/]*)");
    private static final int SHOWN = 64;

    /**
     * The change a REST request asks for, read from its method and path alone (before it is
     * authenticated); empty for a request that changes nothing (GET, HEAD, OPTIONS).
     */
    public static Optional<Action> ofRest(String method, String path) {
        if (method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) {
            return Optional.empty();
        }
        Matcher d = DEPLOYMENT.matcher(path);
        if (d.matches()) {
            String tenant = cut(d.group(1));
            String target = tenant + "/" + cut(d.group(2));
            String rest = d.group(3) == null ? "" : d.group(3);
            String name = switch (method + " " + rest) {
                case "PUT " -> APPLY;
                case "DELETE " -> DELETE;
                case "POST /switchover" -> SWITCHOVER;
                case "POST /certificates/renew" -> RENEW_CERTIFICATES;
                case "POST /backups" -> BACKUP;
                case "POST /pause" -> PAUSE;
                case "POST /resume" -> RESUME;
                default -> method + " " + cut(path);
            };
            return Optional.of(new Action(name, tenant, target));
        }
        if (method.equals("POST") && path.equals("/v1/tokens")) {
            return Optional.of(new Action(TOKEN_CREATE, "", ""));
        }
        Matcher t = TOKEN.matcher(path);
        if (method.equals("DELETE") && t.matches()) {
            return Optional.of(new Action(TOKEN_REVOKE, "", tokenTarget(t.group(1))));
        }
        return Optional.of(new Action(method + " " + cut(path), "", ""));
    }

    /** A token id as an audit record names it: only an id's shape is repeated, never whatever else was sent. */
    public static String tokenTarget(String id) {
        return Tokens.isId(id) || Caller.FILE_ADMIN_ID.equals(id) ? id : "(not a token id)";
    }

    private static String cut(String s) {
        return s.length() <= SHOWN ? s : s.substring(0, SHOWN) + "…";
    }
}
