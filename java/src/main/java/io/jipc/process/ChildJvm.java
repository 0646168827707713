package io.jipc.process;

import java.lang.module.ModuleFinder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The command line of a child JVM that sees the same code as this one (see
 * {@link Spawn#java(Class, String...)} for the exact list): the paths, the module-system
 * options and jipc's native-access grant, then the main class.
 */
final class ChildJvm {
    /** Options that shape which code the JVM sees and may call natively; nothing else is passed on. */
    private static final List<String> MODULE_OPTIONS = List.of("--add-modules", "--add-reads",
            "--add-exports", "--add-opens", "--patch-module", "--limit-modules", "--upgrade-module-path",
            "--enable-native-access");

    private ChildJvm() {
    }

    /** {@return the options before the main class: paths, module options, native access} */
    static List<String> options() {
        List<String> cmd = new ArrayList<>();
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && !modulePath.isEmpty()) {
            cmd.add("--module-path");
            cmd.add(modulePath);
        }
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.isEmpty()) {
            cmd.add("-cp");
            cmd.add(classPath);
        }
        Set<String> nativeAccess = new LinkedHashSet<>();
        for (String option : moduleOptions()) {
            if (option.startsWith("--enable-native-access=")) {
                nativeAccess.addAll(List.of(option.substring(option.indexOf('=') + 1).split(",")));
            } else {
                cmd.add(option);
            }
        }
        Module jipc = ChildJvm.class.getModule();
        if (jipc.isNamed()) {
            nativeAccess.add(jipc.getName());
            if (modulePath != null && !modulePath.isEmpty()) {
                // A main class on the class path does not make jipc's module resolve by itself.
                cmd.add("--add-modules");
                cmd.add(jipc.getName());
            }
        } else {
            nativeAccess.add("ALL-UNNAMED");
        }
        cmd.add("--enable-native-access=" + String.join(",", nativeAccess));
        String libraryOverride = System.getProperty("jipc.library.path");
        if (libraryOverride != null) {
            cmd.add("-Djipc.library.path=" + libraryOverride);
        }
        return cmd;
    }

    /** {@return {@code -m module/class} for a class of a named module of the boot layer, else its name} */
    static List<String> main(Class<?> mainClass) {
        Module module = mainClass.getModule();
        if (!module.isNamed()) {
            return List.of(mainClass.getName());
        }
        if (module.getLayer() != ModuleLayer.boot()) {
            throw new IllegalArgumentException(mainClass.getName() + " is in module " + module.getName()
                    + " of a layer other than the boot layer: a child JVM could not find it");
        }
        if (ModuleFinder.ofSystem().find(module.getName()).isPresent()) {
            throw new IllegalArgumentException(mainClass.getName() + " is in the JDK's own module "
                    + module.getName());
        }
        return List.of("-m", module.getName() + "/" + mainClass.getName());
    }

    /**
     * This JVM's module-system options, each as one {@code --name=value} word. They come
     * from {@code RuntimeMXBean.getInputArguments()} (argument files already expanded),
     * called reflectively so that jipc's module does not require {@code java.management};
     * without that module in the boot layer the list is empty.
     */
    private static List<String> moduleOptions() {
        List<String> input;
        try {
            Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
            Object runtime = factory.getMethod("getRuntimeMXBean").invoke(null);
            Class<?> bean = Class.forName("java.lang.management.RuntimeMXBean");
            @SuppressWarnings("unchecked")
            List<String> got = (List<String>) bean.getMethod("getInputArguments").invoke(runtime);
            input = got;
        } catch (ReflectiveOperationException | LinkageError | SecurityException e) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            String arg = input.get(i);
            for (String name : MODULE_OPTIONS) {
                if (arg.startsWith(name + "=")) {
                    out.add(arg);
                } else if (arg.equals(name) && i + 1 < input.size()) {
                    out.add(name + "=" + input.get(++i));
                }
            }
        }
        return out;
    }
}
