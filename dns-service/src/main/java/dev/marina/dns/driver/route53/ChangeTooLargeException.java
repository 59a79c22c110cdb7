package dev.marina.dns.driver.route53;

import dev.marina.dns.driver.DnsDriverException;

/**
 * A zone change that does not fit in one ChangeResourceRecordSets request. Refused rather than
 * split: only one request is atomic, so the caller must split it where a partial change is
 * acceptable (between deployments), checking pieces with {@link Route53Driver#sizeOf}.
 */
public final class ChangeTooLargeException extends DnsDriverException {

    private final ChangeSize size;

    public ChangeTooLargeException(String zone, ChangeSize size) {
        super(Kind.REFUSED, "change of zone " + zone + " is too large for one Route 53 request: " + size
                + "; split it by deployment");
        this.size = size;
    }

    public ChangeSize size() {
        return size;
    }
}
