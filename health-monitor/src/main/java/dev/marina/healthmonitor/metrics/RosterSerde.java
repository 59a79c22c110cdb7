package dev.marina.healthmonitor.metrics;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SortedSet;
import java.util.TreeSet;

/** The {@code deployment-rosters} store's values. */
public final class RosterSerde extends StoreFormat<Roster> {

    public RosterSerde() {
        super(1, "a deployment roster");
    }

    @Override
    void write(DataOutputStream out, Roster roster) throws IOException {
        out.writeInt(roster.instances().size());
        for (String id : roster.instances()) {
            writeString(out, id);
        }
        out.writeInt(roster.up());
        out.writeInt(roster.suspect());
        out.writeInt(roster.down());
    }

    @Override
    Roster read(DataInputStream in) throws IOException {
        int count = in.readInt();
        SortedSet<String> ids = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            ids.add(readString(in));
        }
        return new Roster(ids, in.readInt(), in.readInt(), in.readInt());
    }
}
