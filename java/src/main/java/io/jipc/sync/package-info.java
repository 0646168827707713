/**
 * Locks on a word of shared memory, and named POSIX semaphores, that work between processes.
 *
 * <p>{@link io.jipc.sync.SpinLock} (test-and-set) and {@link io.jipc.sync.Mutex} (a futex,
 * robust: the next locker of a dead owner's mutex is told so and repairs the data) are
 * {@link io.jipc.sync.Lock}s laid over a few bytes of a segment that every process maps, as
 * {@link io.jipc.sync.LockWordDescriptor} draws them. {@code unlock()} is a release and
 * {@code lock()} an acquire: a holder sees everything the previous holder wrote before it
 * unlocked. {@link io.jipc.sync.Semaphore} is a named POSIX semaphore ({@code sem_open}).
 *
 * <p>Blocking: {@code lock()} and {@code acquire()} wait as long as it takes;
 * {@code tryLock()} and {@code tryAcquire()} never wait; the variants that take a
 * {@link java.time.Duration} wait at most that long. How a {@code Mutex} waits (spin, yield,
 * then sleep on the futex) is a {@link io.jipc.WaitStrategy}.
 */
package io.jipc.sync;
