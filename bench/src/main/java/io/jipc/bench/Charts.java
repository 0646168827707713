package io.jipc.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.TexturePaint;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The report's charts, drawn with Java2D on a headless {@link BufferedImage}: one
 * latency-percentile chart per message size (a line per transport and implementation,
 * log scale) and one throughput chart (bars grouped by size, log scale). Colour names the
 * transport; Java is solid, C is dashed (lines) or hatched (bars).
 */
final class Charts {
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 600;
    private static final int LEFT = 90;
    private static final int RIGHT = 250;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;
    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0x17becf), new Color(0xe377c2)};
    private static final String[] PERCENTILES = {"p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"};
    private static final String[] PERCENTILE_LABELS = {"p50", "p90", "p99", "p99.9", "max"};

    private Charts() {
    }

    /** One line or bar set: a transport in one implementation. */
    private record Series(String transport, String impl, Color color) {
        String label() {
            return transport + (impl.equals("java") ? " (Java)" : " (C)");
        }
    }

    /** Draws every chart the results allow. {@return the file names written} */
    static List<String> draw(Report report, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> files = new ArrayList<>();
        Main.Settings s = report.settings();
        List<String> transports = s.transports();
        if (s.plan().metrics().contains("rtt")) {
            for (int size : s.plan().sizes()) {
                List<Series> series = series(report, transports, "rtt", size);
                if (!series.isEmpty()) {
                    String name = "rtt-" + size + ".png";
                    ImageIO.write(latency(report, series, size), "png", dir.resolve(name).toFile());
                    files.add(name);
                }
            }
        }
        if (s.plan().metrics().contains("tput")) {
            List<Series> series = new ArrayList<>();
            for (int size : s.plan().sizes()) {
                for (Series x : series(report, transports, "tput", size)) {
                    if (!series.contains(x)) {
                        series.add(x);
                    }
                }
            }
            if (!series.isEmpty()) {
                ImageIO.write(throughput(report, series), "png", dir.resolve("tput.png").toFile());
                files.add("tput.png");
            }
        }
        return files;
    }

    private static List<Series> series(Report report, List<String> transports, String metric, int size) {
        List<Series> out = new ArrayList<>();
        for (int i = 0; i < transports.size(); i++) {
            for (String impl : List.of("java", "c")) {
                String field = metric.equals("rtt") ? "p50_ns" : "msgs_per_s";
                if (!Double.isNaN(report.median(impl, transports.get(i), metric, size, field))) {
                    out.add(new Series(transports.get(i), impl, PALETTE[i % PALETTE.length]));
                }
            }
        }
        return out;
    }

    private static BufferedImage latency(Report report, List<Series> series, int size) {
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Series x : series) {
            for (String p : PERCENTILES) {
                double v = report.median(x.impl(), x.transport(), "rtt", size, p);
                if (v > 0) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        Axis y = new Axis(lo, hi);
        BufferedImage img = canvas();
        Graphics2D g = img.createGraphics();
        setUp(g);
        title(g, "Round-trip latency, " + size + "-byte messages",
                "median of " + report.settings().rounds() + " round(s) per percentile; pin "
                        + report.settings().pin() + "; log scale");
        y.draw(g, Charts::latencyLabel);
        int plotW = WIDTH - LEFT - RIGHT;
        int step = plotW / PERCENTILES.length;
        g.setColor(Color.DARK_GRAY);
        g.setFont(g.getFont().deriveFont(14f));
        for (int i = 0; i < PERCENTILES.length; i++) {
            centered(g, PERCENTILE_LABELS[i], LEFT + step / 2 + i * step, HEIGHT - BOTTOM + 22);
        }
        centered(g, "percentile of round trips", LEFT + plotW / 2, HEIGHT - BOTTOM + 50);
        for (Series x : series) {
            Path2D.Double line = new Path2D.Double();
            boolean first = true;
            List<int[]> marks = new ArrayList<>();
            for (int i = 0; i < PERCENTILES.length; i++) {
                double v = report.median(x.impl(), x.transport(), "rtt", size, PERCENTILES[i]);
                if (!(v > 0)) {
                    continue;
                }
                int px = LEFT + step / 2 + i * step;
                int py = y.pixel(v);
                if (first) {
                    line.moveTo(px, py);
                    first = false;
                } else {
                    line.lineTo(px, py);
                }
                marks.add(new int[] {px, py});
            }
            g.setColor(x.color());
            g.setStroke(stroke(x.impl()));
            g.draw(line);
            for (int[] m : marks) {
                marker(g, x.impl(), m[0], m[1]);
            }
        }
        legend(g, series, false);
        g.dispose();
        return img;
    }

    private static BufferedImage throughput(Report report, List<Series> series) {
        List<Integer> sizes = report.settings().plan().sizes();
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Series x : series) {
            for (int size : sizes) {
                double v = report.median(x.impl(), x.transport(), "tput", size, "msgs_per_s");
                if (v > 0) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        Axis y = new Axis(lo, hi);
        BufferedImage img = canvas();
        Graphics2D g = img.createGraphics();
        setUp(g);
        title(g, "One-way throughput by message size",
                "messages per second, median of " + report.settings().rounds() + " round(s); pin "
                        + report.settings().pin() + "; log scale");
        y.draw(g, Charts::rateLabel);
        int plotW = WIDTH - LEFT - RIGHT;
        int group = plotW / sizes.size();
        int bar = Math.max(3, (group - 24) / series.size());
        g.setFont(g.getFont().deriveFont(14f));
        for (int gi = 0; gi < sizes.size(); gi++) {
            int size = sizes.get(gi);
            int x0 = LEFT + gi * group + (group - bar * series.size()) / 2;
            for (int si = 0; si < series.size(); si++) {
                Series x = series.get(si);
                double v = report.median(x.impl(), x.transport(), "tput", size, "msgs_per_s");
                if (!(v > 0)) {
                    continue;
                }
                int top = y.pixel(v);
                Rectangle r = new Rectangle(x0 + si * bar, top, bar - 1, HEIGHT - BOTTOM - top);
                g.setPaint(fill(x));
                g.fill(r);
                g.setColor(x.color().darker());
                g.setStroke(new BasicStroke(1f));
                g.draw(r);
            }
            g.setColor(Color.DARK_GRAY);
            centered(g, size + " B", LEFT + gi * group + group / 2, HEIGHT - BOTTOM + 22);
        }
        centered(g, "message size", LEFT + plotW / 2, HEIGHT - BOTTOM + 50);
        legend(g, series, true);
        g.dispose();
        return img;
    }

    // ---- pieces ---------------------------------------------------------------------------

    /** A logarithmic value axis from the decade below the smallest value to the one above the largest. */
    private static final class Axis {
        final int lowDecade;
        final int highDecade;

        Axis(double lo, double hi) {
            if (hi <= 0) {
                lo = 1;
                hi = 10;
            }
            lowDecade = (int) Math.floor(Math.log10(lo));
            highDecade = Math.max(lowDecade + 1, (int) Math.ceil(Math.log10(hi)));
        }

        int pixel(double v) {
            double f = (Math.log10(v) - lowDecade) / (highDecade - lowDecade);
            int plotH = HEIGHT - TOP - BOTTOM;
            return (int) Math.round(HEIGHT - BOTTOM - f * plotH);
        }

        void draw(Graphics2D g, java.util.function.DoubleFunction<String> label) {
            g.setFont(g.getFont().deriveFont(13f));
            FontMetrics fm = g.getFontMetrics();
            for (int d = lowDecade; d <= highDecade; d++) {
                double v = Math.pow(10, d);
                int py = pixel(v);
                g.setColor(new Color(0xcccccc));
                g.setStroke(new BasicStroke(1f));
                g.drawLine(LEFT, py, WIDTH - RIGHT, py);
                if (d < highDecade) {
                    g.setColor(new Color(0xeeeeee));
                    for (int m = 2; m < 10; m++) {
                        int pm = pixel(m * v);
                        g.drawLine(LEFT, pm, WIDTH - RIGHT, pm);
                    }
                }
                g.setColor(Color.DARK_GRAY);
                String s = label.apply(v);
                g.drawString(s, LEFT - 8 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
            }
            g.setColor(Color.GRAY);
            g.drawRect(LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        }
    }

    private static String latencyLabel(double ns) {
        if (ns < 1000) {
            return trim(ns) + " ns";
        }
        if (ns < 1_000_000) {
            return trim(ns / 1e3) + " µs";
        }
        if (ns < 1_000_000_000) {
            return trim(ns / 1e6) + " ms";
        }
        return trim(ns / 1e9) + " s";
    }

    private static String rateLabel(double perSecond) {
        if (perSecond < 1000) {
            return trim(perSecond) + "/s";
        }
        if (perSecond < 1_000_000) {
            return trim(perSecond / 1e3) + " k/s";
        }
        return trim(perSecond / 1e6) + " M/s";
    }

    private static String trim(double v) {
        return v >= 1 ? Long.toString(Math.round(v)) : Main.format("%.1f", v);
    }

    private static BufferedImage canvas() {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.dispose();
        return img;
    }

    private static void setUp(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    }

    private static void title(Graphics2D g, String title, String subtitle) {
        g.setColor(Color.BLACK);
        g.setFont(g.getFont().deriveFont(Font.BOLD, 18f));
        g.drawString(title, LEFT, 28);
        g.setFont(g.getFont().deriveFont(Font.PLAIN, 13f));
        g.setColor(Color.DARK_GRAY);
        g.drawString(subtitle, LEFT, 48);
    }

    private static void centered(Graphics2D g, String s, int x, int y) {
        g.drawString(s, x - g.getFontMetrics().stringWidth(s) / 2, y);
    }

    private static BasicStroke stroke(String impl) {
        return impl.equals("java")
                ? new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)
                : new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {8f, 6f}, 0f);
    }

    private static void marker(Graphics2D g, String impl, int x, int y) {
        g.setStroke(new BasicStroke(1.5f));
        if (impl.equals("java")) {
            g.fillOval(x - 4, y - 4, 9, 9);
        } else {
            Color c = g.getColor();
            g.setColor(Color.WHITE);
            g.fillRect(x - 4, y - 4, 9, 9);
            g.setColor(c);
            g.drawRect(x - 4, y - 4, 9, 9);
        }
    }

    /** Java bars solid, C bars hatched in the same colour. */
    private static java.awt.Paint fill(Series x) {
        if (x.impl().equals("java")) {
            return x.color();
        }
        BufferedImage tile = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        Graphics2D t = tile.createGraphics();
        t.setColor(Color.WHITE);
        t.fillRect(0, 0, 8, 8);
        t.setColor(x.color());
        t.setStroke(new BasicStroke(2f));
        t.drawLine(0, 8, 8, 0);
        t.drawLine(-4, 4, 4, -4);
        t.drawLine(4, 12, 12, 4);
        t.dispose();
        return new TexturePaint(tile, new Rectangle(0, 0, 8, 8));
    }

    private static void legend(Graphics2D g, List<Series> series, boolean bars) {
        int x = WIDTH - RIGHT + 20;
        int y = TOP + 10;
        g.setFont(g.getFont().deriveFont(Font.PLAIN, 13f));
        for (Series s : series) {
            if (bars) {
                Rectangle r = new Rectangle(x, y - 10, 26, 13);
                g.setPaint(fill(s));
                g.fill(r);
                g.setColor(s.color().darker());
                g.setStroke(new BasicStroke(1f));
                g.draw(r);
            } else {
                g.setColor(s.color());
                g.setStroke(stroke(s.impl()));
                g.drawLine(x, y - 4, x + 26, y - 4);
                marker(g, s.impl(), x + 13, y - 4);
            }
            g.setColor(Color.BLACK);
            g.drawString(s.label(), x + 36, y);
            y += 22;
        }
    }
}
