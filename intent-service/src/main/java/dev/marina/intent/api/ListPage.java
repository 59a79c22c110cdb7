package dev.marina.intent.api;

import dev.marina.intent.validation.Violation;
import dev.marina.schemas.topics.DeploymentKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * One page of the deployment list. Deployments are kept sorted by key ({@code tenant/name}), so a tenant's are one
 * contiguous range and a page is a range read from just after the previous page's last key: no sort and no scan of the
 * whole fleet per call, and a page stays correct when deployments come and go between calls (none is shown twice; one
 * created behind the cursor shows on the next listing).
 *
 * <p>The page token is opaque to callers: the last key shown, base64url-encoded with a version prefix. A token that is
 * not one this API gave, or one given for another tenant's listing, is refused rather than read as "from the start".
 */
public final class ListPage {

    /** Page size when the caller names none. */
    public static final int DEFAULT_SIZE = 500;
    /** The largest page: a listing of 10,000 deployments in one answer is tens of megabytes of JSON. */
    public static final int MAX_SIZE = 1000;
    private static final String TOKEN_PREFIX = "after:";

    /** A checked request: tenant ("" for every tenant the caller may see), page size, and the key to start after. */
    public record Request(String tenant, int size, String after) {}

    /** The page's entries, and the token of the next page ("" when this is the last). */
    public record Page<V>(List<V> entries, String nextToken) {}

    private ListPage() {}

    /** Checks the caller's page size and token; throws {@link ApiError} (BAD_REQUEST) naming the field otherwise. */
    public static Request request(String tenant, int pageSize, String pageToken) {
        String t = tenant == null ? "" : tenant;
        List<Violation> violations = new ArrayList<>();
        if (pageSize < 0 || pageSize > MAX_SIZE) {
            violations.add(new Violation("pageSize", "must be between 1 and " + MAX_SIZE + " (0 or none: " + DEFAULT_SIZE + ")"));
        }
        String after = "";
        if (pageToken != null && !pageToken.isEmpty()) {
            after = decode(pageToken);
            if (after == null) {
                violations.add(new Violation("pageToken", "is not a page token this API gave: list again without one"));
            } else if (!t.isEmpty() && !DeploymentKey.parse(after).getTenant().equals(t)) {
                violations.add(new Violation("pageToken", "was given for another listing (tenant): list again without one"));
            }
        }
        if (!violations.isEmpty()) {
            throw ApiError.invalid(ApiError.Kind.BAD_REQUEST, "", violations);
        }
        return new Request(t, pageSize == 0 ? DEFAULT_SIZE : pageSize, after);
    }

    /** The page of {@code sorted} (keyed by deployment key) the request names. */
    public static <V> Page<V> of(NavigableMap<String, V> sorted, Request request) {
        NavigableMap<String, V> range = request.tenant().isEmpty() ? sorted
                // '0' follows '/': every "tenant/…" key and nothing else.
                : sorted.subMap(request.tenant() + "/", true, request.tenant() + "0", false);
        if (!request.after().isEmpty()) {
            range = range.tailMap(request.after(), false);
        }
        List<V> entries = new ArrayList<>(Math.min(request.size(), 64));
        String last = null;
        for (Map.Entry<String, V> e : range.entrySet()) {
            if (entries.size() == request.size()) {
                return new Page<>(entries, token(last));
            }
            entries.add(e.getValue());
            last = e.getKey();
        }
        return new Page<>(entries, "");
    }

    static String token(String lastKey) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((TOKEN_PREFIX + lastKey).getBytes(StandardCharsets.UTF_8));
    }

    /** The key a token starts after, or null when it is not one {@link #token} made. */
    private static String decode(String token) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (!text.startsWith(TOKEN_PREFIX)) {
                return null;
            }
            String key = text.substring(TOKEN_PREFIX.length());
            DeploymentKey.parse(key);
            return key;
        } catch (IllegalArgumentException notOurs) {
            return null;
        }
    }
}
