package dev.marina.dns.driver.route53;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Route 53's spelling of TXT values and names, both ways. */
class Route53RecordsTest {

    record Txt(String behaviour, String plain, String wire) {}

    static final List<Txt> TXT = List.of(
            new Txt("quotes a plain value", "heritage=marina,deployment=acme/orders",
                    "\"heritage=marina,deployment=acme/orders\""),
            new Txt("keeps spaces inside the quotes", "v=spf1 -all", "\"v=spf1 -all\""),
            new Txt("escapes quotes and backslashes", "say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\""),
            new Txt("writes bytes outside printable ASCII as octal", "café\t", "\"caf\\303\\251\\011\""),
            new Txt("writes the empty value as one empty string", "", "\"\""),
            new Txt("splits a value longer than 255 bytes into strings", "a".repeat(255) + "bc",
                    "\"" + "a".repeat(255) + "\" \"bc\""));

    @TestFactory
    Stream<DynamicTest> txt_values_round_trip() {
        return TXT.stream().map(c -> DynamicTest.dynamicTest(c.behaviour(), () -> {
            assertEquals(c.wire(), Route53Records.quoteTxt(c.plain()));
            assertEquals(c.plain(), Route53Records.unquoteTxt(c.wire()));
        }));
    }

    record Read(String behaviour, String wire, String plain) {}

    static final List<Read> READ = List.of(
            new Read("joins several strings", "\"v=spf1 include:_spf.example.net\" \" -all\"", "v=spf1 include:_spf.example.net -all"),
            new Read("takes an unquoted string as it is", "plain", "plain"),
            new Read("takes an escaped character literally", "\"a\\;b\"", "a;b"),
            new Read("reads an octal escape outside quotes", "\\052x", "*x"));

    @TestFactory
    Stream<DynamicTest> reads_txt_values_as_route53_may_write_them() {
        return READ.stream().map(c -> DynamicTest.dynamicTest(c.behaviour(),
                () -> assertEquals(c.plain(), Route53Records.unquoteTxt(c.wire()))));
    }

    @TestFactory
    Stream<DynamicTest> reads_names_canonically() {
        return Stream.of(
                new Read("resolves the wildcard's escape", "\\052.example.com.", "*.example.com."),
                new Read("lower-cases and qualifies", "WWW.Example.com", "www.example.com."),
                new Read("resolves other octal escapes", "a\\100b.example.com.", "a@b.example.com."))
                .map(c -> DynamicTest.dynamicTest(c.behaviour(),
                        () -> assertEquals(c.plain(), Route53Records.name(c.wire()))));
    }
}
