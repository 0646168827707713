package io.jipc.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a demo prints, laid out for an 80-column terminal and a lecture hall: a title,
 * a table of short aligned rows, then paragraphs of explanation.
 *
 * <pre>
 *   expected        2,000,000
 *   actual          1,234,567
 *   lost updates      765,433   38.3 %
 *   time                 41.2 ms
 * </pre>
 *
 * Numbers are right-aligned in one column; text values start where that column starts.
 */
public final class Report {
    /** Text never goes past this column, leaving a margin on an 80-column terminal. */
    public static final int WIDTH = 78;
    private static final String INDENT = "  ";

    /**
     * One row. A {@code unit} (ms, us) follows the number after one space, so the decimals
     * hang past the column; a {@code note} follows after three.
     */
    private record Row(String label, String value, boolean numeric, String unit, String note) {
    }

    private final List<Row> rows = new ArrayList<>();

    /** A row whose value is text, such as a name or a list of pids. */
    public Report text(String label, String value) {
        rows.add(new Row(label, value, false, "", ""));
        return this;
    }

    /** A row with a count, grouped by thousands, and an optional note after it. */
    public Report count(String label, long value, String note) {
        rows.add(new Row(label, String.format(Locale.ROOT, "%,d", value), true, "", note));
        return this;
    }

    /** A row with a duration in milliseconds: one decimal below 100 ms. */
    public Report millis(String label, Duration time) {
        rows.add(new Row(label, decimal(time.toNanos() / 1e6), true, "ms", ""));
        return this;
    }

    /**
     * A row with a duration in microseconds (us: the output is ASCII, for any terminal):
     * one decimal below 100 us; and an optional note after it.
     */
    public Report micros(String label, long nanos, String note) {
        rows.add(new Row(label, decimal(nanos / 1e3), true, "us", note));
        return this;
    }

    /** {@code value} with one decimal below 100, else rounded and grouped. */
    private static String decimal(double value) {
        return value < 100 ? String.format(Locale.ROOT, "%.1f", value)
                : String.format(Locale.ROOT, "%,d", Math.round(value));
    }

    /** Prints the rows, then a blank line. */
    public void printTable(PrintWriter out) {
        int labelWidth = rows.stream().mapToInt(r -> r.label().length()).max().orElse(0) + 2;
        int numberWidth = rows.stream().filter(Row::numeric).mapToInt(r -> integerPart(r.value()).length()).max().orElse(0);
        for (Row r : rows) {
            StringBuilder line = new StringBuilder(INDENT).append(pad(r.label(), labelWidth));
            if (r.numeric()) {
                String integer = integerPart(r.value());
                line.append(" ".repeat(numberWidth - integer.length())).append(r.value());
            } else {
                line.append(r.value());
            }
            if (!r.unit().isEmpty()) {
                line.append(' ').append(r.unit());
            }
            if (!r.note().isEmpty()) {
                line.append("   ").append(r.note());
            }
            out.println(stripTrailing(line));
        }
        out.println();
        out.flush();
    }

    /** Prints {@code text} wrapped at {@link #WIDTH}, then a blank line; "\n" starts a new line. */
    public static void paragraph(PrintWriter out, String text) {
        for (String line : text.strip().split("\n")) {
            wrap(out, line.strip());
        }
        out.println();
        out.flush();
    }

    /**
     * Prints {@code marker} (such as "  1.") and a space, then {@code text} wrapped at
     * {@link #WIDTH}, its further lines indented under its first; no blank line after.
     */
    public static void item(PrintWriter out, String marker, String text) {
        String indent = " ".repeat(marker.length() + 1);
        StringBuilder current = new StringBuilder(marker).append(' ');
        boolean first = true;
        for (String word : text.strip().split(" +")) {
            if (!first && current.length() + 1 + word.length() > WIDTH) {
                out.println(current);
                current.setLength(0);
                current.append(indent);
                first = true;
            }
            if (!first) {
                current.append(' ');
            }
            current.append(word);
            first = false;
        }
        out.println(current);
        out.flush();
    }

    /** {@return {@code part} as a percentage of {@code whole}, such as "38.3 %"} */
    public static String percent(long part, long whole) {
        return String.format(Locale.ROOT, "%.1f %%", whole == 0 ? 0.0 : 100.0 * part / whole);
    }

    /** {@return {@code n} grouped by thousands: 1,000,000} */
    public static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static void wrap(PrintWriter out, String line) {
        StringBuilder current = new StringBuilder();
        for (String word : line.split(" +")) {
            if (!current.isEmpty() && current.length() + 1 + word.length() > WIDTH) {
                out.println(current);
                current.setLength(0);
            }
            if (!current.isEmpty()) {
                current.append(' ');
            }
            current.append(word);
        }
        out.println(current);
    }

    private static String integerPart(String number) {
        int dot = number.indexOf('.');
        return dot < 0 ? number : number.substring(0, dot);
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }

    private static String stripTrailing(StringBuilder sb) {
        return sb.toString().stripTrailing();
    }
}
