package io.jipc.testing;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * For tests of blocked calls: start a call on a thread, wait until it is asleep inside
 * jipc's one wait loop (in the kernel on a platform thread, parked on a virtual one), then
 * act on it and collect how it ended.
 */
public final class Blocked<T> {
    /** Generous: only a hang should ever reach it. */
    public static final Duration HANG = Duration.ofSeconds(30);

    private final FutureTask<T> task;
    private final Thread thread;
    private volatile boolean interruptedAtEnd;

    private Blocked(Callable<T> call, Thread.Builder builder) {
        this.task = new FutureTask<>(() -> {
            try {
                return call.call();
            } finally {
                interruptedAtEnd = Thread.currentThread().isInterrupted();
            }
        });
        this.thread = builder.start(task);
    }

    /** Starts {@code call} on a new platform thread and returns once it sleeps in a jipc wait. */
    public static <T> Blocked<T> onPlatformThread(Callable<T> call) throws InterruptedException {
        Blocked<T> b = new Blocked<>(call, Thread.ofPlatform());
        b.awaitAsleep();
        return b;
    }

    /** Starts {@code call} on a new virtual thread and returns once it is parked in a jipc wait. */
    public static <T> Blocked<T> onVirtualThread(Callable<T> call) throws InterruptedException {
        Blocked<T> b = new Blocked<>(call, Thread.ofVirtual());
        b.awaitAsleep();
        return b;
    }

    public Thread thread() {
        return thread;
    }

    /** {@return whether the call is (still) asleep in jipc's wait loop} */
    public boolean isAsleep() {
        return isAsleep(thread);
    }

    /** {@return whether {@code t} is asleep in jipc's wait loop: a blocker's kernel sleep or a park} */
    public static boolean isAsleep(Thread t) {
        StackTraceElement[] stack = t.getStackTrace();
        boolean inWait = Arrays.stream(stack).anyMatch(f -> f.getClassName().equals("io.jipc.internal.Wait"));
        boolean sleeping = Arrays.stream(stack).anyMatch(f -> f.getMethodName().equals("block")
                || f.getMethodName().equals("parkNanos"));
        return inWait && sleeping;
    }

    /**
     * {@return whether the call is still waiting: not ended, and back asleep in jipc's wait
     * loop within {@link #HANG}} A single look at the stack is not enough: a woken waiter
     * (by an interrupt it ignores, or at the end of a slice) runs its attempt before it
     * sleeps again, and on a loaded machine its carrier may be descheduled right there.
     */
    public boolean stillWaiting() throws InterruptedException {
        long deadline = System.nanoTime() + HANG.toNanos();
        while (!task.isDone() && !isAsleep() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return !task.isDone() && isAsleep();
    }

    private void awaitAsleep() throws InterruptedException {
        long deadline = System.nanoTime() + HANG.toNanos();
        while (!isAsleep()) {
            if (System.nanoTime() > deadline || task.isDone()) {
                fail(thread + " never fell asleep in a jipc wait" + (task.isDone() ? " (it returned)" : ""));
            }
            Thread.sleep(5);
        }
    }

    /** {@return the call's result, failing if it does not end within {@link #HANG}} */
    public T result() throws Exception {
        try {
            return task.get(HANG.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw e;
        } catch (TimeoutException e) {
            fail(thread + " still blocked " + HANG + " later");
            throw e;
        }
    }

    /** {@return what the call threw, failing if it returned or did not end within {@link #HANG}} */
    public Throwable failure() throws Exception {
        try {
            T r = task.get(HANG.toSeconds(), TimeUnit.SECONDS);
            fail("the call returned " + r + " instead of failing");
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            fail(thread + " still blocked " + HANG + " later");
            throw e;
        }
    }

    /** {@return whether the thread's interrupt flag was set when the call ended} */
    public boolean endedInterrupted() throws InterruptedException {
        thread.join(HANG.toMillis());
        return interruptedAtEnd;
    }
}
