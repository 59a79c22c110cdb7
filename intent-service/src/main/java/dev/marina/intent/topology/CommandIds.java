package dev.marina.intent.topology;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

/** Reads the {@code command_id} every command message carries, for logs. */
final class CommandIds {
    private CommandIds() {}

    static String of(Message command) {
        FieldDescriptor field = command.getDescriptorForType().findFieldByName("command_id");
        return field == null ? "?" : String.valueOf(command.getField(field));
    }
}
