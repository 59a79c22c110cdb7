package dev.marina.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Where the store is and how to log in: an S3 endpoint (empty: Amazon S3 itself), the region, the bucket,
 * a key prefix every key is put under, path-style addressing, and the access key pair.
 *
 * <p>Read from properties ({@link #fromProperties}, {@link #load}) with these keys:
 *
 * <table>
 *   <caption>settings</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code marina.object-store.endpoint}</td><td>empty</td><td>the S3 endpoint, e.g.
 *       {@code http://127.0.0.1:9000} (s3proxy); empty: Amazon S3 of the region</td></tr>
 *   <tr><td>{@code marina.object-store.region}</td><td>{@code us-east-1}</td><td>the region requests are signed for</td></tr>
 *   <tr><td>{@code marina.object-store.bucket}</td><td>required</td><td>the bucket</td></tr>
 *   <tr><td>{@code marina.object-store.prefix}</td><td>empty</td><td>keys are {@code prefix/key}; no leading or
 *       trailing slash</td></tr>
 *   <tr><td>{@code marina.object-store.path-style}</td><td>{@code true} with an endpoint, else {@code false}</td>
 *       <td>{@code http://host/bucket/key} instead of {@code http://bucket.host/key}</td></tr>
 *   <tr><td>{@code marina.object-store.access-key} / {@code .secret-key}</td><td>required together</td>
 *       <td>the key pair; both empty: the AWS SDK's default credentials (environment, profile, instance role)</td></tr>
 * </table>
 *
 * {@link #toString()} never shows the secret key.
 */
public record ObjectStoreConfig(
        Optional<URI> endpoint,
        String region,
        String bucket,
        String prefix,
        boolean pathStyle,
        String accessKey,
        String secretKey) {

    public static final String KEY_PREFIX = "marina.object-store.";
    public static final String ENDPOINT = KEY_PREFIX + "endpoint";
    public static final String REGION = KEY_PREFIX + "region";
    public static final String BUCKET = KEY_PREFIX + "bucket";
    public static final String PREFIX = KEY_PREFIX + "prefix";
    public static final String PATH_STYLE = KEY_PREFIX + "path-style";
    public static final String ACCESS_KEY = KEY_PREFIX + "access-key";
    public static final String SECRET_KEY = KEY_PREFIX + "secret-key";

    public static final String DEFAULT_REGION = "us-east-1";

    /** S3's bucket naming rules (the ones that matter for a name we choose): 3–63 lower-case letters, digits, dots, hyphens. */
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern REGION_NAME = Pattern.compile("[a-z0-9-]+");

    public ObjectStoreConfig {
        Objects.requireNonNull(endpoint, "endpoint (Optional.empty() for Amazon S3)");
        region = region == null ? "" : region.strip();
        bucket = bucket == null ? "" : bucket.strip();
        prefix = prefix == null ? "" : prefix.strip();
        accessKey = accessKey == null ? "" : accessKey.strip();
        secretKey = secretKey == null ? "" : secretKey.strip();
        List<String> problems = problems(endpoint, region, bucket, prefix, accessKey, secretKey);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid object store settings: " + String.join("; ", problems));
        }
    }

    /** A config for an S3-compatible server at {@code endpoint} (path-style), such as the local s3proxy. */
    public static ObjectStoreConfig of(URI endpoint, String bucket, String prefix, String accessKey, String secretKey) {
        return new ObjectStoreConfig(Optional.of(endpoint), DEFAULT_REGION, bucket, prefix, true, accessKey, secretKey);
    }

    /** The same store under another prefix. */
    public ObjectStoreConfig withPrefix(String newPrefix) {
        return new ObjectStoreConfig(endpoint, region, bucket, newPrefix, pathStyle, accessKey, secretKey);
    }

    /** The endpoint as people read it in messages: the configured one, or Amazon's for the region. */
    public String endpointDescription() {
        return endpoint.map(URI::toString).orElse("https://s3." + region + ".amazonaws.com");
    }

    /** Whether a key pair is given (otherwise the SDK's default credentials are used). */
    public boolean hasStaticCredentials() {
        return !accessKey.isEmpty();
    }

    /** The settings from {@code marina.object-store.*} properties; every problem is named in one exception. */
    public static ObjectStoreConfig fromProperties(Properties p) {
        List<String> problems = new ArrayList<>();
        Optional<URI> endpoint = Optional.empty();
        String endpointText = p.getProperty(ENDPOINT, "").strip();
        if (!endpointText.isEmpty()) {
            try {
                endpoint = Optional.of(new URI(endpointText));
            } catch (URISyntaxException e) {
                problems.add(ENDPOINT + "=" + endpointText + " is not a URI (" + e.getReason() + ")");
            }
        }
        boolean pathStyle = !endpointText.isEmpty();
        String pathStyleText = p.getProperty(PATH_STYLE, "").strip();
        if (!pathStyleText.isEmpty()) {
            if (pathStyleText.equalsIgnoreCase("true") || pathStyleText.equalsIgnoreCase("false")) {
                pathStyle = Boolean.parseBoolean(pathStyleText);
            } else {
                problems.add(PATH_STYLE + "=" + pathStyleText + " is neither true nor false");
            }
        }
        String region = p.getProperty(REGION, DEFAULT_REGION).strip();
        if (region.isEmpty()) {
            region = DEFAULT_REGION;
        }
        String bucket = p.getProperty(BUCKET, "");
        String prefix = p.getProperty(PREFIX, "");
        String accessKey = p.getProperty(ACCESS_KEY, "");
        String secretKey = p.getProperty(SECRET_KEY, "");
        if (problems.isEmpty()) {
            return new ObjectStoreConfig(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey);
        }
        problems.addAll(problems(endpoint, region.strip(), bucket.strip(), prefix.strip(), accessKey.strip(), secretKey.strip()));
        throw new IllegalArgumentException("invalid object store settings: " + String.join("; ", problems));
    }

    /** The settings in a properties file (such as the {@code object-store.properties} the local server writes). */
    public static ObjectStoreConfig load(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no object store settings at " + file + ": the file does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the object store settings in " + file, e);
        }
        try {
            return fromProperties(p);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (in " + file + ")", e);
        }
    }

    /** These settings as properties, the secret key included: for a 0600 file, never for a log. */
    /** Writes these settings to {@code file} (0600, atomically), as {@link #load} reads them. */
    public void writeTo(Path file, String comment) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            toProperties().store(out, comment);
            PrivateFile.write(file, out.toByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write the object store settings " + file, e);
        }
    }

    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty(ENDPOINT, endpoint.map(URI::toString).orElse(""));
        p.setProperty(REGION, region);
        p.setProperty(BUCKET, bucket);
        p.setProperty(PREFIX, prefix);
        p.setProperty(PATH_STYLE, Boolean.toString(pathStyle));
        p.setProperty(ACCESS_KEY, accessKey);
        p.setProperty(SECRET_KEY, secretKey);
        return p;
    }

    @Override
    public String toString() {
        return "ObjectStoreConfig[endpoint=" + endpointDescription() + ", region=" + region + ", bucket=" + bucket
                + ", prefix=" + prefix + ", pathStyle=" + pathStyle + ", accessKey=" + accessKey
                + ", secretKey=" + (secretKey.isEmpty() ? "" : "(hidden)") + "]";
    }

    private static List<String> problems(Optional<URI> endpoint, String region, String bucket, String prefix,
            String accessKey, String secretKey) {
        List<String> problems = new ArrayList<>();
        endpoint.ifPresent(uri -> {
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
                problems.add(ENDPOINT + "=" + uri + " must be an http:// or https:// URL");
            } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
                problems.add(ENDPOINT + "=" + uri + " names no host");
            } else if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
                problems.add(ENDPOINT + "=" + uri + " has a path; give the server's root (the bucket is " + BUCKET + ")");
            } else if (uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
                problems.add(ENDPOINT + "=" + uri + " must not carry a query or user info (keys are " + ACCESS_KEY
                        + " and " + SECRET_KEY + ")");
            }
        });
        if (region.isEmpty()) {
            problems.add(REGION + " is missing");
        } else if (!REGION_NAME.matcher(region).matches()) {
            problems.add(REGION + "=" + region + " is not a region name (such as us-east-1)");
        }
        if (bucket.isEmpty()) {
            problems.add(BUCKET + " is missing");
        } else if (!BUCKET_NAME.matcher(bucket).matches() || bucket.contains("..")) {
            problems.add(BUCKET + "=" + bucket + " is not a bucket name (3 to 63 lower-case letters, digits, dots"
                    + " and hyphens, beginning and ending with a letter or digit)");
        }
        if (prefix.startsWith("/") || prefix.endsWith("/")) {
            problems.add(PREFIX + "=" + prefix + " must not begin or end with /");
        } else if (prefix.contains("//")) {
            problems.add(PREFIX + "=" + prefix + " must not contain an empty segment (//)");
        }
        if (accessKey.isEmpty() != secretKey.isEmpty()) {
            problems.add(accessKey.isEmpty()
                    ? ACCESS_KEY + " is missing while " + SECRET_KEY + " is given (give both, or neither for the SDK's default credentials)"
                    : SECRET_KEY + " is missing while " + ACCESS_KEY + " is given (give both, or neither for the SDK's default credentials)");
        }
        return problems;
    }
}
