package dev.marina.schemas;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import java.util.List;

/** Builds messages with every field set to a non-default value, from the descriptors alone. */
final class MessageFixtures {
    private MessageFixtures() {}

    static <T extends Message> T filled(T prototype) {
        @SuppressWarnings("unchecked")
        T built = (T) fill(prototype.newBuilderForType(), 0).build();
        return built;
    }

    private static Message.Builder fill(Message.Builder builder, int depth) {
        if (builder.getDescriptorForType().getFullName().equals(Timestamp.getDescriptor().getFullName())) {
            return builder.mergeFrom(Timestamp.newBuilder().setSeconds(1_790_000_000L).setNanos(123_000_000).build());
        }
        for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
            if (field.isMapField()) {
                Message.Builder entry = builder.newBuilderForField(field);
                fill(entry, depth + 1);
                builder.addRepeatedField(field, entry.build());
            } else if (field.isRepeated()) {
                for (int i = 0; i < 2; i++) {
                    builder.addRepeatedField(field, value(builder, field, depth, i));
                }
            } else {
                builder.setField(field, value(builder, field, depth, 0));
            }
        }
        return builder;
    }

    private static Object value(Message.Builder parent, FieldDescriptor field, int depth, int index) {
        return switch (field.getJavaType()) {
            case INT -> 7 + index;
            case LONG -> 42L + index;
            case FLOAT -> 1.5f + index;
            case DOUBLE -> 2.25 + index;
            case BOOLEAN -> true;
            case STRING -> field.getName() + "-value-" + index;
            case BYTE_STRING -> ByteString.copyFromUtf8("bytes-" + index);
            case ENUM -> lastValue(field.getEnumType());
            case MESSAGE -> {
                if (depth > 4) {
                    throw new IllegalStateException("unexpectedly deep message at " + field.getFullName());
                }
                yield fill(parent.newBuilderForField(field), depth + 1).build();
            }
        };
    }

    private static Object lastValue(EnumDescriptor type) {
        List<com.google.protobuf.Descriptors.EnumValueDescriptor> values = type.getValues();
        return values.get(values.size() - 1);
    }
}
