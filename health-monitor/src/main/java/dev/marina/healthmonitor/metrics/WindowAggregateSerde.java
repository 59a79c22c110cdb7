package dev.marina.healthmonitor.metrics;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/** The window stores' values: per instance its sample count, gauge statistics and counter tracks. */
public final class WindowAggregateSerde extends StoreFormat<WindowAggregate> {

    public WindowAggregateSerde() {
        super(1, "a metric window");
    }

    @Override
    void write(DataOutputStream out, WindowAggregate aggregate) throws IOException {
        out.writeInt(aggregate.instances().size());
        for (Map.Entry<String, InstanceWindow> instance : aggregate.instances().entrySet()) {
            writeString(out, instance.getKey());
            InstanceWindow window = instance.getValue();
            out.writeLong(window.samples());
            out.writeInt(window.gauges().size());
            for (Map.Entry<String, GaugeStats> gauge : window.gauges().entrySet()) {
                writeString(out, gauge.getKey());
                out.writeLong(gauge.getValue().count());
                out.writeDouble(gauge.getValue().sum());
                out.writeDouble(gauge.getValue().max());
            }
            out.writeInt(window.counters().size());
            for (Map.Entry<String, CounterTrack> counter : window.counters().entrySet()) {
                writeString(out, counter.getKey());
                CounterTrack track = counter.getValue();
                writeInstant(out, track.firstAt());
                out.writeDouble(track.firstValue());
                writeInstant(out, track.lastAt());
                out.writeDouble(track.lastValue());
                out.writeDouble(track.increase());
            }
        }
    }

    @Override
    WindowAggregate read(DataInputStream in) throws IOException {
        int instances = in.readInt();
        Map<String, InstanceWindow> byInstance = new TreeMap<>();
        for (int i = 0; i < instances; i++) {
            String id = readString(in);
            long samples = in.readLong();
            int gaugeCount = in.readInt();
            Map<String, GaugeStats> gauges = new TreeMap<>();
            for (int g = 0; g < gaugeCount; g++) {
                gauges.put(readString(in), new GaugeStats(in.readLong(), in.readDouble(), in.readDouble()));
            }
            int counterCount = in.readInt();
            Map<String, CounterTrack> counters = new TreeMap<>();
            for (int c = 0; c < counterCount; c++) {
                counters.put(readString(in), new CounterTrack(readInstant(in), in.readDouble(), readInstant(in),
                        in.readDouble(), in.readDouble()));
            }
            byInstance.put(id, new InstanceWindow(samples, gauges, counters));
        }
        return new WindowAggregate(byInstance);
    }
}
