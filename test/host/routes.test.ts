import { describe, expect, it } from "vitest";
import { compileRoute } from "../../local/host/routes.js";

describe("route templates", () => {
  it("matches literal segments case-insensitively and nothing longer or shorter", () => {
    const route = compileRoute("credential-types");
    expect(route.match("Credential-Types")).toEqual({ params: {} });
    expect(route.match("credential-types/extra")).toBeUndefined();
    expect(route.match("")).toBeUndefined();
  });

  it("captures and decodes named parameters", () => {
    expect(compileRoute("logins/{loginId}").match("logins/a%20b")).toEqual({ params: { loginId: "a b" } });
  });

  it("applies constraints such as int", () => {
    const route = compileRoute("items/{id:int}");
    expect(route.match("items/42")).toEqual({ params: { id: "42" } });
    expect(route.match("items/forty-two")).toBeUndefined();
  });

  it("allows a trailing optional parameter to be absent", () => {
    const route = compileRoute("shares/{shareId?}");
    expect(route.match("shares")).toEqual({ params: {} });
    expect(route.match("shares/s1")).toEqual({ params: { shareId: "s1" } });
  });

  it("gathers the rest of the path into a catch-all parameter", () => {
    expect(compileRoute("files/{*path}").match("files/a/b/c")).toEqual({ params: { path: "a/b/c" } });
  });

  it("refuses a route with an unknown constraint", () => {
    expect(() => compileRoute("items/{id:banana}")).toThrow(/banana/);
  });
});
