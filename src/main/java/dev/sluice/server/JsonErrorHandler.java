package dev.sluice.server;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's own errors — requests it rejects before Javalin sees them, such as a malformed URI or
 * oversized headers — in the same JSON shape as every other error, instead of an HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {

  @Override
  public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    int status = response.getStatus();
    Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
    byte[] body = body(status, message == null ? null : message.toString());
    response.setContentType("application/json");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    baseRequest.setHandled(true);
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
    return ByteBuffer.wrap(body(status, reason));
  }

  private static byte[] body(int status, String reason) {
    String message = reason == null || reason.isBlank()
        ? org.eclipse.jetty.http.HttpStatus.getMessage(status)
        : reason;
    return Responses.errorBody(Responses.codeFor(status), message, Map.of());
  }
}
