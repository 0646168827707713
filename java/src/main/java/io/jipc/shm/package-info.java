/**
 * Named POSIX shared memory ({@code shm_open} + {@code mmap}) as a
 * {@link java.lang.foreign.MemorySegment}.
 *
 * <p>{@link io.jipc.shm.SharedMemory} creates, opens or opens-or-creates an object by name
 * (mode {@code 0600} unless asked otherwise) and maps it. Every process that maps the same
 * name sees the same bytes; nothing orders their accesses but the access modes used (plain
 * stores may be seen late or torn) or a lock from {@link io.jipc.sync}. Closing unmaps, and
 * every segment handed out throws {@link java.lang.IllegalStateException} afterwards, so
 * the JVM never touches unmapped memory; {@link io.jipc.shm.SharedMemory#unlink(String)}
 * removes the name, and the memory lives until the last process unmaps it.
 *
 * <p>Nothing here blocks.
 */
package io.jipc.shm;
