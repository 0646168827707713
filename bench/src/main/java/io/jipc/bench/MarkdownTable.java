package io.jipc.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The harness's one table printer: a markdown table that also reads well on a terminal
 * (columns padded; all but the first two right-aligned, as numbers are).
 */
final class MarkdownTable {
    private final List<String[]> rows = new ArrayList<>();

    MarkdownTable(String... header) {
        rows.add(header);
    }

    MarkdownTable row(String... cells) {
        if (cells.length != rows.getFirst().length) {
            throw new IllegalArgumentException(cells.length + " cells for " + rows.getFirst().length + " columns");
        }
        rows.add(cells);
        return this;
    }

    @Override
    public String toString() {
        int[] w = new int[rows.getFirst().length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < rows.size(); k++) {
            String[] r = rows.get(k);
            b.append('|');
            for (int i = 0; i < r.length; i++) {
                b.append(' ').append(pad(r[i], w[i], i > 1)).append(" |");
            }
            b.append('\n');
            if (k == 0) {
                b.append('|');
                for (int i = 0; i < r.length; i++) {
                    char[] dashes = new char[w[i]];
                    Arrays.fill(dashes, '-');
                    b.append(' ').append(dashes);
                    b.append(i > 1 ? ":|" : " |");
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return right ? fill + s : s + fill;
    }
}
