package io.jipc.internal;

import java.lang.ref.Cleaner;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Releases what a jipc owner holds when nobody closed it: once its owner object becomes
 * unreachable (a {@link Cleaner}), and, for what would outlive the JVM, at a clean exit
 * ({@code System.exit}, the end of {@code main}, SIGTERM/SIGINT/SIGHUP: the shutdown hooks).
 *
 * <p>The release action must not refer to the owner (it would keep it reachable for
 * ever): owners keep their kernel handles in a small state object that both they and the
 * action use. Every release runs at most once, whichever comes first: {@link Handle#run()}
 * from the owner's {@code close()}, the cleaner, or the exit hook. A release throws
 * nothing; what goes wrong is dropped, since nobody is left to tell.
 *
 * <p>At exit, releases run in the shutdown hook thread while other threads may still use
 * the resource: register for exit only what is safe to release under a running program
 * (killing and reaping a child, unlinking a name), never an unmapping.
 *
 * <p>A halt ({@code Runtime.halt}, SIGKILL, a crash) runs nothing: that is what names with
 * a pid and start time, and sealed anonymous memory, are for.
 */
public final class Reclaim {
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "jipc-reclaim");
        t.setDaemon(true);
        return t;
    });
    private static final Set<Entry> AT_EXIT = ConcurrentHashMap.newKeySet();

    static {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(Reclaim::atExit, "jipc-exit"));
        } catch (IllegalStateException e) {
            // The JVM is already shutting down: nothing registered now can be run at exit anyway.
        }
    }

    private Reclaim() {
    }

    /** Runs a registered release now, if it has not run yet; the owner's {@code close()} calls it. */
    public interface Handle {
        void run();
    }

    /** Runs {@code release} once {@code owner} is unreachable, unless the handle ran it first. */
    public static Handle whenUnreachable(Object owner, Runnable release) {
        Entry e = new Entry(release, false);
        e.cleanable = CLEANER.register(owner, e::release);
        return e;
    }

    /** Runs {@code release} once {@code owner} is unreachable or the JVM exits cleanly, whichever is first. */
    public static Handle whenUnreachableOrAtExit(Object owner, Runnable release) {
        Entry e = new Entry(release, true);
        AT_EXIT.add(e);
        e.cleanable = CLEANER.register(owner, e::release);
        return e;
    }

    private static void atExit() {
        for (Entry e : AT_EXIT) {
            e.release();
        }
    }

    private static final class Entry implements Handle {
        private final Runnable release;
        private final boolean atExit;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile Cleaner.Cleanable cleanable;

        Entry(Runnable release, boolean atExit) {
            this.release = Objects.requireNonNull(release, "release");
            this.atExit = atExit;
        }

        /** From the owner: release now and drop the cleaner's registration. */
        @Override
        public void run() {
            Cleaner.Cleanable c = cleanable;
            if (c != null) {
                c.clean();  // unregisters, and calls release() unless the cleaner already did
            } else {
                release();
            }
        }

        void release() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            if (atExit) {
                AT_EXIT.remove(this);
            }
            try {
                release.run();
            } catch (RuntimeException | Error ignored) {
                // Nobody is left to tell (a cleaner thread, an exiting JVM).
            }
        }
    }
}
