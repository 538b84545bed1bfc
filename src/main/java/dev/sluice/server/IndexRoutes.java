package dev.sluice.server;

import com.fasterxml.jackson.databind.util.RawValue;
import dev.sluice.engine.Indexes;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import dev.sluice.operators.RowKey;
import dev.sluice.stores.search.SearchIndex;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads of indexes: {@code GET /views/{index}/rows/{value}} (every row with that value, paged) and
 * {@code GET /views/{search}/search?q=…}. Both take {@code after=TOKEN} and {@code timeout_ms} as
 * every read of derived state does.
 */
final class IndexRoutes {
  /** The response header that carries the cursor of the next page of an index lookup. */
  static final String NEXT_CURSOR = "Sluice-Next-Cursor";
  static final int LOOKUP_LIMIT_DEFAULT = 100;
  static final int SEARCH_LIMIT_DEFAULT = 10;
  static final int SEARCH_LIMIT_MAX = 1_000;

  private IndexRoutes() {}

  /**
   * The rows whose indexed value is {@code keyText} (for an index on several fields, a JSON array of
   * the first values), as a JSON array; when more remain, {@value #NEXT_CURSOR} names the next page,
   * which {@code cursor=} asks for.
   */
  static void lookup(Indexes indexes, Context ctx, String index, String keyText) throws IOException {
    Params params = Params.of(ctx, Set.of("limit", "cursor", "after", "timeout_ms"));
    int limit = (int) params.number("limit", LOOKUP_LIMIT_DEFAULT, 1, ViewRoutes.SCAN_LIMIT_MAX);
    String cursor = params.text("cursor");
    int fields = indexes.fields(index).size();
    Indexes.Page page = null;
    LogException refused = null;
    for (RowKey candidate : ViewRoutes.keyCandidates(keyText)) {
      List<Object> values = fields > 1 && candidate.value() instanceof List<?> list
          ? new ArrayList<>(list)
          : Arrays.asList(candidate.value());
      try {
        page = indexes.lookup(index, values, cursor, limit, ViewRoutes.token(params), ViewRoutes.timeout(params));
      } catch (LogException e) {
        if (e.code() != ErrorCode.INVALID_ARGUMENT) {
          throw e;
        }
        refused = e; // a cursor of the other reading of the key, or too many values
        continue;
      }
      if (!page.rows().isEmpty() || cursor != null) {
        break;
      }
    }
    if (page == null) {
      throw refused;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write('[');
    for (int i = 0; i < page.rows().size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.write(page.rows().get(i));
    }
    out.write(']');
    if (page.nextCursor() != null) {
      ctx.header(NEXT_CURSOR, page.nextCursor());
    }
    ctx.contentType("application/json");
    ctx.result(out.toByteArray());
  }

  static void search(Indexes indexes, Context ctx) {
    Params params = Params.of(ctx, Set.of("q", "limit", "offset", "facets", "after", "timeout_ms"));
    String view = ctx.pathParam("view");
    String q = params.text("q");
    if (q == null) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "q is missing: give the query, e.g. q=title:lamp");
    }
    int limit = (int) params.number("limit", SEARCH_LIMIT_DEFAULT, 0, SEARCH_LIMIT_MAX);
    int offset = (int) params.number("offset", 0, 0, SearchIndex.HITS_WINDOW_MAX);
    String facetText = params.text("facets");
    List<String> facets = facetText == null || facetText.isBlank()
        ? List.of()
        : Arrays.stream(facetText.split(",")).map(String::trim).filter(f -> !f.isEmpty()).toList();
    SearchIndex.Result result = indexes.search(view, q, limit, offset, facets, ViewRoutes.token(params),
        ViewRoutes.timeout(params));
    List<Map<String, Object>> hits = new ArrayList<>();
    for (SearchIndex.Hit hit : result.hits()) {
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("key", new RawValue(RowKey.fromBytes(hit.key()).toString()));
      h.put("score", hit.score());
      h.put("row", new RawValue(hit.rowJson()));
      h.put("highlights", hit.highlights());
      hits.add(h);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("total", result.total());
    out.put("hits", hits);
    out.put("facets", result.facets());
    Responses.json(ctx, out);
  }

}
