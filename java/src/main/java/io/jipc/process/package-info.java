/**
 * Starting child processes without {@code fork()} in the JVM, with an exact descriptor map.
 *
 * <p>{@link io.jipc.process.Spawn} describes a child (a program, or with
 * {@link io.jipc.process.Spawn#java(Class, String...)} a JVM running one of your classes,
 * in its module if it has one) and resolves everything in Java first: the PATH search,
 * arguments, environment and which parent descriptor becomes which child descriptor.
 * {@code start()} then clones the child in jipc's C helper, which makes only raw system
 * calls before {@code execve}; a failure in the child comes back as an
 * {@link io.jipc.IpcException} naming the step and the errno, not as a child that is
 * already dead. {@link io.jipc.process.ChildProcess} waits and signals through a pidfd, so a
 * signal never reaches a recycled pid, and closing it kills and reaps the child.
 *
 * <p>Blocking: {@code waitFor()} waits for the child's end, {@code waitFor(Duration)} at
 * most that long; nothing else blocks.
 */
package io.jipc.process;
