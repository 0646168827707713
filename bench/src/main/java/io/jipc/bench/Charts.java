package io.jipc.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The report's charts, drawn with Java2D on a headless {@link BufferedImage}: one
 * latency-percentile chart per message size (a line per transport and implementation) and
 * one throughput chart (a point per series and size), both on log scales. Every series has
 * its own colour and marker; Java's lines are solid, C's dashed. Points are medians over
 * rounds; the bar through each spans the rounds, smallest to largest. Throughput is drawn
 * as points, not bars: a bar on a log scale starts from an arbitrary base and its length
 * means nothing. p99.9 and max are left out of a series with fewer than
 * {@link BenchReport#TAIL_SAMPLES} samples in a round.
 *
 * <p>Long because it draws with Java2D alone: axes, markers, error bars
 * and legends are here rather than in a chart library the harness would have to carry.
 */
final class Charts {
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 700;
    private static final int LEFT = 90;
    private static final int RIGHT = 260;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;
    /** Twenty colours (Tableau's "tab20", dark and light of ten hues), so no two series share one. */
    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf), new Color(0x0b4f7c), new Color(0xb35806),
            new Color(0x1b7a1b), new Color(0x8c1515), new Color(0x5e3c99), new Color(0x4d2b25),
            new Color(0xa6307f), new Color(0x404040), new Color(0x7a7a10), new Color(0x0e7c8a)};
    /** Marker shapes, cycled independently of the colours. */
    private static final int SHAPES = 7;
    private static final String[] PERCENTILES = {"p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"};
    private static final String[] PERCENTILE_LABELS = {"p50", "p90", "p99", "p99.9", "max"};

    private Charts() {
    }

    /** One line or set of points: a transport in one implementation, with its colour and marker shape. */
    private record Series(String transport, String impl, Color color, int shape) {
        String label() {
            return transport + (impl.equals("java") ? " (Java)" : " (C)");
        }
    }

    /** Draws every chart the results allow. {@return the file names written} */
    static List<String> draw(BenchReport report, Path dir) throws IOException {
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

    /** The series with results, each with the colour and shape of its place among all the run's series. */
    private static List<Series> series(BenchReport report, List<String> transports, String metric, int size) {
        List<Series> out = new ArrayList<>();
        int i = 0;
        for (String tr : transports) {
            for (String impl : List.of("java", "c")) {
                if (!Main.available(impl, tr)) {
                    continue;
                }
                String field = metric.equals("rtt") ? "p50_ns" : "msgs_per_s";
                if (!Double.isNaN(report.median(impl, tr, metric, size, field))) {
                    out.add(new Series(tr, impl, PALETTE[i % PALETTE.length], i % SHAPES));
                }
                i++;
            }
        }
        return out;
    }

    private static BufferedImage latency(BenchReport report, List<Series> series, int size) {
        Results results = report.results();
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Series x : series) {
            for (int p = 0; p < percentiles(report, x, size); p++) {
                double[] v = results.values(x.impl(), x.transport(), "rtt", size, PERCENTILES[p]);
                if (v.length > 0 && v[0] > 0) {
                    lo = Math.min(lo, v[0]);
                    hi = Math.max(hi, v[v.length - 1]);
                }
            }
        }
        Axis y = new Axis(lo, hi);
        BufferedImage img = canvas();
        Graphics2D g = img.createGraphics();
        setUp(g);
        title(g, "Round-trip latency, " + size + "-byte messages",
                "median of " + report.settings().rounds() + " round(s) per percentile, bars: the rounds' range; pin "
                        + report.settings().pin() + "; log scale; p99.9 and max only with ≥ 10k samples");
        y.draw(g, Charts::latencyLabel);
        int plotW = WIDTH - LEFT - RIGHT;
        int step = plotW / PERCENTILES.length;
        g.setColor(Color.DARK_GRAY);
        g.setFont(g.getFont().deriveFont(14f));
        for (int i = 0; i < PERCENTILES.length; i++) {
            centered(g, PERCENTILE_LABELS[i], LEFT + step / 2 + i * step, HEIGHT - BOTTOM + 22);
        }
        centered(g, "percentile of round trips", LEFT + plotW / 2, HEIGHT - BOTTOM + 50);
        for (int si = 0; si < series.size(); si++) {
            Series x = series.get(si);
            // Each series a little apart from the others, so error bars do not hide each other.
            int dx = spread(si, series.size(), step / 2);
            Path2D.Double line = new Path2D.Double();
            List<int[]> marks = new ArrayList<>();
            for (int i = 0; i < percentiles(report, x, size); i++) {
                double[] v = results.values(x.impl(), x.transport(), "rtt", size, PERCENTILES[i]);
                double m = Results.median(v);
                if (!(m > 0)) {
                    continue;
                }
                int px = LEFT + step / 2 + i * step + dx;
                int py = y.pixel(m);
                if (marks.isEmpty()) {
                    line.moveTo(px, py);
                } else {
                    line.lineTo(px, py);
                }
                marks.add(new int[] {px, py, y.pixel(v[0]), y.pixel(v[v.length - 1])});
            }
            g.setColor(x.color());
            g.setStroke(stroke(x.impl()));
            g.draw(line);
            for (int[] m : marks) {
                errorBar(g, m[0], m[2], m[3]);
                marker(g, x.shape(), m[0], m[1]);
            }
        }
        legend(g, series);
        g.dispose();
        return img;
    }

    /** {@return how many of {@link #PERCENTILES} a series shows: all, or up to p99 below 10k samples} */
    private static int percentiles(BenchReport report, Series x, int size) {
        return report.tailShown(x.impl(), x.transport(), size) ? PERCENTILES.length : 3;
    }

    /**
     * {@return the horizontal offset of series {@code i} of {@code n}, within ±{@code half} / 2: apart
     * enough that error bars do not hide each other, near enough that each point stays at its percentile}
     */
    private static int spread(int i, int n, int half) {
        return n < 2 ? 0 : (int) Math.round((i - (n - 1) / 2.0) * Math.min(4, (double) half / n));
    }

    private static BufferedImage throughput(BenchReport report, List<Series> series) {
        Results results = report.results();
        List<Integer> sizes = report.settings().plan().sizes();
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Series x : series) {
            for (int size : sizes) {
                double[] v = results.values(x.impl(), x.transport(), "tput", size, "msgs_per_s");
                if (v.length > 0 && v[0] > 0) {
                    lo = Math.min(lo, v[0]);
                    hi = Math.max(hi, v[v.length - 1]);
                }
            }
        }
        Axis y = new Axis(lo, hi);
        BufferedImage img = canvas();
        Graphics2D g = img.createGraphics();
        setUp(g);
        title(g, "One-way throughput by message size",
                "messages per second, median of " + report.settings().rounds() + " round(s), bars: the rounds' range; pin "
                        + report.settings().pin() + "; log scale (points, not bars: a log axis has no zero)");
        y.draw(g, Charts::rateLabel);
        int plotW = WIDTH - LEFT - RIGHT;
        int group = plotW / sizes.size();
        g.setFont(g.getFont().deriveFont(14f));
        for (int gi = 0; gi < sizes.size(); gi++) {
            int size = sizes.get(gi);
            int centre = LEFT + gi * group + group / 2;
            if (gi > 0) {
                g.setColor(new Color(0xdddddd));
                g.setStroke(new BasicStroke(1f));
                g.drawLine(LEFT + gi * group, TOP, LEFT + gi * group, HEIGHT - BOTTOM);
            }
            for (int si = 0; si < series.size(); si++) {
                Series x = series.get(si);
                double[] v = results.values(x.impl(), x.transport(), "tput", size, "msgs_per_s");
                double m = Results.median(v);
                if (!(m > 0)) {
                    continue;
                }
                int px = centre + (int) Math.round((si - (series.size() - 1) / 2.0) * (group - 24.0) / series.size());
                g.setColor(x.color());
                errorBar(g, px, y.pixel(v[0]), y.pixel(v[v.length - 1]));
                marker(g, x.shape(), px, y.pixel(m));
            }
            g.setColor(Color.DARK_GRAY);
            centered(g, size + " B", centre, HEIGHT - BOTTOM + 22);
        }
        centered(g, "message size", LEFT + plotW / 2, HEIGHT - BOTTOM + 50);
        legend(g, series);
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

    /** A vertical bar from {@code y0} to {@code y1} with short caps, in the current colour. */
    private static void errorBar(Graphics2D g, int x, int y0, int y1) {
        if (Math.abs(y1 - y0) < 2) {
            return;
        }
        g.setStroke(new BasicStroke(1.2f));
        g.drawLine(x, y0, x, y1);
        g.drawLine(x - 3, y0, x + 3, y0);
        g.drawLine(x - 3, y1, x + 3, y1);
    }

    /** Marker {@code shape} (0..SHAPES-1) centred on x, y: filled, with a darker outline. */
    private static void marker(Graphics2D g, int shape, int x, int y) {
        Shape s = switch (shape) {
            case 0 -> new Ellipse2D.Double(x - 5, y - 5, 10, 10);
            case 1 -> new Rectangle(x - 4, y - 4, 9, 9);
            case 2 -> polygon(x, y, 3, 6.5, -Math.PI / 2);
            case 3 -> polygon(x, y, 4, 6.5, 0);
            case 4 -> polygon(x, y, 3, 6.5, Math.PI / 2);
            case 5 -> star(x, y);
            default -> polygon(x, y, 6, 6, 0);
        };
        Color c = g.getColor();
        g.fill(s);
        g.setColor(c.darker().darker());
        g.setStroke(new BasicStroke(1f));
        g.draw(s);
        g.setColor(c);
    }

    private static Shape polygon(double x, double y, int corners, double r, double phase) {
        Path2D.Double p = new Path2D.Double();
        for (int i = 0; i < corners; i++) {
            double a = phase + 2 * Math.PI * i / corners;
            if (i == 0) {
                p.moveTo(x + r * Math.cos(a), y + r * Math.sin(a));
            } else {
                p.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
            }
        }
        p.closePath();
        return p;
    }

    private static Shape star(double x, double y) {
        Path2D.Double p = new Path2D.Double();
        for (int i = 0; i < 10; i++) {
            double a = -Math.PI / 2 + Math.PI * i / 5;
            double r = i % 2 == 0 ? 7 : 3;
            if (i == 0) {
                p.moveTo(x + r * Math.cos(a), y + r * Math.sin(a));
            } else {
                p.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
            }
        }
        p.closePath();
        return p;
    }

    private static void legend(Graphics2D g, List<Series> series) {
        int x = WIDTH - RIGHT + 20;
        int y = TOP + 10;
        int line = Math.max(14, Math.min(22, (HEIGHT - TOP - 20) / Math.max(1, series.size())));
        g.setFont(g.getFont().deriveFont(Font.PLAIN, line < 18 ? 11f : 13f));
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(stroke(s.impl()));
            g.drawLine(x, y - 4, x + 26, y - 4);
            marker(g, s.shape(), x + 13, y - 4);
            g.setColor(Color.BLACK);
            g.drawString(s.label(), x + 36, y);
            y += line;
        }
    }
}
