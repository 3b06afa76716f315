package dev.deliberate.cli.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error the server answers with, in OpenAI's shape:
 * {@code {"error":{"message":…,"type":…,"param":…,"code":…}}}, so that clients show it as they would OpenAI's.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type, param, code;

    public ApiError(int status, String type, String param, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** A 400 about one field of the request. */
    public static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message);
    }

    public int status() {
        return status;
    }

    public String param() {
        return param;
    }

    public String body(ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        if (param == null) e.putNull("param");
        else e.put("param", param);
        if (code == null) e.putNull("code");
        else e.put("code", code);
        return root.toString();
    }
}
