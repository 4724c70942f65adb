// Round trip through openapi-fetch typed by the generated schema.ts: signup, login, me,
// a personal token, me with it. Usage: node out/roundtrip.js <base-url>
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

const baseUrl = (process.argv[2] ?? "").replace(/\/$/, "");
if (!baseUrl) fail("usage", "node out/roundtrip.js <base-url>");

function fail(step: string, detail: unknown): never {
  console.error(`${step}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
  process.exit(1);
}

// The answer's data when the status is the expected one; openapi-fetch puts documented
// error bodies in `error`, so the status is checked too.
function expect<T>(step: string, status: number, answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.response.status !== status || answer.data === undefined) {
    fail(step, `expected ${status}, got ${answer.response.status} ${JSON.stringify(answer.error ?? answer.data)}`);
  }
  return answer.data;
}

const client = (key?: string) =>
  createClient<paths>({ baseUrl, headers: key ? { Authorization: `Token ${key}` } : {} });

// A fresh address each run: the check may run many times against one database.
const email = `ts-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}@example.com`;
const password = "Tr1p-through-the-client";
const anonymous = client();

const user = expect("signup", 201, await anonymous.POST("/api/signup", {
  body: { email, phonenumber: "+15551234567", password },
}));

const login = expect("login", 200, await anonymous.POST("/api/login", { body: { email, password } }));
const session = client(login.token.key);

const me = expect("me (session token)", 200, await session.GET("/api/me"));
if (me.id !== user.id || me.email !== email) fail("me (session token)", me);

const personal = expect("create personal token", 201, await session.POST("/api/me/tokens", {
  body: { name: "roundtrip", scopes: ["account:read"], expires_in_days: 1 },
}));
if (personal.kind !== "personal" || personal.scopes.join() !== "account:read") fail("create personal token", personal);

const again = expect("me (personal token)", 200, await client(personal.key).GET("/api/me"));
if (again.id !== user.id) fail("me (personal token)", again);

console.log(`signup, login, me, personal token ${personal.id}, me with it: all as ${email}`);
