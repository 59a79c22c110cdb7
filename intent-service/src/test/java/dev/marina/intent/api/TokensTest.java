package dev.marina.intent.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokensTest {

    @Test
    void a_minted_token_parses_to_its_id_and_a_secret_whose_hash_is_kept() {
        Tokens.Minted minted = Tokens.mint();
        Tokens.Offered offered = Tokens.parse(minted.token()).orElseThrow();
        assertEquals(minted.id(), offered.id());
        assertArrayEquals(minted.secretSha256(), Tokens.sha256(offered.secret()));
        assertTrue(Tokens.isId(minted.id()));
        assertEquals(32, minted.secretSha256().length);
        assertTrue(!minted.token().contains(new String(minted.secretSha256(), java.nio.charset.StandardCharsets.ISO_8859_1)));
    }

    @Test
    void two_tokens_differ_in_id_and_secret() {
        Tokens.Minted a = Tokens.mint();
        Tokens.Minted b = Tokens.mint();
        assertNotEquals(a.id(), b.id());
        assertNotEquals(a.token(), b.token());
    }

    @Test
    void anything_else_is_not_a_minted_token() {
        assertEquals(Optional.empty(), Tokens.parse("api-it-token-7f3c9a"));
        assertEquals(Optional.empty(), Tokens.parse("marina_0123456789abcdef_short"));
        assertEquals(Optional.empty(), Tokens.parse("marina_0123456789ABCDEF_" + "a".repeat(43)));
        assertTrue(Tokens.parse("marina_0123456789abcdef_" + "a".repeat(43)).isPresent());
    }

    @Test
    void the_bearer_scheme_is_case_insensitive_and_nothing_else_is_a_bearer() {
        assertEquals(Optional.of("t0k"), Tokens.bearer("Bearer t0k"));
        assertEquals(Optional.of("t0k"), Tokens.bearer("bearer t0k"));
        assertEquals(Optional.of("t0k"), Tokens.bearer("BEARER  t0k "));
        assertEquals(Optional.empty(), Tokens.bearer("Basic t0k"));
        assertEquals(Optional.empty(), Tokens.bearer("Bearer"));
        assertEquals(Optional.empty(), Tokens.bearer(null));
    }
}
