package dev.sluice.cli;

import java.io.PrintStream;
import java.util.List;

/** Rows under their column names, each column as wide as its widest cell. */
final class TextTable {
  private static final int CELL_CHARS_MAX = 60;

  private TextTable() {}

  static void print(List<String> columns, List<List<String>> rows, PrintStream out) {
    int[] widths = new int[columns.size()];
    for (int c = 0; c < widths.length; c++) {
      widths[c] = columns.get(c).length();
      for (List<String> row : rows) {
        widths[c] = Math.max(widths[c], cell(row, c).length());
      }
    }
    line(columns, widths, out);
    for (List<String> row : rows) {
      line(row, widths, out);
    }
    if (rows.isEmpty()) {
      out.println("(none)");
    }
  }

  private static void line(List<String> cells, int[] widths, PrintStream out) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < widths.length; c++) {
      String cell = cell(cells, c);
      line.append(cell);
      if (c < widths.length - 1) {
        line.append(" ".repeat(widths[c] - cell.length() + 2));
      }
    }
    out.println(line);
  }

  /** Long cells are cut, so one huge value cannot push every other column off the screen. */
  private static String cell(List<String> cells, int c) {
    String text = c < cells.size() && cells.get(c) != null ? cells.get(c) : "";
    return text.length() <= CELL_CHARS_MAX ? text : text.substring(0, CELL_CHARS_MAX - 1) + "…";
  }
}
