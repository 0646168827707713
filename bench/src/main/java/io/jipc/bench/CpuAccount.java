package io.jipc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU other processes took while a side-run ran: the machine's busy time from
 * {@code /proc/stat} (user, nice, system, irq, softirq and steal: a hypervisor's steal is CPU
 * taken by others too) minus what this harness and its reaped children used
 * ({@code getrusage} of self and children). {@code /proc/stat} counts in clock ticks (10 ms),
 * so a side-run of a second or more is needed for a meaningful share.
 */
record CpuAccount(long busyTicks, long ownMicros, long nanos) {
    /** A side-run during which others took more than this many cores on average was disturbed. */
    static final double DISTURBED_CORES = 0.25;
    /** USER_HZ on Linux, fixed by the kernel's ABI. */
    private static final long TICK_MICROS = 10_000;

    static CpuAccount now() {
        Rusage.Cpu self = Rusage.self();
        Rusage.Cpu children = Rusage.children();
        return new CpuAccount(readBusyTicks(), self.userMicros() + self.sysMicros() + children.userMicros()
                + children.sysMicros(), System.nanoTime());
    }

    /** {@return the CPUs other processes kept busy since {@code earlier}, on average, in cores; NaN if unknown} */
    double othersCoresSince(CpuAccount earlier) {
        if (busyTicks < 0 || earlier.busyTicks < 0 || nanos == earlier.nanos) {
            return Double.NaN;
        }
        double others = (busyTicks - earlier.busyTicks) * (double) TICK_MICROS - (ownMicros - earlier.ownMicros);
        return Math.max(0, others) / ((nanos - earlier.nanos) / 1e3);
    }

    private static long readBusyTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += i < f.length ? Long.parseLong(f[i]) : 0;
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
