package dev.marina.agent.tls;

import dev.marina.agent.InstanceFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The server's TLS files in the instance folder, and the only code that writes them.
 *
 * <pre>
 * tls/                       0700
 *   requests/R.key, R.csr    the key made for request R (0600; never leaves the instance) and its CSR
 *   sets/&lt;name&gt;/              one complete set: server-cert.pem (chain), server-key.pem, ca-bundle.pem,
 *                              agent-trust.p12 (what the agent's own connections trust)
 *   live -&gt; sets/&lt;name&gt;       what my.cnf names (ssl_cert=tls/live/server-cert.pem, …)
 * </pre>
 *
 * A new certificate is written as a whole new set and made live by renaming one symlink over
 * {@code live}: the server can never read a certificate with the key of another (a crash between two
 * file renames would leave such a pair, and a server that cannot load its pair does not start). Until
 * the first certificate is installed the live set is {@value #BOOTSTRAP}: a self-signed certificate made
 * here, so the server starts TLS-capable (see {@link #ensureLive}).
 */
public final class ServerTls {

    private static final Logger LOG = Logger.getLogger(ServerTls.class);

    public static final String BOOTSTRAP = "bootstrap";
    /** The agent's trust store holds only public certificates; PKCS#12 wants a password all the same. */
    public static final String TRUST_STORE_PASSWORD = "marina-public-certificates";
    public static final Duration BOOTSTRAP_VALIDITY = Duration.ofDays(3650);

    /** Request ids become file names: a letter or digit, then letters, digits, '.', '_', '-'; at most 128. */
    public static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final InstanceFiles files;

    public ServerTls(InstanceFiles files) {
        this.files = files;
    }

    /**
     * Makes sure {@code tls/live} names a complete set, making the bootstrap set when there is none. Measured
     * on MariaDB 10.11: a server started without {@code ssl_cert}/{@code ssl_key} has {@code have_ssl=DISABLED},
     * {@code FLUSH SSL} does not enable TLS on it, and {@code SET GLOBAL ssl_cert} is refused (read-only); a server
     * whose {@code ssl_cert} file is missing aborts at start. So my.cnf always names the live files, and they
     * must exist before the first start: a throwaway self-signed certificate, replaced by {@code FLUSH SSL}.
     */
    public void ensureLive(Instant now) {
        if (complete(files.tlsLive())) {
            return;
        }
        if (Files.isSymbolicLink(files.tlsLive())) {
            LOG.warnf("live TLS set incomplete, falling back to a bootstrap certificate link=%s", files.tlsLive());
        }
        KeyPair keys = CertificateRequest.newKeyPair();
        X509Certificate self = CertificateRequest.selfSigned(keys, "marina bootstrap " + files.dir().getFileName(), now, BOOTSTRAP_VALIDITY);
        writeSet(BOOTSTRAP, List.of(self), Pem.privateKey(keys.getPrivate()), List.of(self), List.of(self));
        link(BOOTSTRAP);
    }

    /**
     * The CSR for request {@code requestId}: made with a fresh key the first time, the same one when asked
     * again (the key is never replaced). Refused when the request was made before for other names.
     */
    public String csr(String requestId, List<String> dnsNames) {
        checkRequestId(requestId);
        Path key = requestKey(requestId);
        Path csr = requestCsr(requestId);
        if (Files.exists(key) && Files.exists(csr)) {
            String existing = read(csr);
            List<String> names = CertificateRequest.parse(existing).dnsNames();
            if (!names.equals(dnsNames)) {
                throw TlsRefusal.wrongState("request " + requestId + " was made for other names: " + String.join(", ", names));
            }
            return existing;
        }
        privateFolder(files.tlsRequests());
        KeyPair keys = CertificateRequest.newKeyPair();
        // Key first: a CSR on disk always has its key beside it.
        InstanceFiles.writePrivately(key, Pem.privateKey(keys.getPrivate()));
        String pem = CertificateRequest.csr(keys, dnsNames);
        InstanceFiles.writePrivately(csr, pem);
        return pem;
    }

    /** A chain checked against its request and ready to be made live. */
    public record Installation(String requestId, List<X509Certificate> chain, String keyPem, List<X509Certificate> caBundle) {
        /** The leaf's serial as lowercase hex ({@code BigInteger.toString(16)}). */
        public String serial() {
            return chain.get(0).getSerialNumber().toString(16);
        }

        /** Unique per content: the same request and serial with other intermediates is another set. */
        String setName() {
            try {
                byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
                        Pem.certificates(chain).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return requestId + "." + serial() + "." + java.util.HexFormat.of().formatHex(digest, 0, 4);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Parses and checks a chain for {@code requestId}; changes nothing. Throws {@link TlsRefusal} with the reason. */
    public Installation check(String requestId, String chainPem, String caBundlePem, Instant now) {
        checkRequestId(requestId);
        if (!Files.exists(requestKey(requestId)) || !Files.exists(requestCsr(requestId))) {
            throw TlsRefusal.wrongState("no key for request " + requestId
                    + " on this instance (never made here, or replaced by a later certificate)");
        }
        List<X509Certificate> chain = parse(chainPem, "certificate chain");
        List<X509Certificate> cas = parse(caBundlePem, "CA bundle");
        CertificateRequest.Parsed request = CertificateRequest.parse(read(requestCsr(requestId)));
        Optional<String> problem = ChainCheck.problem(chain, request.publicKey(), request.dnsNames(), cas, now);
        if (problem.isPresent()) {
            throw new TlsRefusal(problem.get());
        }
        return new Installation(requestId, chain, read(requestKey(requestId)), cas);
    }

    /** True when exactly this chain for this request is live already. */
    public boolean isLive(Installation installation) {
        return liveSet().filter(installation.setName()::equals).isPresent()
                && read(files.serverCert()).equals(Pem.certificates(installation.chain()));
    }

    /**
     * Writes the installation as a new set and makes it live. The CA bundle is the new CAs merged with
     * those trusted before (not the bootstrap certificate: nobody else trusts it). Returns the set that
     * was live before, for {@link #relink} when the server does not take the new one.
     */
    public String makeLive(Installation installation, Instant now) {
        String previous = liveSet().orElse(BOOTSTRAP);
        if (previous.equals(installation.setName()) && complete(files.tlsLive())) {
            return previous; // live already (a crash before the state was saved): a live set is never rewritten
        }
        boolean fromBootstrap = previous.equals(BOOTSTRAP) || !complete(files.tlsLive());
        List<X509Certificate> trustedBefore = fromBootstrap ? List.of() : Pem.certificates(read(files.caBundle()));
        List<X509Certificate> bundle = CaBundle.merge(trustedBefore, installation.caBundle(), now);
        // The agent's own connections must still verify the certificate served until the reload.
        List<X509Certificate> agentTrust = new ArrayList<>(bundle);
        if (fromBootstrap && complete(files.tlsLive())) {
            agentTrust.addAll(Pem.certificates(read(files.serverCert())));
        }
        writeSet(installation.setName(), installation.chain(), installation.keyPem(), bundle, agentTrust);
        link(installation.setName());
        return previous;
    }

    /** Points {@code live} at a set again (used to undo {@link #makeLive}). */
    public void relink(String set) {
        link(set);
    }

    /**
     * After {@code requestId} was installed: removes every other set and the requests made before it
     * (their keys can no longer be installed); requests made after it (a renewal under way) stay.
     */
    public void removeUnneeded(String requestId) {
        String live = liveSet().orElseThrow();
        try {
            try (Stream<Path> sets = Files.list(files.tlsSets())) {
                for (Path set : sets.toList()) {
                    if (!set.getFileName().toString().equals(live)) {
                        deleteTree(set);
                    }
                }
            }
            FileTime installed = Files.getLastModifiedTime(requestKey(requestId));
            try (Stream<Path> requests = Files.list(files.tlsRequests())) {
                for (Path file : requests.toList()) {
                    String name = file.getFileName().toString();
                    String id = name.replaceFirst("\\.(key|csr)$", "");
                    if (!id.equals(requestId) && Files.getLastModifiedTime(file).compareTo(installed) <= 0) {
                        Files.deleteIfExists(file);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot remove old TLS files dir=%s reason=%s", files.tls(), e.getMessage());
        }
    }

    /** The name of the live set, when there is one. */
    public Optional<String> liveSet() {
        try {
            return Files.isSymbolicLink(files.tlsLive())
                    ? Optional.of(Files.readSymbolicLink(files.tlsLive()).getFileName().toString())
                    : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + files.tlsLive(), e);
        }
    }

    /** The certificate the live set holds (leaf), when there is one. */
    public Optional<X509Certificate> liveLeaf() {
        return complete(files.tlsLive()) ? Pem.certificates(read(files.serverCert())).stream().findFirst() : Optional.empty();
    }

    public Path requestKey(String requestId) {
        return files.tlsRequests().resolve(requestId + ".key");
    }

    public Path requestCsr(String requestId) {
        return files.tlsRequests().resolve(requestId + ".csr");
    }

    private static void checkRequestId(String requestId) {
        if (!REQUEST_ID.matcher(requestId).matches()) {
            throw new TlsRefusal("certificate request id \"" + requestId + "\" is not a safe file name");
        }
    }

    private static List<X509Certificate> parse(String pem, String what) {
        try {
            List<X509Certificate> certificates = Pem.certificates(pem);
            if (certificates.isEmpty()) {
                throw new TlsRefusal("the " + what + " holds no certificate");
            }
            return certificates;
        } catch (IllegalArgumentException e) {
            throw new TlsRefusal("the " + what + " does not parse: " + e.getMessage());
        }
    }

    private boolean complete(Path set) {
        return Stream.of(InstanceFiles.SERVER_CERT, InstanceFiles.SERVER_KEY, InstanceFiles.CA_BUNDLE, InstanceFiles.AGENT_TRUST)
                .allMatch(name -> Files.isRegularFile(set.resolve(name)));
    }

    private void writeSet(String name, List<X509Certificate> chain, String keyPem, List<X509Certificate> bundle,
            List<X509Certificate> agentTrust) {
        Path target = files.tlsSets().resolve(name);
        Path temp = files.tlsSets().resolve(".new-" + UUID.randomUUID());
        try {
            privateFolder(files.tlsSets());
            privateFolder(temp);
            InstanceFiles.writePrivately(temp.resolve(InstanceFiles.SERVER_CERT), Pem.certificates(chain));
            InstanceFiles.writePrivately(temp.resolve(InstanceFiles.SERVER_KEY), keyPem);
            InstanceFiles.writePrivately(temp.resolve(InstanceFiles.CA_BUNDLE), Pem.certificates(bundle));
            writeTrustStore(temp.resolve(InstanceFiles.AGENT_TRUST), agentTrust);
            deleteTree(target); // a leftover of an attempt that never went live
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TLS set " + target, e);
        } finally {
            deleteTree(temp);
        }
    }

    private static void writeTrustStore(Path file, List<X509Certificate> certificates) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            store.store(bytes, TRUST_STORE_PASSWORD.toCharArray());
            Files.write(file, bytes.toByteArray());
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the trust store " + file + ": " + e.getMessage(), e);
        }
    }

    /** Renames a new symlink over {@code live}: one atomic step from the old set to the new one. */
    private void link(String set) {
        Path temp = files.tls().resolve(".live-" + UUID.randomUUID());
        try {
            Files.createSymbolicLink(temp, Path.of("sets", set));
            Files.move(temp, files.tlsLive(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + set + " the live TLS set", e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a stray link named .live-*, harmless
            }
        }
    }

    /** Creates {@code folder} (and tls/) readable only by the owner. */
    private void privateFolder(Path folder) {
        for (Path f : List.of(files.tls(), folder)) {
            try {
                Files.createDirectories(f);
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + f, e);
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static void deleteTree(Path root) {
        dev.marina.agent.database.TemplateDataDirectory.deleteTree(root);
    }
}
