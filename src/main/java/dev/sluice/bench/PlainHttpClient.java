package dev.sluice.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A blocking HTTP/1.1 client on one kept-alive socket, for latency benchmarks: a request is written
 * and its response read on the calling thread, so what is timed is the server and the loopback, not
 * a client library's hand-offs between its own threads.
 */
final class PlainHttpClient implements AutoCloseable {
  /** Longest header section accepted: the server's answers are short. */
  private static final int HEADER_BYTES_MAX = 16 * 1024;

  record Response(int status, byte[] body) {}

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String host;

  PlainHttpClient(String host, int port) throws IOException {
    this.socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(host, port), 5_000);
    socket.setSoTimeout(30_000);
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = new java.io.BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    this.host = host + ":" + port;
  }

  Response get(String path) throws IOException {
    out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return response();
  }

  /** Posts {@code body}, of {@code contentType}, and reads the answer. */
  Response post(String path, String contentType, byte[] body) throws IOException {
    out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + contentType
        + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return response();
  }

  private Response response() throws IOException {
    String[] head = readHead().split("\r\n");
    int status = Integer.parseInt(head[0].split(" ")[1]);
    long length = -1;
    boolean chunked = false;
    for (int i = 1; i < head.length; i++) {
      String line = head[i].toLowerCase(Locale.ROOT);
      if (line.startsWith("content-length:")) {
        length = Long.parseLong(line.substring(15).trim());
      } else if (line.startsWith("transfer-encoding:") && line.contains("chunked")) {
        chunked = true;
      }
    }
    return new Response(status, chunked ? readChunked() : in.readNBytes((int) Math.max(0, length)));
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the server closed the connection");
      }
      head.write(b);
      matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (head.size() > HEADER_BYTES_MAX) {
        throw new IOException("response headers longer than " + HEADER_BYTES_MAX + " bytes");
      }
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  private byte[] readChunked() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = readLine();
      int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
      if (size == 0) {
        readLine(); // the empty line after the last chunk
        return body.toByteArray();
      }
      body.write(in.readNBytes(size));
      readLine();
    }
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("the server closed the connection");
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
