package local.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerExtensionsValidatorCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerTokenCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;

/**
 * The local broker's stand-in for MSK's IAM check on an OAUTHBEARER listener. The token MSK takes
 * is a base64url-encoded SigV4-presigned GET of https://kafka.REGION.amazonaws.com/?Action=
 * kafka-cluster:Connect; this accepts it only if its signature verifies with the one secret key
 * it is configured with, for that key's id and region, and it has not expired. Every presented
 * token is appended to a file with the verdict, so a test can see what the client sent.
 *
 * It checks the signature, not IAM policies: there are none here. As the broker's login callback
 * handler it supplies no token, since the broker never signs in to this listener itself.
 *
 * Settings (JAAS options of the listener's OAuthBearerLoginModule): accessKeyId, secretAccessKey,
 * region, tokenLog, and optionally sessionToken, which the token must then carry.
 */
public final class MskIamTokenValidator implements AuthenticateCallbackHandler {
  private static final String SERVICE = "kafka-cluster";
  private static final String ACTION = "kafka-cluster:Connect";
  private static final String ALGORITHM = "AWS4-HMAC-SHA256";
  private static final String EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  /** MSK's signers presign for at most 15 minutes. */
  private static final long MAX_EXPIRES_SECONDS = 900;
  private static final long CLOCK_SKEW_SECONDS = 300;
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
  /** Added by the signer after signing, so not part of the signature. */
  private static final Set<String> UNSIGNED_PARAMETERS = Set.of("X-Amz-Signature", "User-Agent");

  private String accessKeyId;
  private byte[] secretKey;
  private String region;
  private String sessionToken;
  private Path tokenLog;

