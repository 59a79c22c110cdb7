package dev.marina.intent.views;

import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.IntentRejection;

/** How intake answered one request, as seen on its output topics. */
public sealed interface IntakeOutcome {
    record Accepted(Intent intent) implements IntakeOutcome {}

    record Rejected(IntentRejection rejection) implements IntakeOutcome {}
}
