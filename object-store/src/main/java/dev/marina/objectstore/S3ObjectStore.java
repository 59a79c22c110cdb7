package dev.marina.objectstore;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * {@link ObjectStore} over the S3 API (AWS SDK v2): Amazon S3, or any S3-compatible server such as the
 * local s3proxy; the same code for both.
 *
 * <ul>
 *   <li>Streamed puts are multipart uploads of {@link #DEFAULT_PART_SIZE} parts, up to two of them on their way
 *       while the next is read from the
 *       stream (a stream that ends within the first part is one plain PUT). Any failure — the stream's, the
 *       store's — aborts the upload, so no part and no object is left.</li>
 *   <li>Checksums only where the API requires them: s3proxy refuses the CRC32 headers current SDKs send by
 *       default on multipart uploads.</li>
 *   <li>A control plane's timeouts: connect within {@link #CONNECT_TIMEOUT}, {@link #MAX_ATTEMPTS} tries
 *       per call; an unreachable store is reported in seconds, naming the endpoint.</li>
 * </ul>
 */
public final class S3ObjectStore implements ObjectStore {

    /** Parts of streamed uploads (S3 wants at least 5 MiB for every part but the last). */
    public static final int DEFAULT_PART_SIZE = 8 * 1024 * 1024;
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** No byte from the store for this long fails a request (one part is in flight at a time). */
    public static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
    public static final int MAX_ATTEMPTS = 3;
    private static final int MAX_PARTS = 10_000;

    private final ObjectStoreConfig config;
    private final S3Client s3;
    private final int partSize;
    /** Parts of one put that travel at once; memory per put is (this + 1) × the part size. */
    private static final int PARTS_IN_FLIGHT = 2;
    private final java.util.concurrent.ExecutorService uploads = java.util.concurrent.Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "object-store-upload");
        thread.setDaemon(true);
        return thread;
    });

    public S3ObjectStore(ObjectStoreConfig config) {
        this(config, DEFAULT_PART_SIZE);
    }

    public S3ObjectStore(ObjectStoreConfig config, int partSize) {
        if (partSize < 5 * 1024 * 1024) {
            throw new IllegalArgumentException("part size " + partSize + " is below S3's minimum of 5 MiB");
        }
        this.config = config;
        this.partSize = partSize;
        AwsCredentialsProvider credentials = config.hasStaticCredentials()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey()))
                : DefaultCredentialsProvider.builder().build();
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT)
                        .build())
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(config.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(MAX_ATTEMPTS)));
        config.endpoint().ifPresent(builder::endpointOverride);
        this.s3 = builder.build();
    }

    public ObjectStoreConfig config() {
        return config;
    }

    @Override
    public StoredObjectInfo put(String key, InputStream content) {
        String fullKey = fullKey(key);
        byte[] buffer = new byte[partSize];
        int length = readPart(key, content, buffer, null);
        if (length < partSize) {
            return putBytes(key, fullKey, buffer, length);
        }
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(b -> b.bucket(config.bucket()).key(fullKey)).uploadId();
        } catch (SdkException e) {
            throw failure("put", key, e);
        }
        java.util.ArrayDeque<java.util.concurrent.Future<CompletedPart>> inFlight = new java.util.ArrayDeque<>();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int partNumber = 0;
            while (length > 0) {
                partNumber++;
                if (partNumber > MAX_PARTS) {
                    throw new ObjectStoreException("cannot put " + describe(key) + ": larger than " + MAX_PARTS + " parts of "
                            + partSize + " bytes; the upload was aborted");
                }
                if (inFlight.size() == PARTS_IN_FLIGHT) {
                    parts.add(await(inFlight.removeFirst()));
                }
                inFlight.addLast(uploadPart(fullKey, uploadId, partNumber, buffer, length));
                buffer = new byte[partSize];
                length = readPart(key, content, buffer, uploadId);
            }
            while (!inFlight.isEmpty()) {
                parts.add(await(inFlight.removeFirst()));
            }
            s3.completeMultipartUpload(b -> b.bucket(config.bucket()).key(fullKey).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        } catch (RuntimeException | Error e) {
            // Parts still travelling end first (sent or failed), so the abort below leaves no part behind.
            for (java.util.concurrent.Future<CompletedPart> part : inFlight) {
                try {
                    part.get();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException ignored) {
                    // the failure being reported is the first one
                }
            }
            ObjectStoreException failure = e instanceof ObjectStoreException
                    ? (ObjectStoreException) e
                    : e instanceof SdkException ? failure("put", key, (SdkException) e) : null;
            try {
                s3.abortMultipartUpload(b -> b.bucket(config.bucket()).key(fullKey).uploadId(uploadId));
            } catch (SdkException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            if (failure == null) {
                throw e;
            }
            throw failure;
        }
        return stored(key, fullKey);
    }

    /**
     * Sends one part on the upload threads, so the next part is read (and the stream's producer keeps going) while
     * this one travels: a backup takes about as long as the slower of producing and uploading, not their sum.
     */
    private java.util.concurrent.Future<CompletedPart> uploadPart(String fullKey, String uploadId, int partNumber, byte[] part, int length) {
        return uploads.submit(() -> {
            UploadPartResponse answer = s3.uploadPart(
                    b -> b.bucket(config.bucket()).key(fullKey).uploadId(uploadId).partNumber(partNumber).contentLength((long) length),
                    RequestBody.fromInputStream(new ByteArrayInputStream(part, 0, length), length));
            return CompletedPart.builder().partNumber(partNumber).eTag(answer.eTag()).build();
        });
    }

    private static CompletedPart await(java.util.concurrent.Future<CompletedPart> part) {
        try {
            return part.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ObjectStoreException("interrupted while a part was uploaded", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new ObjectStoreException("a part's upload failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public StoredObjectInfo put(String key, byte[] content) {
        return putBytes(key, fullKey(key), content, content.length);
    }

    private StoredObjectInfo putBytes(String key, String fullKey, byte[] content, int length) {
        try {
            s3.putObject(b -> b.bucket(config.bucket()).key(fullKey).contentLength((long) length),
                    RequestBody.fromInputStream(new ByteArrayInputStream(content, 0, length), length));
        } catch (SdkException e) {
            throw failure("put", key, e);
        }
        return stored(key, fullKey);
    }

    /** Fills {@code buffer} from the stream as far as it goes; a failure of the stream aborts the upload. */
    private int readPart(String key, InputStream content, byte[] buffer, String uploadId) {
        try {
            return content.readNBytes(buffer, 0, buffer.length);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot put " + describe(key) + ": reading the content failed: " + e
                    + (uploadId == null ? "; nothing was stored" : "; the upload was aborted"), e);
        }
    }

    private StoredObjectInfo stored(String key, String fullKey) {
        return headFull(key, fullKey).orElseThrow(() -> new ObjectStoreException("cannot put " + describe(key)
                + ": the object store at " + config.endpointDescription() + " accepted it but does not show it"));
    }

    @Override
    public InputStream get(String key) {
        String fullKey = fullKey(key);
        try {
            return s3.getObject(b -> b.bucket(config.bucket()).key(fullKey));
        } catch (NoSuchKeyException e) {
            throw new ObjectStoreException.NotFound(key);
        } catch (SdkException e) {
            throw failure("get", key, e);
        }
    }

    @Override
    public Optional<StoredObjectInfo> head(String key) {
        return headFull(key, fullKey(key));
    }

    private Optional<StoredObjectInfo> headFull(String key, String fullKey) {
        try {
            HeadObjectResponse answer = s3.headObject(b -> b.bucket(config.bucket()).key(fullKey));
            return Optional.of(new StoredObjectInfo(key, answer.contentLength(), answer.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("head", key, e);
        }
    }

    @Override
    public List<StoredObjectInfo> list(String keyPrefix) {
        String fullPrefix = fullPrefix(keyPrefix);
        List<StoredObjectInfo> found = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(config.bucket()).prefix(fullPrefix)).contents()) {
                found.add(new StoredObjectInfo(relativeKey(object.key()), object.size(), object.lastModified()));
            }
        } catch (SdkException e) {
            throw failure("list", keyPrefix + "*", e);
        }
        return found;
    }

    @Override
    public void delete(String key) {
        String fullKey = fullKey(key);
        try {
            s3.deleteObject(b -> b.bucket(config.bucket()).key(fullKey));
        } catch (NoSuchKeyException e) {
            // Not there: nothing to do.
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    /**
     * Creates the bucket when it does not exist (for a local store; in production the bucket is made, with its
     * policies, by whoever owns the account).
     */
    public void ensureBucket() {
        try {
            s3.headBucket(b -> b.bucket(config.bucket()));
            return;
        } catch (NoSuchBucketException e) {
            // made below
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw failure("check bucket", "", e);
            }
        } catch (SdkException e) {
            throw failure("check bucket", "", e);
        }
        try {
            s3.createBucket(b -> b.bucket(config.bucket()));
        } catch (BucketAlreadyOwnedByYouException e) {
            // made meanwhile by another client
        } catch (SdkException e) {
            throw failure("create bucket", "", e);
        }
    }

    /**
     * Keys (relative to the prefix) with a multipart upload begun and neither completed nor aborted: none should
     * stay after a put returns or fails.
     */
    public List<String> pendingUploads(String keyPrefix) {
        String fullPrefix = fullPrefix(keyPrefix);
        List<String> keys = new ArrayList<>();
        try {
            String keyMarker = null;
            String uploadIdMarker = null;
            while (true) {
                String k = keyMarker;
                String u = uploadIdMarker;
                ListMultipartUploadsResponse page = s3.listMultipartUploads(
                        b -> b.bucket(config.bucket()).prefix(fullPrefix).keyMarker(k).uploadIdMarker(u));
                for (MultipartUpload upload : page.uploads()) {
                    keys.add(relativeKey(upload.key()));
                }
                if (!Boolean.TRUE.equals(page.isTruncated())) {
                    return keys;
                }
                keyMarker = page.nextKeyMarker();
                uploadIdMarker = page.nextUploadIdMarker();
            }
        } catch (SdkException e) {
            throw failure("list uploads of", keyPrefix + "*", e);
        }
    }

    /** The SDK client, for tests that look at what the store holds beyond this interface. */
    S3Client client() {
        return s3;
    }

    @Override
    public void close() {
        uploads.shutdownNow();
        s3.close();
    }

    @Override
    public String toString() {
        return "S3ObjectStore[" + config + "]";
    }

    // ------------------------------------------------------------------ keys and errors

    String fullKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("an object key must not be empty");
        }
        if (key.startsWith("/")) {
            throw new IllegalArgumentException("object key " + key + " must not begin with /");
        }
        return config.prefix().isEmpty() ? key : config.prefix() + "/" + key;
    }

    private String fullPrefix(String keyPrefix) {
        String p = keyPrefix == null ? "" : keyPrefix;
        return config.prefix().isEmpty() ? p : config.prefix() + "/" + p;
    }

    private String relativeKey(String fullKey) {
        return config.prefix().isEmpty() ? fullKey : fullKey.substring(config.prefix().length() + 1);
    }

    private String describe(String key) {
        String where = key.isEmpty() ? "" : "/" + (config.prefix().isEmpty() ? key : config.prefix() + "/" + key);
        return key.isEmpty() ? "s3://" + config.bucket() : key + " (s3://" + config.bucket() + where + ")";
    }

    private ObjectStoreException failure(String action, String key, SdkException e) {
        String what = "cannot " + action + " " + describe(key) + ": ";
        if (e instanceof AwsServiceException) {
            AwsServiceException refused = (AwsServiceException) e;
            String code = refused.awsErrorDetails() == null ? null : refused.awsErrorDetails().errorCode();
            String message = refused.awsErrorDetails() == null ? null : refused.awsErrorDetails().errorMessage();
            return new ObjectStoreException(what + "the object store at " + config.endpointDescription() + " answered HTTP "
                    + refused.statusCode() + (code == null ? "" : " " + code) + (message == null ? "" : ": " + message), e);
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String cause = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (root instanceof ConnectException || root instanceof UnknownHostException || root instanceof NoRouteToHostException
                || root instanceof SocketTimeoutException || root instanceof IOException) {
            return new ObjectStoreException(what + "object store at " + config.endpointDescription() + " unreachable: " + cause, e);
        }
        return new ObjectStoreException(what + "object store at " + config.endpointDescription() + ": " + cause, e);
    }
}
