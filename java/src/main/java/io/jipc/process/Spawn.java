package io.jipc.process;

import io.jipc.IpcException;
import io.jipc.posix.Errno;
import io.jipc.posix.Spawner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Describes a child process to start, then starts it with {@link #start()}.
 *
 * <p>The JVM never forks: {@code start()} calls jipc's C helper, which clones a child
 * that does only async-signal-safe work before {@code execve}. Everything is resolved
 * here first (the PATH search, argv, the environment, the descriptor map), and a
 * failure in the child (a missing program, a refused {@code setuid}, a bad directory)
 * comes back as an {@link IpcException} naming the call and the errno, instead of a
 * child that is already dead.
 *
 * <p>Descriptors: the child gets this process's 0, 1 and 2, plus exactly those given to
 * {@link #mapDescriptor(int, int)}; every other descriptor is closed in the child.
 *
 * <p>As with {@link ProcessBuilder}: arguments and environment values may not contain
 * NUL characters, nor environment names {@code '='} (refused at once with
 * {@link IllegalArgumentException}, never cut short in the child); the child starts with
 * an empty signal mask, keeps ignoring the signals this JVM ignores (a {@code nohup}'d
 * JVM's children ignore SIGHUP too) and has the default action for every other signal.
 *
 * <pre>{@code
 * try (ChildProcess child = Spawn.command("sha256sum").mapDescriptor(0, pipe.readEnd().fd()).start()) {
 *     ...
 *     ExitStatus status = child.waitFor();
 * }
 * }</pre>
 */
public final class Spawn {
    private final String program;
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> environment;
    private final Map<Integer, Integer> fdMap = new TreeMap<>();
    private Path directory;
    private int uid = -1;
    private int gid = -1;
    private boolean newSession;
    /** Where the next JVM option goes in {@link #args} (before the main class); -1 for a program. */
    private int jvmOptionsEnd = -1;

    private Spawn(String program) {
        if (program == null || program.isEmpty()) {
            throw new IllegalArgumentException("program name is empty");
        }
        checkNoNul("program name", program);
        this.program = program;
        this.environment = new LinkedHashMap<>(System.getenv());
    }

    /**
     * Starts describing a run of {@code program}: a path, or a name searched in PATH.
     * {@code argv[0]} is {@code program} as given.
     *
     * @param program the program to run: a path, or a name looked up in {@code PATH}; not null
     * @param args its arguments, after {@code argv[0]}; none may be null
     * @return a description of the run, to be refined and then {@link #start()}ed
     */
    public static Spawn command(String program, String... args) {
        Spawn s = new Spawn(program);
        return s.args(args);
    }

    /**
     * Starts describing a new JVM that runs {@code mainClass}, so that tests and demos can
     * run real multi-process scenarios with jipc on both sides. The child's command line
     * is exactly, in this order:
     * <ol>
     * <li>this JVM's {@code java} binary ({@code java.home});</li>
     * <li>this JVM's module path ({@code --module-path}, when it has one) and class path
     *     ({@code -cp}, when not empty);</li>
     * <li>this JVM's module-system options, when its command line can be read (module
     *     {@code java.management} is present): {@code --add-modules}, {@code --add-reads},
     *     {@code --add-exports}, {@code --add-opens}, {@code --patch-module},
     *     {@code --limit-modules}, {@code --upgrade-module-path} and
     *     {@code --enable-native-access};</li>
     * <li>native access for jipc: {@code --enable-native-access=io.jipc} when jipc is a
     *     named module, {@code ALL-UNNAMED} when it is on the class path, and
     *     {@code -Djipc.library.path} when this JVM has it;</li>
     * <li>the options given to {@link #jvmOptions(String...)} and
     *     {@link #systemProperty(String, String)} (and {@code jvmOptions} here), in call
     *     order;</li>
     * <li>the main class: {@code -m module/class} when {@code mainClass} belongs to a named
     *     module of the boot layer, else its name;</li>
     * <li>{@code args}, then those given to {@link #args(String...)}.</li>
     * </ol>
     * Nothing else is inherited or added: no heap, garbage collector or other {@code -X}
     * option and no system property of this JVM; pass those you want.
     *
     * @param mainClass the class whose {@code main} the child runs
     * @param args the child's program arguments
     * @return a description of the child, to adjust and {@link #start()}
     * @throws IllegalArgumentException if {@code mainClass} is in a named module that is
     *         not in the boot layer (the child could not find it)
     */
    public static Spawn java(Class<?> mainClass, String... args) {
        return java(List.of(), mainClass, args);
    }

    /**
     * Like {@link #java(Class, String...)}, with JVM options placed before the main class.
     *
     * @param jvmOptions options for the child JVM ({@code -Xmx64m}, {@code -Dkey=value}, ...)
     * @param mainClass the class whose {@code main} the child runs
     * @param args the child's program arguments
     * @return a description of the child, to adjust and {@link #start()}
     */
    public static Spawn java(List<String> jvmOptions, Class<?> mainClass, String... args) {
        Spawn s = new Spawn(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        s.args.addAll(ChildJvm.options());
        s.jvmOptionsEnd = s.args.size();
        s.jvmOptions(jvmOptions.toArray(String[]::new));
        s.args.addAll(ChildJvm.main(mainClass));
        return s.args(args);
    }

    /**
     * Adds options for the child JVM, after those already given and before the main class.
     *
     * @param options JVM options ({@code -Xmx64m}, {@code -XX:+UseSerialGC}, ...)
     * @return this
     * @throws IllegalStateException if this describes a program, not a {@link #java java} child
     */
    public Spawn jvmOptions(String... options) {
        if (jvmOptionsEnd < 0) {
            throw new IllegalStateException("JVM options are for Spawn.java children, not " + program);
        }
        for (String option : options) {
            Objects.requireNonNull(option, "JVM option");
            checkNoNul("JVM option", option);
        }
        args.addAll(jvmOptionsEnd, Arrays.asList(options));
        jvmOptionsEnd += options.length;
        return this;
    }

    /**
     * Sets a system property of the child JVM ({@code -Dname=value}).
     *
     * @param name the property's name: not empty, no {@code '='}
     * @param value its value
     * @return this
     * @throws IllegalStateException if this describes a program, not a {@link #java java} child
     */
    public Spawn systemProperty(String name, String value) {
        if (name.isEmpty() || name.indexOf('=') >= 0) {
            throw new IllegalArgumentException("a system property's name is not empty and has no '=': " + name);
        }
        return jvmOptions("-D" + name + "=" + value);
    }

    /**
     * Appends arguments.
     *
     * @param more the arguments to add after those given so far
     * @return this description
     * @throws NullPointerException     if an argument is {@code null}
     * @throws IllegalArgumentException if an argument contains a NUL character, which C
     *                                  would take for its end (ProcessBuilder refuses it too)
     */
    public Spawn args(String... more) {
        for (int i = 0; i < more.length; i++) {
            Objects.requireNonNull(more[i], "argument");
            checkNoNul("argument " + (args.size() + i + 1), more[i]);
        }
        args.addAll(Arrays.asList(more));
        return this;
    }

    /**
     * Sets (or, with a {@code null} value, removes) an environment variable; the rest is inherited.
     *
     * @param name the variable's name; not empty, without {@code '='} or NUL
     * @param value its value, or {@code null} to remove the variable from the child's environment
     * @return this description
     * @throws IllegalArgumentException if {@code name} is empty or contains {@code '='} or a
     *                                  NUL character, or {@code value} contains a NUL character
     *                                  (as {@link ProcessBuilder#environment()} refuses them)
     */
    public Spawn environment(String name, String value) {
        if (name.isEmpty() || name.indexOf('=') >= 0) {
            throw new IllegalArgumentException("environment variable name \"" + name.replace("\0", "\\0")
                    + "\" is empty or contains '='");
        }
        checkNoNul("environment variable name", name);
        if (value != null) {
            checkNoNul("value of environment variable " + name, value);
        }
        if (value == null) {
            environment.remove(name);
        } else {
            environment.put(name, value);
        }
        return this;
    }

    /**
     * Starts from an empty environment instead of this process's.
     *
     * @return this description
     */
    public Spawn clearEnvironment() {
        environment.clear();
        return this;
    }

    /**
     * The child's working directory (default: this process's).
     *
     * @param dir the directory the child starts in; {@code null} for this process's
     * @return this description
     */
    public Spawn directory(Path dir) {
        this.directory = dir;
        return this;
    }

    /**
     * Gives the child this process's descriptor {@code parentFd} as its descriptor
     * {@code childFd} (0 for standard input, and so on). Later calls for the same
     * {@code childFd} replace earlier ones. This process's own descriptor is untouched:
     * close it here if the child alone should hold it (a pipe's far end, say).
     *
     * @param childFd the descriptor number the child sees; 0 or more
     * @param parentFd an open descriptor of this process; 0 or more
     * @return this description
     */
    public Spawn mapDescriptor(int childFd, int parentFd) {
        if (childFd < 0 || parentFd < 0) {
            throw new IllegalArgumentException("descriptors must not be negative: " + childFd + " <- " + parentFd);
        }
        fdMap.put(childFd, parentFd);
        return this;
    }

    /**
     * Runs the child as {@code uid}/{@code gid} with no supplementary groups (needs
     * privilege; a refusal is reported as {@code EPERM} from {@code setuid}/{@code setgid}).
     *
     * @param uid the user id the child runs as; 0 or more
     * @param gid the group id the child runs as; 0 or more
     * @return this description
     */
    public Spawn user(int uid, int gid) {
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must not be negative");
        }
        this.uid = uid;
        this.gid = gid;
        return this;
    }

    /**
     * Starts the child in a new session and process group ({@code setsid}).
     *
     * @return this description
     */
    public Spawn newSession() {
        this.newSession = true;
        return this;
    }

    /**
     * Starts the child. Returns once it has reached {@code execve} successfully.
     *
     * @return the running child; {@link ChildProcess#waitFor()} reaps it
     * @throws IpcException naming the failed step: {@code spawn: execve("/no/such"): ... (ENOENT)}
     */
    public ChildProcess start() throws IpcException {
        String path = resolve(program);
        List<String> argv = new ArrayList<>();
        argv.add(program);
        argv.addAll(args);
        List<String> envp = new ArrayList<>();
        environment.forEach((k, v) -> envp.add(k + "=" + v));
        int[] child = new int[fdMap.size()];
        int[] parent = new int[fdMap.size()];
        int i = 0;
        for (Map.Entry<Integer, Integer> e : fdMap.entrySet()) {
            child[i] = e.getKey();
            parent[i] = e.getValue();
            i++;
        }
        int pid = Spawner.spawn(new Spawner.Request(path, argv, envp, child, parent,
                directory == null ? null : directory.toString(), uid, gid, uid >= 0, gid >= 0, newSession));
        return new ChildProcess(pid, program);
    }

    /** PATH search in the parent, as execvp would do it, so the child only calls execve. */
    private String resolve(String name) throws IpcException {
        if (name.contains("/")) {
            return name;
        }
        String path = environment.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw Errno.exception("spawn: execvp", name, Errno.ENOENT);
    }

    private static void checkNoNul(String what, String s) {
        int at = s.indexOf('\0');
        if (at >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL character at index " + at
                    + ", which would cut it short: \"" + s.replace("\0", "\\0") + "\"");
        }
    }

    /**
     * Describes the same run under a wrapper program that ends by executing its remaining
     * arguments ({@code ip netns exec NAME}, {@code unshare -m}, {@code nice -n 10}): the
     * wrapper gets {@code wrapperArgs}, then this description's program and arguments. The
     * environment, descriptor map, directory, session and ids are carried over, so a
     * {@link #java(Class, String...)} child keeps its module path, class path and grant.
     * This description is left as it was.
     *
     * @param wrapper     the wrapper: a path, or a name searched in PATH
     * @param wrapperArgs the wrapper's own arguments, before the wrapped command
     * @return a new description, to adjust and {@link #start()}
     */
    public Spawn wrappedIn(String wrapper, String... wrapperArgs) {
        Spawn w = command(wrapper, wrapperArgs).args(command().toArray(String[]::new));
        w.environment.clear();
        w.environment.putAll(environment);
        w.fdMap.putAll(fdMap);
        w.directory = directory;
        w.uid = uid;
        w.gid = gid;
        w.newSession = newSession;
        return w;
    }

    /** {@return the program and its arguments as they stand, argv[0] first} (for tests that wrap a command) */
    List<String> command() {
        List<String> all = new ArrayList<>();
        all.add(program);
        all.addAll(args);
        return all;
    }

    @Override
    public String toString() {
        return "Spawn[" + program + " " + String.join(" ", args) + "]";
    }
}
