package io.jipc.cli.demo;

// Long because it owns a demo's whole life: named objects, child processes, the start gate,
// clean-up on Ctrl-C and the summary.

import io.jipc.IpcException;
import io.jipc.cli.Failure;
import io.jipc.cli.objects.IpcKind;
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
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static io.jipc.cli.demo.GateDescriptor.DATA_OFFSET;
import static io.jipc.cli.demo.GateDescriptor.DONE_OFFSET;
import static io.jipc.cli.demo.GateDescriptor.GO_OFFSET;
import static io.jipc.cli.demo.GateDescriptor.READY_OFFSET;

/**
 * One run of a multi-process demo: a fresh shared-memory segment, worker JVMs that
 * start together through the gate in it ({@link GateDescriptor}), and a clean-up that
 * kills and reaps every worker and removes the segment however the run ends: normally
 * or by an exception ({@link #close()}), or by Ctrl-C (a shutdown hook). Other named
 * objects a demo needs (queues, semaphores) are made with {@link #own}, and removed
 * with the segment; plain programs started with {@link #startProgram} are killed with
 * the workers.
 *
 * <p>Parent side: {@link #create}, {@link #own}, {@link #spawn}, then either
 * {@link #start} (open the gate, wait until the workers are done), or {@link #openGate},
 * talk to the workers, {@link #finish}; read the results from {@link #data()},
 * {@link #close()}. Worker side: a {@code main} that calls {@link #work}. Workers print
 * nothing; they exit 0 after they have counted themselves DONE, and anything else is
 * reported as a failure of the run.
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
    /** A worker's argument for "the run owns no names besides the segment". */
    private static final String NO_NAMES = "-";

    private final String name;
    private final Thread cleanupHook;
    private final List<ChildProcess> workers = new ArrayList<>();
    /** Plain programs: killed at clean-up like the workers, but not counted at the gate. */
    private final List<ChildProcess> programs = new ArrayList<>();
    private final List<Owned> owned = new ArrayList<>();
    private SharedMemory shm;
    private boolean cleanedUp;
    private volatile boolean interrupted;
    private long opened;

    /** A name this run created and must remove; written "mq:/name" in a worker's arguments. */
    private record Owned(IpcKind kind, String name) {
        @Override
        public String toString() {
            return kind.label() + ":" + name;
        }

        static Owned parse(String s) {
            int colon = s.indexOf(':');
            return new Owned(IpcKind.ofLabel(s.substring(0, colon)), s.substring(colon + 1));
        }
    }

    /** Makes a named object; {@link #own} passes it a name that is not yet this run's. */
    @FunctionalInterface
    interface Maker<T> {
        T make() throws IpcException;
    }

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

    /** {@return the name {@code /jipc-demo-<demo>-<role>-<pid>}, for another object of this run} */
    String name(String role) {
        String pid = "-" + ProcessHandle.current().pid();
        return name.substring(0, name.length() - pid.length()) + "-" + role + pid;
    }

    /**
     * Makes a named object with {@code maker} and makes this run its owner: the name is
     * removed at clean-up, by this process or, if it is killed, by its orphaned workers.
     * Call it before {@link #spawn}, which tells the workers what to remove. Clean-up
     * cannot run between making and owning; a name that was in the way (the maker
     * failed) is not this run's and is left alone.
     */
    synchronized <T> T own(IpcKind kind, String objectName, Maker<T> maker) throws IpcException {
        if (cleanedUp) {
            throw new Failure("interrupted");
        }
        if (!workers.isEmpty()) {
            throw new IllegalStateException("own " + objectName + " before spawning the workers");
        }
        T made = maker.make();
        owned.add(new Owned(kind, objectName));
        return made;
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
        spawn(count, workerMain, spawn -> { }, args);
    }

    /**
     * Like {@link #spawn(int, Class, String...)}; {@code setUp} may add to each worker's
     * {@link Spawn} before it starts, such as a descriptor to inherit.
     */
    void spawn(int count, Class<?> workerMain, Consumer<Spawn> setUp, String... args) throws IpcException {
        String parent = Long.toString(ProcessHandle.current().pid());
        String names;
        synchronized (this) {
            names = owned.isEmpty() ? NO_NAMES : owned.stream().map(Owned::toString).collect(Collectors.joining(","));
        }
        for (int i = 0; i < count; i++) {
            List<String> argv = new ArrayList<>(List.of(name, Integer.toString(i), parent, names));
            argv.addAll(Arrays.asList(args));
            // Workers are small and short: the serial collector starts fastest and needs no GC threads.
            Spawn spawn = Spawn.java(List.of("-XX:+UseSerialGC"), workerMain, argv.toArray(String[]::new));
            setUp.accept(spawn);
            track(workers, spawn.start());
        }
    }

    /**
     * Starts a plain program, which knows nothing of the gate; it is killed and reaped at
     * clean-up if it still runs.
     */
    ChildProcess startProgram(Spawn program) throws IpcException {
        return track(programs, program.start());
    }

    private synchronized ChildProcess track(List<ChildProcess> list, ChildProcess child) {
        if (cleanedUp) {
            child.close();
            throw new Failure("interrupted");
        }
        list.add(child);
        return child;
    }

    /** {@return whether worker {@code index} still runs} */
    synchronized boolean isRunning(int index) {
        return workers.get(index).isAlive();
    }

    /**
     * Waits until every worker waits at the gate, opens it, and waits until every worker
     * is done and has exited: {@link #openGate()}, then {@link #finish()}.
     *
     * @return the time from opening the gate until the last worker counted itself done
     * @throws Failure              if a worker fails or does not get ready in time
     * @throws InterruptedException if this thread is interrupted
     */
    Duration start() throws InterruptedException {
        openGate();
        return finish();
    }

    /**
     * Waits until every worker waits at the gate, then opens it and returns at once.
     *
     * @throws Failure              if a worker fails or does not get ready in time
     * @throws InterruptedException if this thread is interrupted
     */
    void openGate() throws InterruptedException {
        awaitCount(READY_OFFSET, workers.size(), "get ready", System.nanoTime() + READY_TIMEOUT.toNanos());
        opened = System.nanoTime();
        INT.setRelease(shm.segment(), GO_OFFSET, 1);
    }

    /**
     * Waits until every worker has counted itself done and has exited. Call it after
     * {@link #openGate()}.
     *
     * @return the time from opening the gate until the last worker counted itself done
     * @throws Failure              if a worker fails
     * @throws InterruptedException if this thread is interrupted
     */
    Duration finish() throws InterruptedException {
        int count = workers.size();
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

    /**
     * Kills and reaps the workers and programs that still run, unmaps and removes the
     * segment, removes the names the run owns. Idempotent.
     */
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

    /** A condition {@link #await} polls; it may ask the kernel. */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws IpcException;
    }

    /**
     * Waits, polling, until {@code condition} holds, while the workers run on: for a
     * parent that talks to its workers between {@link #openGate()} and {@link #finish()}.
     *
     * @param what what the workers are to do, for the message of a failure ("send 6 messages")
     * @throws Failure              if a worker fails, or the condition does not hold within a minute
     * @throws InterruptedException if this thread is interrupted
     */
    void await(String what, Condition condition) throws IpcException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        for (long polls = 1; !condition.holds(); polls++) {
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
        programs.forEach(ChildProcess::close);
        removeAll(name, owned);
    }

    /** Removes the segment and the owned names; one that fails does not keep the others. */
    private static void removeAll(String segment, List<Owned> names) throws IpcException {
        IpcException first = null;
        try {
            SharedMemory.unlink(segment);
        } catch (IpcException e) {
            first = e;
        }
        for (Owned o : names) {
            try {
                o.kind().unlink(o.name());
            } catch (IpcException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
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
     * dies, the worker removes the segment's name and the run's other names, and exits,
     * so nothing is orphaned.
     */
    static void work(String[] args, Worker worker) throws Exception {
        String name = args[0];
        int index = Integer.parseInt(args[1]);
        long parent = Long.parseLong(args[2]);
        List<Owned> names = args[3].equals(NO_NAMES) ? List.of()
                : Arrays.stream(args[3].split(",")).map(Owned::parse).toList();
        watchParent(name, names, parent);
        try (SharedMemory shm = SharedMemory.open(name)) {
            MemorySegment gate = shm.segment();
            Task task = worker.prepare(gate.asSlice(DATA_OFFSET), index, Arrays.copyOfRange(args, 4, args.length));
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
     * A worker whose parent died (kill -9, a crash) would wait at the gate, spin on a
     * flag or wait for a message forever: a daemon thread notices the new parent pid,
     * removes the names the parent can no longer remove, and ends the process.
     */
    private static void watchParent(String name, List<Owned> names, long parent) {
        Thread watch = new Thread(() -> {
            while (ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) == parent) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
            try {
                removeAll(name, names);
            } catch (IpcException | RuntimeException e) {
                // Nothing better to do on the way out.
            }
            Runtime.getRuntime().halt(3);
        }, "jipc-parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