  @Override
  public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
    Map<String, ?> options = jaasConfigEntries.get(0).getOptions();
    accessKeyId = option(options, "accessKeyId");
    secretKey = ("AWS4" + option(options, "secretAccessKey")).getBytes(StandardCharsets.UTF_8);
    region = option(options, "region");
    tokenLog = Path.of(option(options, "tokenLog"));
    Object token = options.get("sessionToken");
    sessionToken = token == null ? null : token.toString();
  }

  private static String option(Map<String, ?> options, String name) {
    Object value = options.get(name);
    if (value == null || value.toString().isEmpty()) throw new IllegalArgumentException("MskIamTokenValidator needs the JAAS option " + name);
    return value.toString();
  }

  @Override
  public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
    for (Callback callback : callbacks) {
      if (callback instanceof OAuthBearerValidatorCallback validation) validate(validation);
      else if (callback instanceof OAuthBearerTokenCallback login) login.token(null);
      // MSK's token needs no SASL extensions; any sent are left unvalidated, which drops them.
      else if (!(callback instanceof OAuthBearerExtensionsValidatorCallback)) throw new UnsupportedCallbackException(callback);
    }
  }

  private void validate(OAuthBearerValidatorCallback callback) {
    String token = callback.tokenValue();
    try {
      PresignedToken accepted = verify(token);
      record("accepted", accepted.principal, token);
      callback.token(accepted);
    } catch (Refusal refusal) {
      record("refused", refusal.getMessage(), token);
      callback.error("invalid_token", null, null);
    }
  }

  private PresignedToken verify(String token) throws Refusal {
    String url;
    try {
      url = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new Refusal("the token is not base64url");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new Refusal("the token is not a URL");
    }
    String host = "kafka." + region + ".amazonaws.com";
    if (!"https".equals(uri.getScheme()) || !host.equals(uri.getHost()) || uri.getPort() != -1 || !"/".equals(uri.getRawPath()))
      throw new Refusal("the URL is not https://" + host + "/");
    Map<String, String> query = parseQuery(uri.getRawQuery());

    require(ACTION.equals(query.get("Action")), "Action is not " + ACTION);
    require(ALGORITHM.equals(query.get("X-Amz-Algorithm")), "X-Amz-Algorithm is not " + ALGORITHM);
    require("host".equals(query.get("X-Amz-SignedHeaders")), "X-Amz-SignedHeaders is not host");
    String[] credential = String.valueOf(query.get("X-Amz-Credential")).split("/", -1);
    require(credential.length == 5, "X-Amz-Credential is not key/date/region/service/aws4_request");
    require(accessKeyId.equals(credential[0]), "X-Amz-Credential names another access key id (" + credential[0] + ")");
    require(region.equals(credential[2]), "X-Amz-Credential names another region (" + credential[2] + ")");
    require(SERVICE.equals(credential[3]) && "aws4_request".equals(credential[4]), "X-Amz-Credential is not for " + SERVICE + "/aws4_request");
    require(sessionToken == null || sessionToken.equals(query.get("X-Amz-Security-Token")), "X-Amz-Security-Token is not the expected session token");

    String amzDate = String.valueOf(query.get("X-Amz-Date"));
    Instant signedAt;
    try {
      signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw new Refusal("X-Amz-Date is not yyyyMMddTHHmmssZ");
    }
    require(amzDate.startsWith(credential[1]), "X-Amz-Credential's date is not X-Amz-Date's");
    String expiresText = String.valueOf(query.get("X-Amz-Expires"));
    require(expiresText.matches("[0-9]{1,4}"), "X-Amz-Expires is not a whole number of seconds");
    long expires = Long.parseLong(expiresText);
    require(expires >= 1 && expires <= MAX_EXPIRES_SECONDS, "X-Amz-Expires is not 1-" + MAX_EXPIRES_SECONDS);
    Instant now = Instant.now();
    require(!signedAt.isAfter(now.plusSeconds(CLOCK_SKEW_SECONDS)), "X-Amz-Date is in the future");
    Instant expiresAt = signedAt.plusSeconds(expires);
    require(now.isBefore(expiresAt), "the token expired at " + expiresAt);

    String signature = String.valueOf(query.get("X-Amz-Signature"));
    String scope = String.join("/", credential[1], credential[2], credential[3], credential[4]);
    String expected = sign(amzDate, scope, canonicalRequest(host, query));
    require(MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII)),
        "the signature does not match the secret key of " + accessKeyId);
    return new PresignedToken(token, accessKeyId, signedAt.toEpochMilli(), expiresAt.toEpochMilli());
  }

  private static void require(boolean condition, String reason) throws Refusal {
    if (!condition) throw new Refusal(reason);
  }

  /** Names and values percent-decoded; a name given twice is refused, as is anything not name=value. */
  private static Map<String, String> parseQuery(String rawQuery) throws Refusal {
    require(rawQuery != null && !rawQuery.isEmpty(), "the URL has no query");
    Map<String, String> query = new TreeMap<>();
    for (String pair : rawQuery.split("&", -1)) {
      int equals = pair.indexOf('=');
      require(equals > 0, "the query has a part that is not name=value");
      String name = percentDecode(pair.substring(0, equals));
      require(query.put(name, percentDecode(pair.substring(equals + 1))) == null, "the query names " + name + " twice");
    }
    return query;
  }

  private static String percentDecode(String text) throws Refusal {
    byte[] out = new byte[text.length()];
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%') {
        require(i + 2 < text.length(), "the query has a cut %-escape");
        try {
          out[n++] = (byte) Integer.parseInt(text.substring(i + 1, i + 3), 16);
        } catch (NumberFormatException e) {
          throw new Refusal("the query has a bad %-escape");
        }
        i += 2;
      } else {
        out[n++] = (byte) c;
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  /** SigV4's URI encoding: everything but A-Z a-z 0-9 - _ . ~ as %XX of its UTF-8 bytes. */
  private static String uriEncode(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      boolean unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
      if (unreserved) out.append(c);
      else out.append('%').append(String.format("%02X", b & 0xff));
    }
    return out.toString();
  }

  /** A presigned GET: no body, the host header alone signed, every signed parameter in the canonical query. */
  private static String canonicalRequest(String host, Map<String, String> query) {
    Map<String, String> encoded = new TreeMap<>();
    query.forEach((name, value) -> {
      if (!UNSIGNED_PARAMETERS.contains(name)) encoded.put(uriEncode(name), uriEncode(value));
    });
    List<String> pairs = new ArrayList<>();
    encoded.forEach((name, value) -> pairs.add(name + "=" + value));
    return String.join("\n", "GET", "/", String.join("&", pairs), "host:" + host, "", "host", EMPTY_PAYLOAD_SHA256);
  }

  private String sign(String amzDate, String scope, String canonicalRequest) {
    try {
      String stringToSign = String.join("\n", ALGORITHM, amzDate, scope, hex(MessageDigest.getInstance("SHA-256").digest(bytes(canonicalRequest))));
      byte[] key = secretKey;
      for (String part : scope.split("/")) key = hmac(key, part);
      return hex(hmac(key, stringToSign));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(bytes(data));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  /** One line per presented token: verdict, then the principal or the reason, then the token, tab-separated. */
  private synchronized void record(String verdict, String detail, String token) {
    String line = verdict + "\t" + detail.replaceAll("[\t\n\r]", " ") + "\t" + token.replaceAll("[\t\n\r]", " ") + "\n";
    try {
      Files.writeString(tokenLog, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {}

  private static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    Refusal(String reason) {
      super(reason, null, false, false);
    }
  }

  private record PresignedToken(String value, String principal, long signedAtMs, long expiresAtMs) implements OAuthBearerToken {
    @Override
    public Set<String> scope() {
      return Set.of();
    }

    @Override
    public long lifetimeMs() {
      return expiresAtMs;
    }

    @Override
    public String principalName() {
      return principal;
    }

    @Override
    public Long startTimeMs() {
      return signedAtMs;
    }
  }
}
