package io.jipc.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One in-process run of the {@code jipc} command, as a test sees it: the exit code and
 * what went to standard output and standard error.
 *
 * @param code the exit code
 * @param out  standard output
 * @param err  standard error
 */
public record CliRun(int code, String out, String err) {
    /** {@return the outcome of {@code jipc args...}, with jipc's error reporting} */
    public static CliRun execute(String... args) {
        return execute(Main.commandLine(), args);
    }

    /** {@return the outcome of running {@code cmd} with {@code args}} */
    public static CliRun execute(CommandLine cmd, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** {@return the number in the table row labelled {@code label}} */
    public static long number(String output, String label) {
        Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(label) + " +([0-9,]+)").matcher(output);
        assertTrue(m.find(), "no '" + label + "' row in:\n" + output);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    /** {@return the number, decimals allowed, in the table row labelled {@code label}} */
    public static double decimal(String output, String label) {
        Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(label) + " +([0-9,]+(?:\\.[0-9]+)?)").matcher(output);
        assertTrue(m.find(), "no '" + label + "' row in:\n" + output);
        return Double.parseDouble(m.group(1).replace(",", ""));
    }

    /** Demos are shown in lecture halls: no line may be wider than 80 columns. */
    public static void assertFitsTheTerminal(String output) {
        output.lines().forEach(line -> assertTrue(line.length() <= 80, "longer than 80 columns: " + line));
    }
}
