package dev.marina.dns.driver.route53;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The token bucket on a fake clock: what it lets through at once, and how long the rest waits. */
class RateLimiterTest {

    @Test
    void lets_a_burst_of_one_seconds_worth_through_at_once() throws InterruptedException {
        FakeTime time = new FakeTime();
        RateLimiter limiter = RateLimiter.perSecond(5, time);
        for (int i = 0; i < 5; i++) {
            limiter.acquire();
        }
        assertEquals(Duration.ZERO, time.elapsed());
    }

    @Test
    void n_calls_at_once_take_n_minus_five_fifths_of_a_second() throws InterruptedException {
        FakeTime time = new FakeTime();
        RateLimiter limiter = RateLimiter.perSecond(5, time);
        int n = 23;
        for (int i = 0; i < n; i++) {
            limiter.acquire();
        }
        Duration expected = Duration.ofMillis((n - 5) * 1000L / 5);
        assertTrue(time.elapsed().compareTo(expected) >= 0, "took " + time.elapsed() + ", at least " + expected);
        assertTrue(time.elapsed().minus(expected).toMillis() < 1, "took " + time.elapsed() + ", not much over " + expected);
        // After the burst, one permit every 200 ms.
        time.pauses().forEach(pause -> assertEquals(200, pause.toMillis(), "pauses " + time.pauses()));
    }

    @Test
    void refills_while_idle_but_never_beyond_the_burst() throws InterruptedException {
        FakeTime time = new FakeTime();
        RateLimiter limiter = RateLimiter.perSecond(5, time);
        for (int i = 0; i < 5; i++) {
            limiter.acquire();
        }
        time.sleep(Duration.ofSeconds(60));
        Duration rested = time.elapsed();
        for (int i = 0; i < 6; i++) {
            limiter.acquire();
        }
        assertEquals(Duration.ofMillis(200), time.elapsed().minus(rested), "a long rest buys 5 permits, not 300");
    }

    @Test
    void follows_a_configured_rate() throws InterruptedException {
        FakeTime time = new FakeTime();
        RateLimiter limiter = RateLimiter.perSecond(2, time);
        for (int i = 0; i < 6; i++) {
            limiter.acquire();
        }
        assertEquals(Duration.ofSeconds(2), time.elapsed(), "burst 2, then 4 more at 2 per second");
    }

    @Test
    void a_rate_below_one_per_second_still_lets_one_call_through() throws InterruptedException {
        FakeTime time = new FakeTime();
        RateLimiter limiter = RateLimiter.perSecond(0.5, time);
        limiter.acquire();
        limiter.acquire();
        assertEquals(Duration.ofSeconds(2), time.elapsed());
    }
}
