package dev.marina.agent.metrics;

import java.io.IOException;

/** Where a sample's host figures come from ({@link LinuxHost}; fakes in tests). */
public interface HostFigures {

    /** CPU time and resident memory of a process; throws when it is gone or unreadable. */
    ProcessFigures process(long pid) throws IOException;

    /** Bytes of the files in the instance's folder; files that vanish while counting are left out. */
    long folderBytes();
}
