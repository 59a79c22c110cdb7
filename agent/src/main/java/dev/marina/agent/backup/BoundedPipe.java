package dev.marina.agent.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded in-memory pipe between the thread that writes the backup stream and whoever reads it (the store's
 * upload, on any thread). Unlike {@code PipedInputStream} it does not depend on which threads are alive, and a
 * writer's {@link #fail} makes the reader's next read throw instead of seeing a clean end: a broken backup never
 * looks complete to the store.
 */
final class BoundedPipe {
    private final byte[] ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();
    private final Condition writable = lock.newCondition();
    private int head;
    private int count;
    private boolean writerDone;
    private boolean readerGone;
    private Throwable failure;

    BoundedPipe(int capacity) {
        this.ring = new byte[capacity];
    }

    /** Thrown to the writer once the reader closed its end. */
    static final class ReaderGone extends IOException {
        ReaderGone() {
            super("the reading side closed the pipe");
        }
    }

    /** The writer gives up: the reader's next read throws, naming the cause. */
    void fail(Throwable cause) {
        lock.lock();
        try {
            failure = cause;
            writerDone = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    final OutputStream sink = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            lock.lock();
            try {
                while (len > 0) {
                    while (count == ring.length && !readerGone) {
                        writable.await();
                    }
                    if (readerGone) {
                        throw new ReaderGone();
                    }
                    if (writerDone) {
                        throw new IOException("pipe closed");
                    }
                    int tail = (head + count) % ring.length;
                    int n = Math.min(len, Math.min(ring.length - count, ring.length - tail));
                    System.arraycopy(b, off, ring, tail, n);
                    count += n;
                    off += n;
                    len -= n;
                    readable.signalAll();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing the backup stream");
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                writerDone = true;
                readable.signalAll();
            } finally {
                lock.unlock();
            }
        }
    };

    final InputStream source = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            lock.lock();
            try {
                while (count == 0 && !writerDone && !readerGone) {
                    readable.await();
                }
                if (readerGone) {
                    throw new IOException("pipe closed");
                }
                if (count == 0) {
                    if (failure != null) {
                        throw new IOException("the backup stream broke off: " + failure.getMessage(), failure);
                    }
                    return -1;
                }
                int n = Math.min(len, Math.min(count, ring.length - head));
                System.arraycopy(ring, head, b, off, n);
                head = (head + n) % ring.length;
                count -= n;
                writable.signalAll();
                return n;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading the backup stream");
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            abandon();
        }
    };

    /** The reader gives up: the writer's next write throws {@link ReaderGone}. */
    void abandon() {
        lock.lock();
        try {
            readerGone = true;
            writable.signalAll();
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
