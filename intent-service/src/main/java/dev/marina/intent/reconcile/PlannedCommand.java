package dev.marina.intent.reconcile;

import com.google.protobuf.Message;
import dev.marina.schemas.topics.TopicSpec;

/** A command the plan wants sent: where to, and what. */
public record PlannedCommand(TopicSpec<?> topic, Message command) {}
