import { describe, expect, it } from "vitest";
import { ApiError, describeError, fieldErrors, toApiError } from "./errors";

describe("toApiError", () => {
  it("keeps the API's code, message and details", () => {
    const error = toApiError(404, { error: { code: "not_found:agent", message: "Agent not found", details: {} } });
    expect(error).toBeInstanceOf(ApiError);
    expect([error.status, error.code, error.message]).toEqual([404, "not_found:agent", "Agent not found"]);
  });

  it("describes a body that is not the error shape (a proxy's HTML page) by its status", () => {
    const error = toApiError(502, "<html>Bad gateway</html>");
    expect(error.code).toBe("http_502");
    expect(error.message).toContain("502");
  });
});

describe("fieldErrors", () => {
  it("maps validation errors to field paths without the body prefix, first message wins", () => {
    const error = toApiError(422, {
      error: {
        code: "validation_error",
        message: "Invalid request",
        details: {
          errors: [
            { loc: ["body", "name"], msg: "String should have at least 1 character", type: "string_too_short" },
            { loc: ["body", "model_config", "temperature"], msg: "Input should be less than or equal to 2", type: "x" },
            { loc: ["body", "name"], msg: "second", type: "x" },
            { loc: ["body"], msg: "Value error, provider may be left out but not set to null", type: "value_error" },
          ],
        },
      },
    });
    expect(fieldErrors(error)).toEqual({
      name: "String should have at least 1 character",
      "model_config.temperature": "Input should be less than or equal to 2",
      _: "Value error, provider may be left out but not set to null",
    });
  });

  it("uses a translation for the issue's type when one is given, the API's message otherwise", () => {
    const error = toApiError(422, {
      error: {
        code: "validation_error",
        message: "Invalid request",
        details: {
          errors: [
            { loc: ["body", "name"], msg: "Field required", type: "missing" },
            { loc: ["body", "email"], msg: "not an email", type: "something_new" },
          ],
        },
      },
    });
    const german: Record<string, string> = { missing: "Pflichtfeld." };
    expect(fieldErrors(error, (issue) => (issue.type ? german[issue.type] : undefined))).toEqual({
      name: "Pflichtfeld.",
      email: "not an email",
    });
  });

  it("is empty for errors that are not validation errors", () => {
    expect(fieldErrors(new Error("boom"))).toEqual({});
    expect(fieldErrors(toApiError(409, { error: { code: "conflict", message: "exists", details: {} } }))).toEqual({});
  });
});

describe("describeError", () => {
  it("uses the API's message, and the fallback for network failures", () => {
    expect(describeError(toApiError(409, { error: { code: "c", message: "Already set up", details: {} } }), "x")).toBe(
      "Already set up",
    );
    expect(describeError(new TypeError("Failed to fetch"), "Server unreachable")).toBe("Server unreachable");
  });
});
