package dev.marina.cert.pki;

import dev.marina.cert.CertFailure;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * The checks a CSR passes before anyone signs it, in order; the first that fails gives the (not
 * retryable) reason: it parses, its signature holds (the agent has the key), it names at least one
 * DNS name, each of its names is one the reconciler asked for, and every name is in the zone.
 */
public final class CsrCheck {
    private CsrCheck() {}

    /** A CSR that passed: the request and its names (lowercase, no trailing dot; the subject CN first when it is a name). */
    public record CheckedCsr(PKCS10CertificationRequest request, List<String> names) {
        public byte[] der() {
            try {
                return request.getEncoded();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static CheckedCsr check(String csrPem, List<String> requestedNames, String zone) throws CertFailure {
        PKCS10CertificationRequest csr = parse(csrPem);
        verifySignature(csr);
        List<String> names = names(csr);
        if (names.isEmpty()) {
            throw CertFailure.permanent(CertFailure.CSR_NO_NAMES, "the CSR names no DNS name (subject CN or subjectAltName)");
        }
        Set<String> requested = new LinkedHashSet<>();
        requestedNames.forEach(n -> requested.add(normalize(n)));
        for (String name : names) {
            if (!requested.contains(name)) {
                throw CertFailure.permanent(CertFailure.NAME_NOT_REQUESTED, "the CSR names " + name
                        + ", which is not among the deployment's names " + List.copyOf(requested));
            }
        }
        String bareZone = normalize(zone);
        for (String name : names) {
            if (!inZone(name, bareZone)) {
                throw CertFailure.permanent(CertFailure.NAME_OUTSIDE_ZONE, "the name " + name + " is outside the zone " + bareZone);
            }
        }
        return new CheckedCsr(csr, names);
    }

    /** {@code name} is the zone itself or below it. */
    public static boolean inZone(String name, String zone) {
        String n = normalize(name);
        String z = normalize(zone);
        return n.equals(z) || n.endsWith("." + z);
    }

    /** Lowercase, without the trailing dot. */
    public static String normalize(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    static PKCS10CertificationRequest parse(String csrPem) throws CertFailure {
        if (csrPem == null || csrPem.isBlank()) {
            throw CertFailure.permanent(CertFailure.CSR_UNREADABLE, "the command carries no CSR");
        }
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            Object parsed = parser.readObject();
            if (parsed instanceof PKCS10CertificationRequest csr) {
                return csr;
            }
            throw CertFailure.permanent(CertFailure.CSR_UNREADABLE, "the CSR is not a PEM certificate request (found "
                    + (parsed == null ? "no PEM object" : parsed.getClass().getSimpleName()) + ")");
        } catch (IOException | RuntimeException e) {
            throw CertFailure.permanent(CertFailure.CSR_UNREADABLE, "the CSR does not parse: " + e.getMessage());
        }
    }

    private static void verifySignature(PKCS10CertificationRequest csr) throws CertFailure {
        try {
            boolean valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(Pem.provider())
                    .build(csr.getSubjectPublicKeyInfo()));
            if (!valid) {
                throw CertFailure.permanent(CertFailure.CSR_SIGNATURE, "the CSR's signature does not match its public key");
            }
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            throw CertFailure.permanent(CertFailure.CSR_SIGNATURE, "the CSR's signature cannot be checked: " + e.getMessage());
        }
    }

    /** The CSR's DNS names: the subject CN (when it looks like a name), then the subjectAltName DNS entries; no duplicates. */
    static List<String> names(PKCS10CertificationRequest csr) throws CertFailure {
        Set<String> names = new LinkedHashSet<>();
        for (RDN rdn : csr.getSubject().getRDNs(BCStyle.CN)) {
            String cn = IETFUtils.valueToString(rdn.getFirst().getValue());
            if (cn.contains(".") && !cn.contains(" ")) {
                names.add(normalize(cn));
            }
        }
        for (Attribute attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable value : attribute.getAttributeValues()) {
                try {
                    GeneralNames sans = GeneralNames.fromExtensions(Extensions.getInstance(value), Extension.subjectAlternativeName);
                    if (sans == null) {
                        continue;
                    }
                    for (GeneralName san : sans.getNames()) {
                        if (san.getTagNo() == GeneralName.dNSName) {
                            names.add(normalize(san.getName().toString()));
                        } else {
                            throw CertFailure.permanent(CertFailure.NAME_NOT_REQUESTED,
                                    "the CSR asks for a subjectAltName that is not a DNS name: " + san);
                        }
                    }
                } catch (IllegalArgumentException e) {
                    throw CertFailure.permanent(CertFailure.CSR_UNREADABLE, "the CSR's extensions do not parse: " + e.getMessage());
                }
            }
        }
        return new ArrayList<>(names);
    }
}
