package dev.marina.intent.intake;

import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.IntentRejection;

/** What intake decided about one intent event: a new desired state, or a rejection. */
public sealed interface IntakeDecision {

    /** The intent to store and publish; {@code changed} is false when it repeats the current one. */
    record Accepted(Intent intent, boolean changed) implements IntakeDecision {}

    record Rejected(IntentRejection rejection) implements IntakeDecision {}
}
