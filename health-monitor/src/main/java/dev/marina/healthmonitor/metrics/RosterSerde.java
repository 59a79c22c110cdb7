package dev.marina.healthmonitor.metrics;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The {@code deployment-rosters} store's values. Format 2 adds the paused count; format 1 (before instances could be
 * paused) is still read, with none paused.
 */
public final class RosterSerde extends StoreFormat<Roster> {

    public RosterSerde() {
        super(2, 1, "a deployment roster");
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
        out.writeInt(roster.paused());
    }

    @Override
    Roster read(DataInputStream in) throws IOException {
        return read(in, 2);
    }

    @Override
    Roster read(DataInputStream in, int found) throws IOException {
        int count = in.readInt();
        SortedSet<String> ids = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            ids.add(readString(in));
        }
        int up = in.readInt();
        int suspect = in.readInt();
        int down = in.readInt();
        int paused = found >= 2 ? in.readInt() : 0;
        return new Roster(ids, up, suspect, down, paused);
    }
}
