package dev.marina.dns.driver.route53;

/**
 * How big one ChangeResourceRecordSets request is, counted as Route 53 counts it: every
 * ResourceRecord element, and the characters of every Value, with those of an UPSERT counted twice.
 */
public record ChangeSize(int resourceRecords, int valueCharacters) {

    /** Route 53 refuses a request with more ResourceRecord elements than this. */
    public static final int MAX_RESOURCE_RECORDS = 1000;
    /** Route 53 refuses a request whose Value elements hold more characters than this, all together. */
    public static final int MAX_VALUE_CHARACTERS = 32_000;

    public boolean fits() {
        return resourceRecords <= MAX_RESOURCE_RECORDS && valueCharacters <= MAX_VALUE_CHARACTERS;
    }

    ChangeSize plus(ChangeSize other) {
        return new ChangeSize(resourceRecords + other.resourceRecords, valueCharacters + other.valueCharacters);
    }

    @Override
    public String toString() {
        return resourceRecords + " resource records (at most " + MAX_RESOURCE_RECORDS + ") and " + valueCharacters
                + " value characters (at most " + MAX_VALUE_CHARACTERS + ")";
    }
}
