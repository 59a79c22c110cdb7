package dev.marina.intent.reconcile;

import com.google.protobuf.Message;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.v1.ActionKey;

/**
 * A record the plan wants written: the topic and a value of that topic's type, so a record can only go
 * where its type belongs.
 *
 * @param topic     where to
 * @param value     what
 * @param action    the ledger action the record is a command for; the default instance for a record
 *                  nothing waits on (e.g. a role change's history)
 * @param commandId the command's id (empty for such a record), for logs
 * @param key       the record key when it is not the deployment's (the backup catalogue's
 *                  {@code tenant/name#backup}); empty: the deployment's
 */
public record Send<V extends Message>(TopicSpec<V> topic, V value, ActionKey action, String commandId, String key) {

    public Send(TopicSpec<V> topic, V value, ActionKey action, String commandId) {
        this(topic, value, action, commandId, "");
    }

    /** A record that is not a command. */
    public static <V extends Message> Send<V> record(TopicSpec<V> topic, V value) {
        return new Send<>(topic, value, ActionKey.getDefaultInstance(), "");
    }

    /** A record that is not a command, under its own key. */
    public static <V extends Message> Send<V> keyed(TopicSpec<V> topic, String key, V value) {
        return new Send<>(topic, value, ActionKey.getDefaultInstance(), "", key);
    }
}
