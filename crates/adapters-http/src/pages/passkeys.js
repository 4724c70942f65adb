// The passkeys page's script: the browser's WebAuthn API between the
// service's JSON endpoints (options in, credential.toJSON() out). Served from
// the service itself, so the page's policy allows this script and no other.
"use strict";
const $ = (id) => document.getElementById(id);

// POST `path`; a JSON body only when one is given (the options call sends none).
async function call(path, body, token) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers["Authorization"] = "Token " + token;
  const response = await fetch(path, {
    method: "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { json = text; }
  return { response, json };
}

function reset() {
  $("status").textContent = "";
  $("body").textContent = "";
  $("token-out").textContent = "";
}

// Writes the final answer; true when it was a 2xx.
function show(result) {
  $("body").textContent = JSON.stringify(result.json, null, 2);
  $("status").textContent = "HTTP " + result.response.status + " " + result.response.statusText;
  return result.response.ok;
}

function fail(error) {
  $("status").textContent = "Error: " + error.name + ": " + error.message;
}

$("register").addEventListener("click", async () => {
  reset();
  try {
    const token = $("token").value.trim();
    const options = await call("/api/me/passkeys/options", { password: $("password").value }, token);
    if (!options.response.ok) { show(options); return; }
    const credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.json.publicKey),
    });
    show(await call("/api/me/passkeys", { name: $("name").value, credential: credential.toJSON() }, token));
  } catch (error) { fail(error); }
});

$("login").addEventListener("click", async () => {
  reset();
  try {
    const options = await call("/api/login/passkey/options");
    if (!options.response.ok) { show(options); return; }
    const credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.json.publicKey),
    });
    const result = await call("/api/login/passkey", { credential: credential.toJSON() });
    if (show(result)) $("token-out").textContent = result.json.token.key;
  } catch (error) { fail(error); }
});
