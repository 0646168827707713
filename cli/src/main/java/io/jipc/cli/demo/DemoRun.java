package io.jipc.cli.demo;

import io.jipc.IpcException;
import io.jipc.cli.Failure;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import io.jipc.shm.SharedMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

import static io.jipc.cli.demo.GateDescriptor.DATA_OFFSET;
import static io.jipc.cli.demo.GateDescriptor.DONE_OFFSET;
import static io.jipc.cli.demo.GateDescriptor.GO_OFFSET;
import static io.jipc.cli.demo.GateDescriptor.READY_OFFSET;

/**
 * One run of a multi-process demo: a fresh shared-memory segment, worker JVMs that
 * start together through the gate in it ({@link GateDescriptor}), and a clean-up that
 * kills and reaps every worker and removes the segment however the run ends: normally
 * or by an exception ({@link #close()}), or by Ctrl-C (a shutdown hook).
 *
 * <p>Parent side: {@link #create}, {@link #spawn}, {@link #start}, read the results
 * from {@link #data()}, {@link #close()}. Worker side: a {@code main} that calls
 * {@link #work}. Workers print nothing; they exit 0 after they have counted themselves
 * DONE, and anything else is reported as a failure of the run.
 */
final class DemoRun implements AutoCloseable {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** Generous: on a busy two-core machine a JVM can take seconds to start. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);
    /** How often a waiting parent looks at the segment, and (16x less often) at the workers. */
    private static final long POLL_MILLIS = 1;
    /** Signal number of Ctrl-C on Linux. */
    private static final int SIGINT = 2;

    private final String name;
    private final Thread cleanupHook;
    private final List<ChildProcess> workers = new ArrayList<>();
    private SharedMemory shm;
    private boolean cleanedUp;
    private volatile boolean interrupted;

    private DemoRun(String name) {
        this.name = name;
        this.cleanupHook = new Thread(this::abort, "jipc-demo-cleanup");
    }

    /**
     * Creates the segment {@code /jipc-demo-<demo>-<pid>} with room for the gate and
     * {@code dataLength} bytes of demo data, all zero.
     *
     * @throws IpcException if the segment cannot be created (a leftover of the same name, say)
     */
    static DemoRun create(String demo, long dataLength) throws IpcException {
        DemoRun run = new DemoRun("/jipc-demo-" + demo + "-" + ProcessHandle.current().pid());
        // The hook goes in first, so no Ctrl-C can fall between creating and guarding.
        Runtime.getRuntime().addShutdownHook(run.cleanupHook);
        try {
            run.shm = SharedMemory.create(run.name, DATA_OFFSET + dataLength);
        } catch (IpcException | RuntimeException e) {
            // Not ours to remove: the name may belong to someone else.
            run.cleanedUp = true;
            run.removeHook();
            throw e;
        }
        return run;
    }

    /** {@return the segment's name, as in /dev/shm} */
    String name() {
        return name;
    }

    /** {@return the demo's data: the segment after the gate} */
    MemorySegment data() {
        return shm.segment().asSlice(DATA_OFFSET);
    }

    /** {@return the pids of the workers spawned so far} */
    synchronized List<Integer> pids() {
        return workers.stream().map(ChildProcess::pid).toList();
    }

    /**
     * Starts {@code count} worker JVMs running {@code workerMain}, which must call
     * {@link #work}. Each gets the segment's name, its index (0, 1, ...) and this
     * process's pid, then {@code args}. Returns without waiting for them.
     */
    void spawn(int count, Class<?> workerMain, String... args) throws IpcException {
        String parent = Long.toString(ProcessHandle.current().pid());
        for (int i = 0; i < count; i++) {
            List<String> argv = new ArrayList<>(List.of(name, Integer.toString(i), parent));
            argv.addAll(Arrays.asList(args));
            ChildProcess child = Spawn.java(workerMain, argv.toArray(String[]::new)).start();
            synchronized (this) {
                if (cleanedUp) {
                    child.close();
                    throw new Failure("interrupted");
                }
                workers.add(child);
            }
        }
    }

    /**
     * Waits until every worker waits at the gate, opens it, and waits until every worker
     * is done and has exited.
     *
     * @return the time from opening the gate until the last worker counted itself done
     * @throws Failure              if a worker fails or does not get ready in time
     * @throws InterruptedException if this thread is interrupted
     */
    Duration start() throws InterruptedException {
        MemorySegment gate = shm.segment();
        int count = workers.size();
        awaitCount(READY_OFFSET, count, "get ready", System.nanoTime() + READY_TIMEOUT.toNanos());
        long opened = System.nanoTime();
        INT.setRelease(gate, GO_OFFSET, 1);
        awaitCount(DONE_OFFSET, count, "finish", Long.MAX_VALUE);
        long finished = System.nanoTime();
        for (int i = 0; i < count; i++) {
            ChildProcess w = workers.get(i);
            Optional<ExitStatus> status = w.waitFor(EXIT_TIMEOUT);
            if (status.isEmpty() || !status.get().success()) {
                throw new Failure(describe(i, w) + (status.isEmpty() ? " did not exit after finishing"
                        : " failed after finishing: " + status.get()));
            }
        }
        return Duration.ofNanos(finished - opened);
    }

    /** Kills and reaps the workers that still run, unmaps and removes the segment. Idempotent. */
    @Override
    public void close() throws IpcException {
        try {
            cleanUp();
        } finally {
            if (shm != null) {
                shm.close();
            }
            removeHook();
        }
    }

    private void awaitCount(long offset, int count, String what, long deadline) throws InterruptedException {
        for (long polls = 1; (int) INT.getVolatile(shm.segment(), offset) < count; polls++) {
            if (interrupted) {
                throw new Failure("interrupted");
            }
            if (polls % 16 == 0) {
                checkWorkers(what);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new Failure("the workers did not " + what + " within " + READY_TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** A worker only exits 0 after counting itself done, so any other ending is a failure. */
    private void checkWorkers(String what) {
        for (int i = 0; i < workers.size(); i++) {
            ChildProcess w = workers.get(i);
            Optional<ExitStatus> status = w.exitStatus();
            if (status.isPresent() && status.get().signal() == SIGINT) {
                // Ctrl-C reaches the whole process group: the workers may die before our hook runs.
                throw new Failure("interrupted");
            }
            if (status.isPresent() && !status.get().success()) {
                throw new Failure(describe(i, w) + " ended before it could " + what + ": " + status.get());
            }
        }
    }

    private static String describe(int index, ChildProcess w) {
        return "worker " + index + " (pid " + w.pid() + ")";
    }

    /** Ctrl-C or another shutdown: leave no process and no segment behind. */
    private void abort() {
        interrupted = true;
        try {
            cleanUp();
        } catch (IpcException e) {
            System.err.println("jipc: " + e.getMessage());
        }
    }

    private synchronized void cleanUp() throws IpcException {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        // ChildProcess.close kills a worker that still runs, then reaps it.
        workers.forEach(ChildProcess::close);
        SharedMemory.unlink(name);
    }

    private void removeHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to: it does the same clean-up.
        }
    }

    // ---------------------------------------------------------------- worker side

    /** What a worker does once it has the segment: prepare here, return the timed part. */
    @FunctionalInterface
    interface Worker {
        /**
         * Prepares the work (parse arguments, build views) and returns it; the returned
         * task runs when the gate opens.
         *
         * @param data  the demo's data in the shared segment
         * @param index this worker's number, 0 to workers - 1
         * @param args  the demo's own arguments
         */
        Task prepare(MemorySegment data, int index, String[] args) throws Exception;
    }

    /** The part of a worker's work that runs after the gate opens. */
    @FunctionalInterface
    interface Task {
        void run() throws Exception;
    }

    /**
     * Runs a worker: {@code args} are those given by {@link #spawn}. Maps the segment,
     * prepares, waits at the gate, runs the task, counts itself done. If the parent
     * dies, the worker removes the segment's name and exits, so nothing is orphaned.
     */
    static void work(String[] args, Worker worker) throws Exception {
        String name = args[0];
        int index = Integer.parseInt(args[1]);
        long parent = Long.parseLong(args[2]);
        watchParent(name, parent);
        try (SharedMemory shm = SharedMemory.open(name)) {
            MemorySegment gate = shm.segment();
            Task task = worker.prepare(gate.asSlice(DATA_OFFSET), index, Arrays.copyOfRange(args, 3, args.length));
            INT.getAndAdd(gate, READY_OFFSET, 1);
            // Sleep-poll rather than spin: the others may still be starting on the same cores.
            // The wake-up skew (tens of microseconds) is small beside the milliseconds of work.
            while ((int) INT.getAcquire(gate, GO_OFFSET) == 0) {
                LockSupport.parkNanos(20_000);
            }
            task.run();
            INT.getAndAdd(gate, DONE_OFFSET, 1);
        }
    }

    /**
     * A worker whose parent died (kill -9, a crash) would wait at the gate or spin on a
     * flag forever: a daemon thread notices the new parent pid, removes the name the
     * parent can no longer remove, and ends the process.
     */
    private static void watchParent(String name, long parent) {
        Thread watch = new Thread(() -> {
            while (ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) == parent) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
            try {
                SharedMemory.unlink(name);
            } catch (IpcException | RuntimeException e) {
                // Nothing better to do on the way out.
            }
            Runtime.getRuntime().halt(3);
        }, "jipc-parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
