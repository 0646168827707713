package io.jipc.bench;

import java.util.function.BooleanSupplier;

/**
 * Ends this JVM if its run overstays its budget or its parent goes away, so that a
 * spinning benchmark process can never outlive the harness that started it (a busy-spin
 * peer whose partner died would otherwise burn a core forever).
 */
public final class Watchdog implements AutoCloseable {
    private final Thread thread;

    private Watchdog(Thread thread) {
        this.thread = thread;
    }

    /**
     * Starts the daemon thread; {@link #close()} stops it.
     *
     * @param budgetSeconds longest life of this process
     * @param alsoFatal     checked every 100 ms; {@code true} ends the process (null: none)
     */
    public static Watchdog start(String who, long budgetSeconds, BooleanSupplier alsoFatal) {
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        long deadline = System.nanoTime() + budgetSeconds * 1_000_000_000L;
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                long now = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
                String why = null;
                if (now != parent) {
                    why = "its parent process ended";
                } else if (System.nanoTime() - deadline > 0) {
                    why = "it ran past its budget of " + budgetSeconds + " s";
                } else if (alsoFatal != null && alsoFatal.getAsBoolean()) {
                    why = "its partner process ended early";
                }
                if (why != null) {
                    System.err.println("jipc-bench " + who + ": stopping because " + why);
                    Runtime.getRuntime().halt(70);
                }
            }
        }, "jipc-bench-watchdog");
        t.setDaemon(true);
        t.start();
        return new Watchdog(t);
    }

    /** Stops watching (the run ended normally); waits for the thread to go. */
    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
